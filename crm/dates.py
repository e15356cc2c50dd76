"""Helpers for the date arguments of scheduled jobs and their commands."""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from django.utils import timezone


def local_today() -> date:
    return timezone.localdate()


def yesterday() -> date:
    return local_today() - timedelta(days=1)


def week_start(day: date) -> date:
    """The Monday of the week containing ``day``."""
    return day - timedelta(days=day.weekday())


def iso_date(value: str) -> date:
    """argparse type: a YYYY-MM-DD date with a readable error."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from exc

"""Base for the management commands that run a scheduled job by hand for a given date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.management.base import BaseCommand

from crm.dates import iso_date, local_today, week_start, yesterday


class ScheduledJobCommand(BaseCommand):
    """Subclasses set ``job`` (a service taking ``day=`` or ``week=``) and ``period``."""

    job: Callable[..., int]
    period: str = "day"  # "day": --date, default yesterday; "week": --week, default this week's Monday

    def add_arguments(self, parser) -> None:
        if self.period == "week":
            parser.add_argument("--week", type=iso_date, help="any day of the week, YYYY-MM-DD (default: this week)")
        else:
            parser.add_argument("--date", type=iso_date, help=f"YYYY-MM-DD (default: {self.default_help})")

    default_help = "yesterday"

    def default_day(self) -> date:
        return yesterday()

    def handle(self, *args, **options) -> None:
        if self.period == "week":
            week = week_start(options["week"] or local_today())
            count = type(self).job(week=week)
            self.stdout.write(f"{count} created for the week of {week.isoformat()}.")
        else:
            day = options["date"] or self.default_day()
            count = type(self).job(day=day)
            self.stdout.write(f"{count} created for {day.isoformat()}.")

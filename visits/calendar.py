"""The working-day calendar: Monday to Friday, minus holidays, plus make-up days 调休."""

from __future__ import annotations

from datetime import date, timedelta

from visits.models import WorkingDay


def _exceptions(start: date, end: date) -> dict[date, bool]:
    return dict(WorkingDay.objects.filter(day__range=(start, end)).values_list("day", "is_working"))


def is_working_day(day: date) -> bool:
    exception = _exceptions(day, day).get(day)
    return exception if exception is not None else day.weekday() < 5


def working_days_between(start: date, end: date) -> list[date]:
    """Every working day from ``start`` to ``end`` inclusive, in one query."""
    exceptions = _exceptions(start, end)
    days = []
    day = start
    while day <= end:
        if exceptions.get(day, day.weekday() < 5):
            days.append(day)
        day += timedelta(days=1)
    return days


def previous_working_day(before: date, *, horizon_days: int = 31) -> date | None:
    """The last working day strictly before ``before`` (None if none in the horizon)."""
    days = working_days_between(before - timedelta(days=horizon_days), before - timedelta(days=1))
    return days[-1] if days else None


def next_working_day(after: date, *, horizon_days: int = 31) -> date:
    """The first working day strictly after ``after`` (the next calendar day if none in the horizon)."""
    days = working_days_between(after + timedelta(days=1), after + timedelta(days=horizon_days))
    return days[0] if days else after + timedelta(days=1)

"""Shared builders for the key-account tests: rated visits and shortlist entries."""

from datetime import date, datetime, time

from django.utils import timezone

from visits.key_accounts.models import KeyAccountEntry
from visits.models import Visit

MONDAY = date(2026, 3, 9)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def rate(customer, salesperson, day: date, intent: str, obstacles=(), detail: str = "", hour: int = 10, kind="first"):
    """A visit rated at the end of ``day``, as the visits pages record it."""
    return Visit.objects.create(
        salesperson=salesperson,
        customer=customer,
        kind=kind,
        visited_at=at(day, hour),
        visited_on=day,
        intent=intent,
        rated_at=at(day, hour),
        obstacles=list(obstacles),
        obstacle_detail=detail,
    )


def visit(customer, salesperson, day: date, kind: str, **extra):
    return Visit.objects.create(
        salesperson=salesperson, customer=customer, kind=kind, visited_at=at(day), visited_on=day, **extra
    )


def shortlist(week: date = MONDAY):
    return sorted(KeyAccountEntry.objects.filter(week=week).values_list("salesperson__username", "customer__unit_name"))

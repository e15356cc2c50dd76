"""The app's Celery entry points (Celery discovers ``<app>.tasks``), each a thin call into a domain's service.
The schedule (crm/schedule.py) and django-celery-beat's rows name these tasks: keep the names."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from accounts.customers.services import return_idle_customers_to_pool
from accounts.deals.services import send_renewal_reminders as send_deal_reminders
from accounts.service_tools.services import remind_expiring_policies
from crm.dates import local_today


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else local_today()


def send_renewal_reminders(*, day: date) -> int:
    """Remind owners of renewals (and instalments) due soon after ``day``, and of the customers' own policies
    that expire soon (the check-ups); once each. The job spans two domains, so it is wired here."""
    return send_deal_reminders(day=day) + remind_expiring_policies(day=day)


@shared_task(acks_late=True)
def send_renewal_reminders_task(day: str | None = None) -> int:
    """Safe to run twice: one reminder per deal and renewal date."""
    return send_renewal_reminders(day=_day(day))


@shared_task(acks_late=True)
def return_idle_customers_to_pool_task(day: str | None = None) -> int:
    """Safe to run twice: a pooled customer is not pooled again."""
    return return_idle_customers_to_pool(day=_day(day))

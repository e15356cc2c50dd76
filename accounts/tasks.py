from __future__ import annotations

from datetime import date

from celery import shared_task

from accounts.services import build_key_account_shortlists, return_idle_customers_to_pool, send_renewal_reminders
from crm.dates import local_today, week_start


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else local_today()


@shared_task(acks_late=True)
def build_key_account_shortlists_task(week: str | None = None) -> int:
    """Safe to run twice: one entry per salesperson, week and customer."""
    return build_key_account_shortlists(week=week_start(_day(week)))


@shared_task(acks_late=True)
def send_renewal_reminders_task(day: str | None = None) -> int:
    """Safe to run twice: one reminder per deal and renewal date."""
    return send_renewal_reminders(day=_day(day))


@shared_task(acks_late=True)
def return_idle_customers_to_pool_task(day: str | None = None) -> int:
    """Safe to run twice: a pooled customer is not pooled again."""
    return return_idle_customers_to_pool(day=_day(day))

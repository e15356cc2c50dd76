"""The app's Celery entry points (Celery discovers ``<app>.tasks``), each a thin call into a domain's service.
The schedule (crm/schedule.py) and django-celery-beat's rows name these tasks: keep the names."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from accounts.customers.geocoding import geocode_pending_customers
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


# After a run stopped on the provider's trouble, the queue waits before asking again (a spent quota longer).
GEOCODE_PAUSE_SECONDS = {"retry": 60, "quota": 600}


@shared_task(acks_late=True)
def geocode_pending_customers_task() -> int:
    """Look up the waiting customers' addresses at the provider's pace for one run, then send itself again
    while some wait. Safe to run twice: one run at a time, and an answer is kept only once."""
    run = geocode_pending_customers()
    if run.waiting and not run.skipped:
        geocode_pending_customers_task.apply_async(countdown=GEOCODE_PAUSE_SECONDS.get(run.stopped, 1))
    return run.looked_up

"""Thin Celery tasks: ids and ISO dates in, one service call, safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from campaigns import services
from campaigns.churn.services import refresh_churn_risks
from campaigns.pipelines.services import send_tender_reminders
from crm.dates import local_today


@shared_task(acks_late=True)
def check_prospect_import_task(import_id: int) -> int:
    """The dry run of a large list. Rerunnable: issues are rewritten; a committed import is left alone."""
    return services.check_prospect_import(import_id=import_id).processed_rows


@shared_task(acks_late=True)
def commit_prospect_import_task(import_id: int, attempt: int | None = None) -> int:
    """All or nothing in one transaction; a committed import is never committed twice, and a copy
    for an attempt that is over (stopped, or asked for again) does nothing."""
    return services.commit_prospect_import(import_id=import_id, attempt=attempt)


@shared_task(acks_late=True)
def stop_stalled_imports_task() -> int:
    """Every minute: checks and imports whose worker stopped are said so. Safe to run twice."""
    return services.stop_stalled_imports()


@shared_task(acks_late=True)
def send_email_batch_task(mailing_id: int) -> int:
    """Sends a batch; queues itself again while recipients are queued. A sent recipient is never resent."""
    remaining = services.send_email_batch(mailing_id=mailing_id)
    if remaining:
        send_email_batch_task.apply_async(kwargs={"mailing_id": mailing_id}, countdown=1)
    return remaining


@shared_task(acks_late=True)
def send_sms_batch_task(mailing_id: int) -> int:
    """At most SMS_RATE_PER_MINUTE messages per run, then again a minute later for the rest."""
    remaining = services.send_sms_batch(mailing_id=mailing_id)
    if remaining:
        send_sms_batch_task.apply_async(kwargs={"mailing_id": mailing_id}, countdown=60)
    return remaining


@shared_task(acks_late=True)
def flag_overdue_inquiries_task(day: str | None = None) -> int:
    """Safe to run twice: a flagged inquiry is not flagged again."""
    return services.flag_overdue_inquiries(day=date.fromisoformat(day) if day else local_today())


@shared_task(acks_late=True)
def fill_call_list_task(call_list_id: int) -> int:
    """Adds a large segment's numbers to a new call list, all or nothing. Safe to run twice: only a list
    still "adding numbers" is filled."""
    return services.fill_call_list_from_segment(call_list_id=call_list_id)


@shared_task(acks_late=True)
def refresh_churn_risks_task(day: str | None = None) -> int:
    """Nightly: the churn list becomes what is true today. Run twice, the same rows."""
    return refresh_churn_risks(today=date.fromisoformat(day) if day else local_today())


@shared_task(acks_late=True)
def send_tender_reminders_task(day: str | None = None) -> int:
    """Daily: each tender deadline a few days ahead is reminded to its owner once. Run twice, one reminder."""
    return send_tender_reminders(today=date.fromisoformat(day) if day else local_today())

from __future__ import annotations

from datetime import date

from celery import shared_task

from crm.dates import local_today, week_start, yesterday
from visits.calendar import previous_working_day
from visits.services import assess_visit_counts, check_visit_quotas


def default_quota_day() -> date:
    """The previous working day: on Monday morning that is Friday (or a make-up Saturday), not Sunday."""
    return previous_working_day(local_today()) or yesterday()


@shared_task(acks_late=True)
def check_visit_quotas_task(day: str | None = None) -> int:
    """Safe to run twice: at most one shortfall per salesperson and day."""
    return check_visit_quotas(day=date.fromisoformat(day) if day else default_quota_day())


@shared_task(acks_late=True)
def assess_visit_counts_task(week: str | None = None) -> int:
    """Assess last week by default. Safe to run twice: one assessment per salesperson and week."""
    return assess_visit_counts(week=week_start(date.fromisoformat(week)) if week else week_start(yesterday()))

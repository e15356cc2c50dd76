from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings

from crm.dates import local_today, week_start, yesterday
from visits.calendar import previous_working_day
from visits.services import assess_visit_counts, check_visit_quotas, recheck_days_with_open_shortfalls


def default_quota_day() -> date:
    """The previous working day: on Monday morning that is Friday (or a make-up Saturday), not Sunday."""
    return previous_working_day(local_today()) or yesterday()


@shared_task(acks_late=True)
def check_visit_quotas_task(day: str | None = None) -> int:
    """Check ``day`` (default: the previous working day); the scheduled run also re-checks the last
    settings.CRM["QUOTA_RECHECK_DAYS"] days that still have open shortfalls, withdrawing those that
    no longer hold. Safe to run twice: at most one shortfall per salesperson and day, each withdrawal once.
    Returns the new shortfalls of ``day``."""
    if day:
        return check_visit_quotas(day=date.fromisoformat(day))
    checked = default_quota_day()
    created = check_visit_quotas(day=checked)
    recheck_days_with_open_shortfalls(
        since=checked - timedelta(days=settings.CRM["QUOTA_RECHECK_DAYS"]), before=checked
    )
    return created


@shared_task(acks_late=True)
def assess_visit_counts_task(week: str | None = None) -> int:
    """Assess last week by default. Safe to run twice: one assessment per salesperson and week."""
    return assess_visit_counts(week=week_start(date.fromisoformat(week)) if week else week_start(yesterday()))


@shared_task(acks_late=True)
def make_visit_photo_thumbnails_task(photo_ids: list[int]) -> int:
    """The thumbnails of newly stored visit photos. Safe to run twice: a photo gets one thumbnail."""
    from visits.photos import make_thumbnail

    return sum(1 for photo_id in photo_ids if make_thumbnail(photo_id))


@shared_task(acks_late=True)
def backfill_visit_photo_thumbnails_task(limit: int = 1000) -> int:
    """Thumbnails for photos still without one (stored before thumbnails existed, or a task lost)."""
    from visits.photos import backfill_thumbnails

    return backfill_thumbnails(limit=limit)


# The name is the one the schedule (crm/schedule.py) and existing django-celery-beat rows give it: the task
# lived in accounts/tasks.py before key accounts moved under visits/ (issue #20), and a beat row naming an
# unknown task would silently stop the Monday shortlist.
@shared_task(name="accounts.tasks.build_key_account_shortlists_task", acks_late=True)
def build_key_account_shortlists_task(week: str | None = None) -> int:
    """Safe to run twice: one entry per salesperson, week and customer."""
    from visits.key_accounts.services import build_shortlists

    return build_shortlists(week=week_start(date.fromisoformat(week) if week else local_today()))

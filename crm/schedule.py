"""The default schedule of the scheduled jobs, created in the database from code.

django-celery-beat keeps the schedule in the database so that the admin can change the
times; this module only creates what is missing and never overwrites an edited time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    task: str
    minute: str
    hour: str
    day_of_week: str = "*"


DEFAULT_SCHEDULE: tuple[ScheduledJob, ...] = (
    # Before the morning meeting (08:30): yesterday's shortfalls must be on the dashboard.
    ScheduledJob("Daily visit-quota check", "visits.tasks.check_visit_quotas_task", minute="0", hour="6"),
    # Before the Monday meeting: the week's key accounts, then last week's assessment.
    ScheduledJob(
        "Monday key-account shortlist",
        "accounts.tasks.build_key_account_shortlists_task",
        minute="30",
        hour="5",
        day_of_week="1",
    ),
    ScheduledJob("Weekly assessment", "visits.tasks.assess_visit_counts_task", minute="45", hour="5", day_of_week="1"),
    ScheduledJob("Daily renewal reminders", "accounts.tasks.send_renewal_reminders_task", minute="15", hour="6"),
    ScheduledJob(
        "Daily return to the public pool", "accounts.tasks.return_idle_customers_to_pool_task", minute="30", hour="2"
    ),
    # Before the morning meeting: inquiries nobody has visited in time are on the managers' list.
    ScheduledJob("Daily overdue phone inquiries", "campaigns.tasks.flag_overdue_inquiries_task", minute="20", hour="6"),
    # Before the morning meeting: customers who may be lost, with the reason (campaigns' churn list).
    ScheduledJob("Nightly churn risks", "campaigns.tasks.refresh_churn_risks_task", minute="40", hour="2"),
    # Before the morning meeting: a tender's owner is reminded of a deadline a few days ahead (once per deadline).
    ScheduledJob(
        "Daily tender deadline reminders", "campaigns.tasks.send_tender_reminders_task", minute="25", hour="6"
    ),
    # Approvals waiting too long: their approver is reminded (once per approval per threshold).
    ScheduledJob("Hourly approval reminders", "crm.tasks.remind_pending_approvals_task", minute="5", hour="*"),
    # Exports past their keeping time: their files are deleted (the row says "expired").
    ScheduledJob("Hourly expired exports", "crm.tasks.delete_expired_exports_task", minute="25", hour="*"),
    # The outbox: tasks that could not be sent when their transaction committed (broker down).
    ScheduledJob("Relay pending tasks", "crm.tasks.relay_pending_tasks_task", minute="*", hour="*"),
    # Deliveries whose task was lost (a retry not published while the broker was down): sent for again.
    ScheduledJob(
        "Stalled notification deliveries", "crm.tasks.resend_stalled_deliveries_task", minute="*/10", hour="*"
    ),
    # Prospect checks and imports whose worker stopped: said so on their page within minutes, not hours.
    ScheduledJob("Stalled prospect imports", "campaigns.tasks.stop_stalled_imports_task", minute="*", hour="*"),
    # Customers waiting for their address to be looked up (a geocoder set up): picked up again after a
    # provider's trouble or a lost task. Does nothing when none wait.
    ScheduledJob(
        "Look up customers' addresses", "accounts.tasks.geocode_pending_customers_task", minute="*/10", hour="*"
    ),
)


@transaction.atomic
def ensure_default_schedule() -> list[str]:
    """Create each default job that does not exist yet; return the names created. Idempotent."""
    created_names = []
    for job in DEFAULT_SCHEDULE:
        if PeriodicTask.objects.filter(name=job.name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=job.minute,
            hour=job.hour,
            day_of_week=job.day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(name=job.name, task=job.task, crontab=crontab)
        created_names.append(job.name)
        logger.info("Scheduled %s (%s)", job.name, job.task)
    return created_names

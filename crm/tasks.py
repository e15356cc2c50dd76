from smtplib import SMTPException

from celery import shared_task

from crm.approvals.services import remind_pending_approvals
from crm.exports.services import delete_expired_exports, run_export
from crm.outbox import relay_pending_tasks
from crm.services import email_notification


@shared_task(acks_late=True)
def ping(value: str = "pong") -> str:
    """Round trip through the broker and a worker; used by health checks and tests."""
    return value


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def email_notification_task(notification_id: int) -> bool:
    """Safe to run twice: a notification is e-mailed at most once."""
    return email_notification(notification_id=notification_id)


@shared_task(acks_late=True)
def relay_pending_tasks_task() -> int:
    """Send what the outbox still holds. Safe to run twice: tasks sent this way are idempotent."""
    return relay_pending_tasks()


@shared_task(acks_late=True)
def remind_pending_approvals_task() -> int:
    """Remind approvers of requests waiting too long. Safe to run twice: once per approval per threshold."""
    return remind_pending_approvals()


@shared_task(acks_late=True)
def run_export_task(export_id: int) -> int:
    """Write one export's file with its owner's scope. Safe to run twice: a finished export, or one another
    copy is writing, is left alone. Returns the rows written."""
    export = run_export(export_id=export_id)
    return export.rows_written if export is not None else 0


@shared_task(acks_late=True)
def delete_expired_exports_task() -> int:
    """Hourly: the files of expired exports are deleted. Safe to run twice."""
    return delete_expired_exports()

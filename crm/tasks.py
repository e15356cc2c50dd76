from celery import shared_task

from crm.approvals.services import remind_pending_approvals
from crm.exports.services import delete_expired_exports, run_export
from crm.notifications.services import deliver, email_queued_before_deliveries, resend_stalled_deliveries
from crm.outbox import relay_pending_tasks


@shared_task(acks_late=True)
def ping(value: str = "pong") -> str:
    """Round trip through the broker and a worker; used by health checks and tests."""
    return value


# Under NOTIFY_SENDING_TIMEOUT_SECONDS (120 s by default): a send still "sending" after that belongs to a dead worker.
@shared_task(bind=True, acks_late=True, max_retries=None, soft_time_limit=50, time_limit=60)
def deliver_notification_task(self, delivery_id: int) -> None:
    """Send one notification by one channel. Safe to run twice: the delivery is claimed before it is sent,
    and retried with backoff (deliver says when) until sent or failed."""
    again_in = deliver(delivery_id=delivery_id)
    if again_in is not None and not self.request.is_eager:
        raise self.retry(countdown=again_in)


@shared_task(bind=True, acks_late=True, max_retries=None, soft_time_limit=50, time_limit=60)
def email_notification_task(self, notification_id: int) -> None:
    """The e-mail task of before deliveries, for those queued at the upgrade. Safe to run twice."""
    again_in = email_queued_before_deliveries(notification_id=notification_id)
    if again_in is not None and not self.request.is_eager:
        raise self.retry(countdown=again_in)


@shared_task(acks_late=True)
def relay_pending_tasks_task() -> int:
    """Send what the outbox still holds. Safe to run twice: tasks sent this way are idempotent."""
    return relay_pending_tasks()


@shared_task(acks_late=True)
def remind_pending_approvals_task() -> int:
    """Remind approvers of requests waiting too long. Safe to run twice: once per approval per threshold."""
    return remind_pending_approvals()


@shared_task(acks_late=True)
def resend_stalled_deliveries_task() -> int:
    """Ask again for deliveries whose task was lost. Safe to run twice: a delivery is claimed before it is sent."""
    return resend_stalled_deliveries()


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

"""The outbox: Celery tasks asked for inside a transaction are sent after it commits, or later.

``enqueue`` writes a ``PendingTask`` row next to the change it follows and tries to send it as soon
as the transaction commits. When the broker is down or frozen the send fails fast (its own short
timeouts, no publish retries), the request still succeeds, and ``relay_pending_tasks`` sends the row
once the broker is back. A task may therefore arrive twice (sent, then the process died before
the row was marked): every task sent this way must be idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm.models import PendingTask

logger = logging.getLogger(__name__)

# A request must not wait on a frozen broker: the outbox keeps the task, so give up quickly.
SEND_TIMEOUT_SECONDS = 1
SENT_ROWS_KEPT_FOR = timedelta(days=7)


def enqueue(task_name: str, **kwargs) -> PendingTask:
    """Ask for ``task_name(**kwargs)`` once the current transaction commits (JSON arguments only)."""
    pending = PendingTask.objects.create(task=task_name, kwargs=kwargs)

    def send_after_commit() -> None:
        send_pending_task(pending)

    transaction.on_commit(send_after_commit, robust=True)
    return pending


def enqueue_many(task_name: str, kwargs_list: list[dict]) -> list[PendingTask]:
    """``enqueue`` for many calls of one task: one INSERT, one hook that sends them all after commit."""
    if not kwargs_list:
        return []
    pending = PendingTask.objects.bulk_create([PendingTask(task=task_name, kwargs=kwargs) for kwargs in kwargs_list])

    def send_after_commit() -> None:
        for row in pending:
            if not send_pending_task(row):
                break  # the broker is down: the relay sends the rest

    transaction.on_commit(send_after_commit, robust=True)
    return pending


def send_pending_task(pending: PendingTask) -> bool:
    """Hand one pending task to the broker; True when sent. Never raises for a broker failure."""
    try:
        if current_app.conf.task_always_eager:
            current_app.loader.import_default_modules()
            current_app.tasks[pending.task].apply(kwargs=pending.kwargs)
        else:
            options = dict(current_app.conf.broker_transport_options or {})
            if not current_app.conf.broker_url.startswith("filesystem://"):
                # One attempt with short socket timeouts: kombu would otherwise reconnect with
                # back-off, several seconds in all, while the salesperson waits.
                options.update(
                    socket_timeout=SEND_TIMEOUT_SECONDS, socket_connect_timeout=SEND_TIMEOUT_SECONDS, max_retries=0
                )
            with current_app.connection_for_write(transport_options=options) as connection:
                current_app.send_task(pending.task, kwargs=pending.kwargs, connection=connection, retry=False)
    except Exception as error:
        logger.warning("Could not send %s (pending task %s): %s", pending.task, pending.pk, error)
        PendingTask.objects.filter(pk=pending.pk).update(attempts=F("attempts") + 1, last_error=str(error)[:300])
        return False
    PendingTask.objects.filter(pk=pending.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return True


def relay_pending_tasks(*, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Send the pending tasks still unsent after ``older_than``; stop at the first broker failure.

    Rows younger than ``older_than`` are left to the sender that runs on commit. Two relays at once
    skip each other's rows on PostgreSQL; elsewhere a task may go twice, which tasks tolerate.
    Returns how many were sent. Also forgets rows sent more than a week ago.
    """
    now = timezone.now()
    PendingTask.objects.filter(sent_at__lt=now - SENT_ROWS_KEPT_FOR).delete()
    sent = 0
    with transaction.atomic():
        due = (
            PendingTask.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, created_at__lte=now - older_than)
            .order_by("pk")[:limit]
        )
        for pending in due:
            if not send_pending_task(pending):
                break
            sent += 1
    return sent

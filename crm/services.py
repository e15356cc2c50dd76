"""Writes of the organisation app: notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from crm.models import Notification, User
from crm.outbox import enqueue


def notify(*, recipient: User, kind: str, text: str, link: str = "", email: bool = False) -> Notification:
    """Leave an in-app notification for one person; with ``email``, also e-mail it once the
    transaction commits (through the outbox, so a broker outage delays it and loses nothing)."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, text=text[:500], link=link)
    if email:
        enqueue("crm.tasks.email_notification_task", notification_id=notification.pk)
    return notification


def email_notification(*, notification_id: int) -> bool:
    """E-mail one notification to its recipient, at most once. False when nothing was sent
    (no such notification, recipient without an address or inactive, or already e-mailed)."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email or not notification.recipient.is_active:
        return False
    # Claim it first: a task delivered twice (the outbox sends at least once) e-mails once.
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    link = settings.CRM["SITE_URL"].rstrip("/") + notification.get_absolute_url()
    try:
        send_mail(
            subject=f"{settings.CRM['PRODUCT_NAME']}: {notification.text[:80]}",
            message=f"{notification.text}\n\n{link}\n",
            from_email=settings.CRM["MAIL_FROM"],
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        # Not sent after all: let the retry (or the next delivery) try again.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def notify_many(*, notifications: Iterable[Notification]) -> int:
    """Create many unsaved notifications in one statement (for set-based jobs). Returns how many."""
    return len(Notification.objects.bulk_create(list(notifications), batch_size=1000))


@transaction.atomic
def mark_notifications_read(*, recipient: User, ids: Iterable[int] | None = None) -> int:
    """Mark the recipient's unread notifications (all, or those ids) as read. Returns how many."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(id__in=list(ids))
    return unread.update(read_at=timezone.now())

"""Writes of the organisation app: notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from crm.models import Notification, User


def notify(*, recipient: User, kind: str, text: str, link: str = "") -> Notification:
    """Leave an in-app notification for one person."""
    return Notification.objects.create(recipient=recipient, kind=kind, text=text[:500], link=link)


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

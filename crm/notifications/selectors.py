"""Reads of notifications: the inbox, a person's channels, the teams' robots, the failed deliveries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from crm.models import Delivery, Notification, Team, User
from crm.notifications.channels import channels_open_to
from crm.notifications.kinds import CHANNELS, KINDS, chosen_channels


def inbox_of(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    return notifications.filter(read_at__isnull=True) if unread_only else notifications


@dataclass(frozen=True)
class KindChoice:
    code: str
    label: str
    channels: tuple[str, ...]  # chosen (or the default)


def channel_choices_of(*, user: User) -> tuple[list[KindChoice], dict[str, bool]]:
    """Each kind with the channels chosen for it, and which channels can reach the user now."""
    kinds = [
        KindChoice(kind.code, str(kind.label), chosen_channels(user.notification_channels, kind.code)) for kind in KINDS
    ]
    return kinds, channels_open_to(user)


def teams_robots_editable_by(*, user: User) -> QuerySet[Team]:
    """The teams whose group robots ``user`` sets: every team for the admin, their own for a manager."""
    if user.sees_everything:
        return Team.objects.order_by("name")
    if user.is_manager:
        return Team.objects.filter(manager=user).order_by("name")
    return Team.objects.none()


def failed_deliveries() -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(status=Delivery.Status.FAILED)
        .select_related("notification__recipient__team")
        .order_by("-created_at")
    )


__all__ = ["CHANNELS", "channel_choices_of", "failed_deliveries", "inbox_of", "teams_robots_editable_by"]

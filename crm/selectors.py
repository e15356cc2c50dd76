"""Reads of the organisation app."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.models import Notification, Team, User


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def teams_managed_by(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(manager=user)


def team_members_of(*, manager: User) -> QuerySet[User]:
    """Active salespeople in the teams this manager leads."""
    return User.objects.filter(team__manager=manager, is_active=True, role=User.Role.SALESPERSON)

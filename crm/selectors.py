"""Reads of the organisation app."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from crm.errors import ApplicationError
from crm.models import Approval, Notification, User
from crm.sso import PROVIDERS

logger = logging.getLogger(__name__)


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _count_of(queryset: QuerySet, *, by: str) -> Coalesce:
    counted = queryset.order_by().values(by).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def menu_counts(*, user: User) -> tuple[int, int]:
    """The menu's badges in one query: unread notifications, and approvals waiting for the user (managers
    and administrators decide; for others it is 0 without asking)."""
    unread = _count_of(Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True), by="recipient")
    decides = user.is_manager or user.sees_everything
    pending = (
        _count_of(Approval.objects.filter(approver=OuterRef("pk"), state=Approval.State.PENDING), by="approver")
        if decides
        else Value(0)
    )
    row = User.objects.filter(pk=user.pk).annotate(unread=unread, pending=pending).values_list("unread", "pending")
    return row.first() or (0, 0)


# What a password login still needs before the pages open (crm.middleware.SecondFactorMiddleware).
SECOND_FACTOR_VERIFY = "verify"  # the user has turned two-step verification on: enter a code
SECOND_FACTOR_ENROL = "enrol"  # the user's role must use it and they have no device yet: set it up
SECOND_FACTOR_NONE = ""


def second_factor_due(*, user: User) -> str:
    """Which second-factor step this user owes after a password login (one of the constants above)."""
    if user_has_device(user, confirmed=True):
        return SECOND_FACTOR_VERIFY
    if user.role in settings.CRM_MFA_REQUIRED_ROLES:
        return SECOND_FACTOR_ENROL
    return SECOND_FACTOR_NONE


def totp_device_of(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def api_tokens_of(*, user: User) -> QuerySet[AuthToken]:
    """The user's API tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


class NotLinked(ApplicationError):
    default_message = _(
        "This account is not linked to a user of this CRM. Ask your administrator to link it, "
        "or sign in with your password."
    )


class UserInactive(ApplicationError):
    default_message = _("This user is deactivated. Ask your administrator.")


def user_for_sign_in(*, provider: str, identity: str) -> User:
    """The user the admin linked to this provider identity (crm.sso): NotLinked when nobody is (no user is ever
    created from it), UserInactive when that user is deactivated."""
    field = PROVIDERS[provider].user_field
    user = User.objects.filter(**{field: identity}).first() if identity else None
    if user is None:
        logger.warning("sign-in with %s refused: identity %r is linked to nobody", provider, identity)
        raise NotLinked
    if not user.is_active:
        raise UserInactive
    return user


def sign_in_links(*, query: str = "") -> QuerySet[User]:
    """Everyone, with their sign-in identities, for the admin's links page (by username or name)."""
    users = User.objects.only(
        "username", "first_name", "last_name", "role", "is_active", "wecom_userid", "dingtalk_unionid"
    ).order_by("username")
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(wecom_userid=query)
            | Q(dingtalk_unionid=query)
        )
    return users

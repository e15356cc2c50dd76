"""Writes of the organisation app: notifications, two-step verification."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.errors import ApplicationError
from crm.models import Notification, User

BACKUP_CODE_COUNT = 10


class WrongCode(ApplicationError):
    default_message = _("That code is not right. Enter the current code from your app, or one of your backup codes.")


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


# --- two-step verification (django-otp) ----------------------------------------------------------


def _is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


@transaction.atomic
def turn_on_two_step_verification(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Give ``user`` a TOTP device with the secret ``key`` (hex, shown to them as a QR code), once ``code``
    proves their authenticator app holds it; any earlier devices of theirs are replaced.

    Returns the device and BACKUP_CODE_COUNT one-time backup codes, to be shown once. Raises WrongCode
    and stores nothing when the code does not match (one 30-second step of clock drift is allowed).
    """
    code = code.strip().replace(" ", "")
    totp = TOTP(bytes.fromhex(key))
    if not (_is_totp_code(code) and totp.verify(int(code), tolerance=1)):
        raise WrongCode
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    # last_t: the code just used cannot be used again to sign in.
    device = TOTPDevice.objects.create(
        user=user, name="authenticator", key=key, confirmed=True, last_t=totp.t(), drift=totp.drift
    )
    backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=token) for token in codes)
    return device, codes


def verify_second_factor(*, user: User, code: str) -> Device:
    """The device that accepts ``code``: a six-digit code is checked against the authenticator app's
    device, anything else against the backup codes (each works once). django-otp refuses a TOTP code
    already used and slows repeated failures down (its throttling). Raises WrongCode."""
    code = code.strip().replace(" ", "").lower()
    model = TOTPDevice if _is_totp_code(code) else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    verified = device is not None and verify_token(user, device.persistent_id, code)
    if not verified:
        raise WrongCode
    return verified

"""Writes of the organisation app: two-step verification, API tokens, sign-outs and the teams' day-to-day
settings; notifications are crm.notifications.services, re-exported here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from crm.errors import ApplicationError
from crm.history import record_change_by
from crm.models import Team, User

# The notification service lives in crm.notifications; every part reaches it through this door.
from crm.notifications.services import Message, Note, mark_notifications_read, notify, notify_many

__all__ = ["Message", "Note", "mark_notifications_read", "notify", "notify_many"]

BACKUP_CODE_COUNT = 10


class WrongCode(ApplicationError):
    default_message = _("That code is not right. Enter the current code from your app, or one of your backup codes.")


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


# --- API tokens and signing out (django-rest-knox) -------------------------------------------------


@transaction.atomic
def issue_api_token(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for ``user`` (one per device or client), valid for REST_KNOX["TOKEN_TTL"]; the user's
    expired tokens are forgotten on the way. Returns the stored row and the token itself, which exists only
    here: the database keeps its SHA-512 digest. The caller has checked the password and the second factor."""
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return AuthToken.objects.create(user=user)


def revoke_api_token(*, token: AuthToken) -> None:
    """End one API token at once (its owner on the profile page; the admin in the admin site)."""
    token.delete()


def revoke_api_tokens(*, user: User) -> int:
    """End every API token of ``user``. Returns how many there were. After a password change (the page's
    and the admin's), deactivation and "sign out everywhere"."""
    deleted, _by_model = AuthToken.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def sign_out_everywhere(*, user: User) -> int:
    """End every session of ``user``, on every device (the caller's too, on its next request), and every API
    token. Returns how many tokens were revoked.

    Sessions carry a hash that includes the user's sign-out generation (User.get_session_auth_hash); raising
    it makes every existing session fail Django's check, as a new password does, whatever the session store.
    """
    User.objects.filter(pk=user.pk).update(sign_out_generation=F("sign_out_generation") + 1)
    user.refresh_from_db(fields=["sign_out_generation"])
    return revoke_api_tokens(user=user)


# --- a team's day-to-day settings ---------------------------------------------------------------------------

TEAM_SETTINGS = (
    "form_submission",
    "daily_visit_quota",
    "quota_counts_phone_calls",
    "quota_counts_office_visits",
    "check_in_radius_m",
    "repeat_visit_window_minutes",
    "discount_limit_percent",
)


@transaction.atomic
def update_team_settings(*, team_id: int, changed_by: User, **changes: object) -> Team:
    """Change some of a team's settings (``TEAM_SETTINGS``: how forms are submitted, the daily visit quota and
    what counts toward it, the check-in radius, the repeat-visit window). Checked by the fields' own rules;
    refused whole (``ValidationError`` naming the field) or saved and recorded with who in the team's history.
    """
    unknown = sorted(set(changes) - set(TEAM_SETTINGS))
    if unknown:
        raise TypeError(f"not a team setting: {', '.join(unknown)}")
    team = Team.objects.select_for_update().get(pk=team_id)
    for name, value in changes.items():
        setattr(team, name, value)
    team.full_clean(exclude=["name", "manager"])
    record_change_by(team, changed_by)
    team.save(update_fields=[*changes, "updated_at"])
    return team


@transaction.atomic
def link_sign_in_identities(*, user_id: int, changed_by: User, wecom_userid: str, dingtalk_unionid: str) -> User:
    """The admin links a person to their WeCom userid and DingTalk unionId (empty: unlinked), for signing in
    with them (crm.sso). An identity already linked to someone else is refused, naming who has it."""
    user = User.objects.select_for_update().get(pk=user_id)
    values = {"wecom_userid": wecom_userid.strip(), "dingtalk_unionid": dingtalk_unionid.strip()}
    errors = {}
    for field, value in values.items():
        holder = User.objects.filter(**{field: value}).exclude(pk=user.pk).first() if value else None
        if holder is not None:
            errors[field] = _("This identity is already linked to %(name)s (%(username)s).") % {
                "name": holder,
                "username": holder.username,
            }
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(user, field, value)
    user.clean_fields(exclude=[field.name for field in User._meta.fields if field.name not in values])
    user.save(update_fields=list(values))
    return user

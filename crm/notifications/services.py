"""Writes of notifications: the one door every part of the CRM tells people things through.

``notify``/``notify_many`` write the in-app notification in the recipient's language and, for each channel
the recipient chose for that kind (and that can reach them), a ``Delivery`` row and an outbox task; the
worker sends it (``deliver``), so a slow or failing provider never slows or fails the request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crm.errors import NotFound
from crm.history import record_change_by
from crm.models import Delivery, Notification, Team, User
from crm.notifications.channels import (
    DEDUPLICATED_BY_PROVIDER,
    SENDERS,
    CannotSend,
    channels_open_to,
    enabled_channels,
)
from crm.notifications.kinds import CHANNELS, KINDS_BY_CODE, chosen_channels
from crm.outbox import enqueue, enqueue_many

logger = logging.getLogger(__name__)

Status = Delivery.Status
DELIVER_TASK = "crm.tasks.deliver_notification_task"
# What a send interrupted by a dead worker leaves for the admin (a channel without the provider's duplicate check).
# Longer than the last retry's wait (30 s x 2^3 = 4 min by default) and the sending timeout: nothing legitimately
# waits this long untouched.
STALLED_AFTER = timedelta(minutes=30)
INTERRUPTED = "The worker stopped while sending: the message may have arrived. Retry only if it did not."


@dataclass(frozen=True)
class Message:
    """A notification's text, translated when it is written, in the recipient's language: the message
    (marked with gettext_noop, or lazy) with its %-values; ``plural`` and ``count`` for ngettext."""

    text: str | Promise
    params: Mapping[str, object] = field(default_factory=dict)
    plural: str = ""
    count: int | None = None

    def render(self) -> str:
        if self.plural and self.count is not None:
            template = ngettext(str(self.text), self.plural, self.count)
        else:
            template = gettext(str(self.text))
        values = {name: str(value) if isinstance(value, Promise) else value for name, value in self.params.items()}
        return template % values if values else template


@dataclass(frozen=True)
class Note:
    """One notification to write: to whom, what kind, what it says and where it leads."""

    recipient_id: int
    kind: str
    text: str | Message
    link: str = ""


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def render_for(user: User, text: str | Message) -> str:
    """``text`` as ``user`` reads it: a Message in their language, a plain string as it is."""
    if not isinstance(text, Message):
        return str(text)
    with translation.override(language_of(user)):
        return text.render()


def notify(*, recipient: User, kind: str, text: str | Message, link: str = "") -> Notification:
    """Tell one person something: in the app, and by the channels they chose for ``kind``."""
    [notification] = notify_many(notes=[Note(recipient_id=recipient.pk, kind=kind, text=text, link=link)])
    return notification


@transaction.atomic(savepoint=False)  # all or nothing with the caller's change; no savepoint round trips
def notify_many(*, notes: Iterable[Note]) -> list[Notification]:
    """Write many notifications (set-based jobs: a few statements whatever the number), each in its
    recipient's language, with their deliveries and the tasks that send them after commit. Notes to
    someone who no longer exists are dropped. Returns the notifications written."""
    notes = list(notes)
    if not notes:
        return []
    people = User.objects.select_related("team").in_bulk({note.recipient_id for note in notes})
    notifications = [
        Notification(
            recipient=people[note.recipient_id],
            kind=note.kind,
            text=render_for(people[note.recipient_id], note.text)[:500],
            link=note.link,
        )
        for note in notes
        if note.recipient_id in people
    ]
    notifications = Notification.objects.bulk_create(notifications, batch_size=1000)
    open_to: dict[int, dict[str, bool]] = {}
    deliveries = []
    for notification in notifications:
        person = notification.recipient
        if person.pk not in open_to:
            open_to[person.pk] = channels_open_to(person) if person.is_active else {}
        for channel in chosen_channels(person.notification_channels, notification.kind):
            if open_to[person.pk].get(channel):
                deliveries.append(Delivery(notification=notification, channel=channel))
    deliveries = Delivery.objects.bulk_create(deliveries, batch_size=1000)
    enqueue_many(DELIVER_TASK, [{"delivery_id": delivery.pk} for delivery in deliveries])
    return notifications


def _retry_after(attempts: int) -> int:
    return settings.CRM["NOTIFY_RETRY_BASE_SECONDS"] * 2 ** max(0, attempts - 1)


def deliver(*, delivery_id: int) -> int | None:
    """Send one delivery at most once; returns in how many seconds to run again, or None when done.

    Claim: one UPDATE ... WHERE status='pending' (committed before the provider is called) makes it this
    run's; a task delivered twice finds nothing to claim. Sent: marked in one UPDATE right after the
    provider accepts. A provider's refusal or silence: back to pending with the error, again after
    RETRY_BASE x 2^(attempt-1) s, failed after MAX_ATTEMPTS. A row still "sending" after
    NOTIFY_SENDING_TIMEOUT_SECONDS was left by a worker that died: sent again where the provider drops
    duplicates (WeCom application messages), otherwise marked failed saying it may have arrived.
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return _resolve_unclaimed(delivery_id=delivery_id, now=now)
    delivery = Delivery.objects.select_related("notification__recipient__team").get(pk=delivery_id)
    mine = Delivery.objects.filter(pk=delivery_id, status=Status.SENDING, claimed_at=now)
    try:
        if delivery.channel not in enabled_channels():
            raise CannotSend("this channel is turned off")
        SENDERS[delivery.channel](delivery.notification)
    except CannotSend as error:
        mine.update(status=Status.FAILED, last_error=str(error)[:300])
        return None
    except Exception as error:  # a provider's error, a timeout, or a bug: all retried, then failed
        logger.warning("Delivery %s by %s not sent: %s", delivery_id, delivery.channel, error)
        if delivery.attempts >= settings.CRM["NOTIFY_MAX_ATTEMPTS"]:
            mine.update(status=Status.FAILED, last_error=str(error)[:300])
            return None
        mine.update(status=Status.PENDING, last_error=str(error)[:300])
        return _retry_after(delivery.attempts)
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    return None


def _resolve_unclaimed(*, delivery_id: int, now: datetime) -> int | None:
    row = Delivery.objects.filter(pk=delivery_id).values("status", "claimed_at", "channel").first()
    if row is None or row["status"] != Status.SENDING or row["claimed_at"] is None:
        return None  # sent, failed, or gone: nothing to do
    stale_after = settings.CRM["NOTIFY_SENDING_TIMEOUT_SECONDS"]
    waited = (now - row["claimed_at"]).total_seconds()
    if waited < stale_after:
        return int(stale_after - waited) + 1  # another run is sending it now: look again when it must be over
    stale = Delivery.objects.filter(pk=delivery_id, status=Status.SENDING, claimed_at=row["claimed_at"])
    if row["channel"] in DEDUPLICATED_BY_PROVIDER:
        if stale.update(status=Status.PENDING):
            return deliver(delivery_id=delivery_id)
        return None
    stale.update(status=Status.FAILED, last_error=INTERRUPTED)
    return None


def resend_stalled_deliveries(*, now: datetime | None = None) -> int:
    """Ask again for the deliveries nobody has touched for STALLED_AFTER: pending ones whose retry was never
    published (the broker was down when the task asked to run later), and sending ones left by a dead worker
    whose task was lost too. Safe to run twice and beside the tasks themselves: ``deliver`` claims before it
    sends and settles a stale "sending" row itself. Returns how many were asked for."""
    now = now or timezone.now()
    horizon = now - STALLED_AFTER
    stalled = list(
        Delivery.objects.filter(status__in=(Status.PENDING, Status.SENDING), created_at__lt=horizon)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=horizon))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    with transaction.atomic():
        enqueue_many(DELIVER_TASK, [{"delivery_id": pk} for pk in stalled])
    return len(stalled)


def email_queued_before_deliveries(*, notification_id: int) -> int | None:
    """An e-mail task queued before deliveries existed (still in the outbox or the broker at the upgrade): sent
    through an e-mail delivery of its own, once whatever the number of runs."""
    if not Notification.objects.filter(pk=notification_id).exists():
        return None
    delivery, _created = Delivery.objects.get_or_create(notification_id=notification_id, channel=Delivery.Channel.EMAIL)
    return deliver(delivery_id=delivery.pk)


@transaction.atomic
def retry_delivery(*, delivery_id: int) -> Delivery:
    """The admin sends a failed delivery again (attempts start over). Not failed (any more): NotFound."""
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id, status=Status.FAILED).first()
    if delivery is None:
        raise NotFound(_("This delivery is not failed (any more)."))
    delivery.status = Status.PENDING
    delivery.attempts = 0
    delivery.claimed_at = None
    delivery.save(update_fields=["status", "attempts", "claimed_at"])
    enqueue(DELIVER_TASK, delivery_id=delivery.pk)
    return delivery


@transaction.atomic
def mark_notifications_read(*, recipient: User, ids: Iterable[int] | None = None) -> int:
    """Mark the recipient's unread notifications (all, or those ids) as read. Returns how many."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(id__in=list(ids))
    return unread.update(read_at=timezone.now())


def set_notification_channels(*, user: User, channels: Mapping[str, Iterable[str]]) -> User:
    """Save which channels each kind reaches ``user`` by (kinds not given keep their choice).
    An unknown kind or channel: ValidationError, nothing saved."""
    chosen = dict(user.notification_channels or {})
    for kind, wanted in channels.items():
        if kind not in KINDS_BY_CODE:
            raise ValidationError({"channels": _("Unknown kind of notification: %(kind)s") % {"kind": kind}})
        wanted = list(wanted)
        unknown = [channel for channel in wanted if channel not in CHANNELS]
        if unknown:
            raise ValidationError(
                {"channels": _("Unknown channel: %(channel)s") % {"channel": ", ".join(map(str, unknown))}}
            )
        chosen[kind] = [channel for channel in CHANNELS if channel in wanted]
    User.objects.filter(pk=user.pk).update(notification_channels=chosen)
    user.notification_channels = chosen
    return user


TEAM_ROBOT_FIELDS = ("wecom_robot_url", "dingtalk_robot_url", "dingtalk_robot_secret")


@transaction.atomic
def update_team_robots(*, team_id: int, changed_by: User, **changes: str) -> Team:
    """Set a team's group-robot webhooks (WeCom, DingTalk and its signing secret); checked by the fields'
    own rules, refused whole (ValidationError) or saved with who in the team's history."""
    unknown = sorted(set(changes) - set(TEAM_ROBOT_FIELDS))
    if unknown:
        raise TypeError(f"not a robot setting: {', '.join(unknown)}")
    team = Team.objects.select_for_update().get(pk=team_id)
    for name, value in changes.items():
        setattr(team, name, (value or "").strip())
    team.full_clean(exclude=["name", "manager"])
    if team.dingtalk_robot_secret and not team.dingtalk_robot_url:
        raise ValidationError({"dingtalk_robot_secret": _("Give the DingTalk webhook too, or leave the secret empty.")})
    record_change_by(team, changed_by)
    team.save(update_fields=[*changes, "updated_at"])
    return team

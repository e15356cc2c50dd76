"""The approvals engine: one request, one approver, one decision, whatever the kind.

Apps register their kinds (``register_approval_kind``) from ``AppConfig.ready()``; this module knows
none of them. Every door (pages, API, jobs) asks, decides and withdraws through the functions here.

Deciding locks the row (``select_for_update``): two decisions at once queue up, the first stands and
the second is told who decided and when. Someone who may not decide an approval is answered as if
it did not exist (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.errors import ApplicationError, Conflict, NotFound
from crm.locks import lock_job
from crm.models import Approval, User
from crm.services import Message, notify

State = Approval.State

# A pending approval reminds its approver once after each of these (counted from the request).
REMINDER_AFTER: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=72))


class AlreadyDecided(Conflict):
    default_message = _("This request has already been decided.")


class NobodyToApprove(ApplicationError):
    default_message = _("Nobody can approve this request: there is no active administrator. Ask the administrator.")


@dataclass(frozen=True)
class ApprovalKind:
    """What one kind of approval does. ``on_approved`` runs inside the deciding transaction, so a
    decision and its effect stand or fall together; raising refuses the decision."""

    name: str
    label: Promise
    on_approved: Callable[[Approval], None]
    on_rejected: Callable[[Approval], None] | None = None
    on_withdrawn: Callable[[Approval], None] | None = None
    # Who decides a request of this person (None: the team structure, ``default_approver``).
    choose_approver: Callable[[User], User | None] | None = None


_KINDS: dict[str, ApprovalKind] = {}


def register_approval_kind(kind: ApprovalKind) -> None:
    """Called from an app's ``ready()``; registering the same name again replaces it."""
    _KINDS[kind.name] = kind


def approval_kind(name: str) -> ApprovalKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ApplicationError(_("Unknown kind of request.")) from None


def kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return str(kind.label) if kind else name


def default_approver(requester: User) -> User | None:
    """The requester's team manager; an administrator for a manager's (or a team-less person's) own
    request. Never the requester."""
    team = requester.team
    if (
        not requester.is_manager
        and not requester.sees_everything
        and team is not None
        and team.manager_id
        and team.manager_id != requester.pk
        and team.manager.is_active
    ):
        return team.manager
    return (
        User.objects.filter(is_active=True, role=User.Role.ADMIN).exclude(pk=requester.pk).order_by("pk").first()
        or User.objects.filter(is_active=True, is_superuser=True).exclude(pk=requester.pk).order_by("pk").first()
    )


def may_decide(*, approval: Approval, user: User) -> bool:
    return approval.approver_id == user.pk or user.sees_everything


@transaction.atomic
def request_approval(
    *, kind: str, requester: User, summary: str, payload: dict | None = None, comment: str = ""
) -> Approval:
    """Ask for an approval; the approver is told (in-app). The kind's own service validates the
    payload before calling this."""
    registered = approval_kind(kind)
    approver = (registered.choose_approver or default_approver)(requester)
    if approver is None or approver.pk == requester.pk:
        raise NobodyToApprove
    approval = Approval.objects.create(
        kind=kind,
        requester=requester,
        approver=approver,
        summary=summary[:300],
        payload=payload or {},
        comment=comment.strip()[:500],
    )
    notify(
        recipient=approver,
        kind="approval_waiting",
        text=Message(
            gettext_noop("%(name)s asks for your approval: %(summary)s"),
            {"name": requester, "summary": approval.summary},
        ),
        link=reverse("approvals:detail", args=[approval.pk]),
    )
    return approval


def _locked(*, approval_id: int, user: User, deciding: bool) -> Approval:
    approval = Approval.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None:
        raise NotFound
    allowed = may_decide(approval=approval, user=user) if deciding else approval.requester_id == user.pk
    if not allowed:
        raise NotFound
    return approval


def _already_decided(approval: Approval) -> AlreadyDecided:
    when = timezone.localtime(approval.decided_at).strftime("%Y-%m-%d %H:%M") if approval.decided_at else ""
    who = str(approval.decided_by) if approval.decided_by_id else ""
    messages = {
        State.APPROVED: _("Already approved by %(name)s at %(time)s."),
        State.REJECTED: _("Already rejected by %(name)s at %(time)s."),
        State.WITHDRAWN: _("Already withdrawn by %(name)s at %(time)s."),
    }
    return AlreadyDecided(messages[State(approval.state)] % {"name": who, "time": when})


@transaction.atomic
def decide_approval(*, approval_id: int, user: User, approve: bool, comment: str = "") -> Approval:
    """Approve or reject a pending approval. Its approver (or an administrator) only: anyone else gets
    NotFound. Already decided or withdrawn: AlreadyDecided, saying by whom and when, nothing changed.
    Approving applies the kind's effect in the same transaction."""
    approval = _locked(approval_id=approval_id, user=user, deciding=True)
    if approval.state != State.PENDING:
        raise _already_decided(approval)
    approval.state = State.APPROVED if approve else State.REJECTED
    approval.decided_by = user
    approval.decided_at = timezone.now()
    approval.decision_comment = comment.strip()[:500]
    approval.save(update_fields=["state", "decided_by", "decided_at", "decision_comment", "updated_at"])
    kind = approval_kind(approval.kind)
    if approve:
        kind.on_approved(approval)
        message = gettext_noop("%(name)s approved: %(summary)s")
    else:
        if kind.on_rejected is not None:
            kind.on_rejected(approval)
        message = gettext_noop("%(name)s rejected: %(summary)s")
    values = {"name": user, "summary": approval.summary}
    if approval.decision_comment:
        # The approver's comment in brackets after the summary, as they wrote it.
        values["summary"] = f"{approval.summary} ({approval.decision_comment})"
    notify(
        recipient=approval.requester,
        kind="approval_decided",
        text=Message(message, values),
        link=reverse("approvals:detail", args=[approval.pk]),
    )
    return approval


@transaction.atomic
def withdraw_approval(*, approval_id: int, user: User) -> Approval:
    """The requester takes back a pending request (anyone else: NotFound)."""
    approval = _locked(approval_id=approval_id, user=user, deciding=False)
    if approval.state != State.PENDING:
        raise _already_decided(approval)
    approval.state = State.WITHDRAWN
    approval.decided_by = user
    approval.decided_at = timezone.now()
    approval.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    kind = approval_kind(approval.kind)
    if kind.on_withdrawn is not None:
        kind.on_withdrawn(approval)
    return approval


@transaction.atomic
def remind_pending_approvals(*, now: datetime | None = None) -> int:
    """Remind each approver of what has waited past a threshold of REMINDER_AFTER: once per approval
    per threshold (an approval past two thresholds unreminded gets one reminder). Idempotent: the
    count of reminders sent is raised in the same statement that picks the rows. Returns how many."""
    now = now or timezone.now()
    lock_job(name="remind_pending_approvals", period="all")
    sent = 0
    for level in range(len(REMINDER_AFTER), 0, -1):
        due = list(
            Approval.objects.select_for_update(of=("self",))
            .filter(state=State.PENDING, reminders_sent__lt=level, created_at__lte=now - REMINDER_AFTER[level - 1])
            .select_related("approver", "requester")
            .order_by("pk")
        )
        Approval.objects.filter(pk__in=[approval.pk for approval in due]).update(reminders_sent=level)
        for approval in due:
            notify(
                recipient=approval.approver,
                kind="approval_reminder",
                text=Message(
                    gettext_noop("Still waiting for your decision since %(day)s: %(summary)s"),
                    {"day": timezone.localtime(approval.created_at).strftime("%m-%d"), "summary": approval.summary},
                ),
                link=reverse("approvals:detail", args=[approval.pk]),
            )
        sent += len(due)
    return sent

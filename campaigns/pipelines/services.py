"""Every write to the recruitment and tender pipelines: create, move a stage (one door, with history), and
the tenders' deadline reminders (the scheduled job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from campaigns.pipelines.models import (
    TENDER_CHANNEL,
    Candidate,
    CandidateStage,
    CandidateStageChange,
    Tender,
    TenderReminder,
    TenderStage,
    TenderStageChange,
)
from crm.dates import local_today
from crm.errors import ApplicationError
from crm.models import User
from crm.phones import normalise_phone
from crm.services import notify
from territories.models import Territory
from territories.selectors import current_owner
from territories.services import WorkPreview

# Each stage and where it may go next: one step forward, or out (dropped / lost, with a reason).
CANDIDATE_MOVES: dict[str, tuple[str, ...]] = {
    CandidateStage.CONTACTED: (CandidateStage.INTERVIEWED, CandidateStage.DROPPED),
    CandidateStage.INTERVIEWED: (CandidateStage.SIGNED, CandidateStage.DROPPED),
    CandidateStage.SIGNED: (CandidateStage.LICENSED, CandidateStage.DROPPED),
    CandidateStage.LICENSED: (CandidateStage.FIRST_POLICY, CandidateStage.DROPPED),
    CandidateStage.FIRST_POLICY: (),
    CandidateStage.DROPPED: (),
}
CANDIDATE_DATES: dict[str, str] = {
    CandidateStage.INTERVIEWED: "interviewed_on",
    CandidateStage.SIGNED: "signed_on",
    CandidateStage.LICENSED: "licensed_on",
    CandidateStage.FIRST_POLICY: "first_policy_on",
    CandidateStage.DROPPED: "dropped_on",
}
TENDER_MOVES: dict[str, tuple[str, ...]] = {
    TenderStage.ANNOUNCED: (TenderStage.DOCUMENTS_BOUGHT, TenderStage.LOST),
    TenderStage.DOCUMENTS_BOUGHT: (TenderStage.SUBMITTED, TenderStage.LOST),
    TenderStage.SUBMITTED: (TenderStage.OPENED, TenderStage.LOST),
    TenderStage.OPENED: (TenderStage.WON, TenderStage.LOST),
    TenderStage.WON: (),
    TenderStage.LOST: (),
}
TENDER_DATES: dict[str, str] = {
    TenderStage.DOCUMENTS_BOUGHT: "documents_bought_on",
    TenderStage.SUBMITTED: "submitted_on",
    TenderStage.OPENED: "opened_on",
    TenderStage.WON: "decided_on",
    TenderStage.LOST: "decided_on",
}
# A reminder goes this many days before a deadline (or on the first run inside that window).
REMINDER_DAYS = 3
# Each deadline: the date field, and the stages in which it is still ahead of the tender (then it matters).
DEADLINES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (TenderReminder.Deadline.DOCUMENTS, "documents_deadline", (TenderStage.ANNOUNCED,)),
    (TenderReminder.Deadline.SUBMISSION, "submission_deadline", (TenderStage.ANNOUNCED, TenderStage.DOCUMENTS_BOUGHT)),
    (TenderReminder.Deadline.OPENING, "opening_on", (TenderStage.SUBMITTED,)),
)


class StageRefused(ApplicationError):
    default_message = gettext_lazy("This stage change is not allowed.")


class TerritoryUnowned(ApplicationError):
    default_message = gettext_lazy("Nobody owns this territory now: assign the territory first, or choose another.")


def _owner_of(*, territory: Territory, created_by: User, tenders: bool) -> User:
    """The channel's person: whoever owns ``territory`` now. The territory must be a channel territory (of the
    government-tenders channel for a tender) that ``created_by`` sees."""
    if not territory.is_active or territory.channel_type is None:
        raise ValidationError({"territory": _("Choose an active channel territory.")})
    if tenders and territory.channel_type.code != TENDER_CHANNEL:
        raise ValidationError({"territory": _("Choose a territory of the government-tenders channel.")})
    if not Territory.objects.visible_to(created_by).filter(pk=territory.pk).exists():
        raise ValidationError({"territory": _("Choose a territory you work in.")})
    owner = current_owner(territory=territory)
    if owner is None:
        raise TerritoryUnowned
    return owner


def _refuse_move(*, stage_label: object, to_label: object) -> StageRefused:
    return StageRefused(
        _("A record at “%(stage)s” cannot move to “%(to)s”: stages go one step at a time.")
        % {"stage": stage_label, "to": to_label}
    )


@transaction.atomic
def create_candidate(
    *, created_by: User, name: str, phone: str, territory: Territory, note: str = "", at: datetime | None = None
) -> Candidate:
    """A candidate contacted: owned by the territory's owner now, source channel the territory's channel. The
    phone is stored normalised (E.164); an invalid one is refused."""
    at = at or timezone.now()
    normalised = normalise_phone(phone)
    if not normalised:
        raise ValidationError({"phone": _("Enter a valid phone number.")})
    if not name.strip():
        raise ValidationError({"name": _("Enter the candidate's name.")})
    owner = _owner_of(territory=territory, created_by=created_by, tenders=False)
    candidate = Candidate(
        name=name.strip(),
        phone=normalised,
        territory=territory,
        source_channel=territory.channel_type,
        owner=owner,
        stage=CandidateStage.CONTACTED,
        stage_changed_at=at,
        contacted_on=timezone.localdate(at),
        note=note,
        created_by=created_by,
    )
    candidate.full_clean()
    candidate.save()
    CandidateStageChange.objects.create(
        candidate=candidate, from_stage="", to_stage=candidate.stage, changed_by=created_by, changed_at=at
    )
    return candidate


def _take_step(record, *, to_stage: str, stages, moves, dates, out: tuple, reason: str, at: datetime) -> str:
    """The stage rule both pipelines share, on a row the caller has locked: a stage from the list, one allowed
    step, the way out (dropped / lost) only with a reason; sets the stage, its date and when, saves, and gives
    back the stage it left (for the history row the caller writes)."""
    if to_stage not in stages.values:
        raise StageRefused(_("Choose a stage from the list."))
    if to_stage not in moves[record.stage]:
        raise _refuse_move(stage_label=record.get_stage_display(), to_label=stages(to_stage).label)
    out_stage, reason_field, reason_missing = out
    if to_stage == out_stage:
        if not reason:
            raise ValidationError({"reason": reason_missing})
        setattr(record, reason_field, reason[:300])
    previous = record.stage
    record.stage = to_stage
    record.stage_changed_at = at
    setattr(record, dates[to_stage], timezone.localdate(at))
    record.save()
    return previous


@transaction.atomic
def move_candidate(
    *, candidate_id: int, to_stage: str, changed_by: User, reason: str = "", at: datetime | None = None
) -> Candidate:
    """The one door for a candidate's stage: one step forward, or dropped (with a reason). The row is locked,
    so two people moving it at once are taken one after the other (the second is refused if it no longer fits).
    The caller has already checked that ``changed_by`` sees the candidate."""
    at = at or timezone.now()
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    reason = reason.strip()
    previous = _take_step(
        candidate,
        to_stage=to_stage,
        stages=CandidateStage,
        moves=CANDIDATE_MOVES,
        dates=CANDIDATE_DATES,
        out=(CandidateStage.DROPPED, "drop_reason", _("Say why the candidate dropped out.")),
        reason=reason,
        at=at,
    )
    CandidateStageChange.objects.create(
        candidate=candidate,
        from_stage=previous,
        to_stage=to_stage,
        reason=reason[:300],
        changed_by=changed_by,
        changed_at=at,
    )
    return candidate


def _check_tender_dates(values: dict[str, Any]) -> None:
    announced = values["announced_on"]
    errors: dict[str, str] = {}
    for field in ("documents_deadline", "submission_deadline", "opening_on"):
        if values.get(field) is not None and values[field] < announced:
            errors[field] = _("This date is before the announcement.")
    documents, submission, opening = (
        values.get("documents_deadline"),
        values["submission_deadline"],
        values.get("opening_on"),
    )
    if documents is not None and documents > submission and "documents_deadline" not in errors:
        errors["documents_deadline"] = _("Documents are bought before the submission deadline.")
    if opening is not None and opening < submission and "opening_on" not in errors:
        errors["opening_on"] = _("Bids are opened on or after the submission deadline.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_tender(
    *,
    created_by: User,
    title: str,
    buyer: str,
    territory: Territory,
    amount_estimate: Decimal,
    announced_on: date,
    submission_deadline: date,
    documents_deadline: date | None = None,
    opening_on: date | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Tender:
    """A tender announced, owned by the owner of its government-tenders territory. The dates must be in order
    (announced ≤ documents ≤ submission ≤ opening); the amount is a non-negative Decimal."""
    at = at or timezone.now()
    if not isinstance(amount_estimate, Decimal) or not amount_estimate.is_finite() or amount_estimate < 0:
        raise ValidationError({"amount_estimate": _("Enter an amount of 0 or more.")})
    values = {
        "announced_on": announced_on,
        "documents_deadline": documents_deadline,
        "submission_deadline": submission_deadline,
        "opening_on": opening_on,
    }
    _check_tender_dates(values)
    owner = _owner_of(territory=territory, created_by=created_by, tenders=True)
    tender = Tender(
        title=title.strip(),
        buyer=buyer.strip(),
        territory=territory,
        owner=owner,
        amount_estimate=amount_estimate,
        stage=TenderStage.ANNOUNCED,
        stage_changed_at=at,
        note=note,
        created_by=created_by,
        **values,
    )
    tender.full_clean()
    tender.save()
    TenderStageChange.objects.create(
        tender=tender, from_stage="", to_stage=tender.stage, changed_by=created_by, changed_at=at
    )
    return tender


@transaction.atomic
def move_tender(
    *, tender_id: int, to_stage: str, changed_by: User, reason: str = "", at: datetime | None = None
) -> Tender:
    """The one door for a tender's stage: one step forward; won only once opened; lost from any open stage,
    with a reason. Locked like ``move_candidate``."""
    at = at or timezone.now()
    tender = Tender.objects.select_for_update().get(pk=tender_id)
    reason = reason.strip()
    previous = _take_step(
        tender,
        to_stage=to_stage,
        stages=TenderStage,
        moves=TENDER_MOVES,
        dates=TENDER_DATES,
        out=(TenderStage.LOST, "lost_reason", _("Say why the tender was lost.")),
        reason=reason,
        at=at,
    )
    TenderStageChange.objects.create(
        tender=tender, from_stage=previous, to_stage=to_stage, reason=reason[:300], changed_by=changed_by, changed_at=at
    )
    return tender


@dataclass(frozen=True)
class DueDeadline:
    tender_id: int
    deadline: str
    deadline_on: date


def due_deadlines(*, today: date, days: int = REMINDER_DAYS) -> list[DueDeadline]:
    """The deadlines from ``today`` to ``today + days`` still ahead of their tender (the stage has not passed
    them). One query per kind of deadline."""
    due: list[DueDeadline] = []
    for deadline, field, stages in DEADLINES:
        rows = Tender.objects.filter(
            stage__in=stages, **{f"{field}__gte": today, f"{field}__lte": today + timedelta(days=days)}
        ).values_list("pk", field)
        due.extend(DueDeadline(pk, deadline, on) for pk, on in rows)
    return due


def _reminder_text(*, tender: Tender, deadline: str, on: date, today: date) -> str:
    days = (on - today).days
    values = {
        "title": tender.title,
        "deadline": TenderReminder.Deadline(deadline).label,
        "date": on.isoformat(),
        "days": days,
    }
    if days == 0:
        return _("Tender “%(title)s”: %(deadline)s today, %(date)s.") % values
    return (
        ngettext(
            "Tender “%(title)s”: %(deadline)s on %(date)s, in %(days)d day.",
            "Tender “%(title)s”: %(deadline)s on %(date)s, in %(days)d days.",
            days,
        )
        % values
    )


@transaction.atomic
def send_tender_reminders(*, today: date | None = None, days: int = REMINDER_DAYS) -> int:
    """The daily job: the owner of each tender with a deadline within ``days`` days is notified once per
    deadline (and date). Idempotent: a reminder row is written with the notification in one transaction, and
    the tenders are locked first, so a second run (even at the same moment) finds the row and sends nothing.
    Returns how many notifications were sent."""
    today = today or local_today()
    due = due_deadlines(today=today, days=days)
    if not due:
        return 0
    tenders = {
        tender.pk: tender
        for tender in Tender.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk__in={item.tender_id for item in due})
        .order_by("pk")
    }
    sent_keys = set(
        TenderReminder.objects.filter(tender_id__in=tenders).values_list("tender_id", "deadline", "deadline_on")
    )
    now, sent = timezone.now(), 0
    for item in due:
        tender = tenders.get(item.tender_id)
        if tender is None or (item.tender_id, item.deadline, item.deadline_on) in sent_keys:
            continue
        TenderReminder.objects.create(
            tender=tender, deadline=item.deadline, deadline_on=item.deadline_on, recipient=tender.owner, sent_at=now
        )
        with override(tender.owner.language or settings.LANGUAGE_CODE):
            text = _reminder_text(tender=tender, deadline=item.deadline, on=item.deadline_on, today=today)
        notify(recipient=tender.owner, kind="tender_deadline", text=text, link=tender.get_absolute_url())
        sent_keys.add((item.tender_id, item.deadline, item.deadline_on))
        sent += 1
    return sent


# --- a channel territory changing hands (open-work movers, registered in campaigns.apps) ---------------

# The stages a record can still leave: its work is open and goes with the territory to the new owner. A
# dropped, first-policy, won or lost record stays with whoever worked it.
OPEN_CANDIDATE_STAGES = tuple(stage for stage, moves in CANDIDATE_MOVES.items() if moves)
OPEN_TENDER_STAGES = tuple(stage for stage, moves in TENDER_MOVES.items() if moves)


def _open_candidates(*, territory: Territory, to_user: User):
    return Candidate.objects.filter(territory=territory, stage__in=OPEN_CANDIDATE_STAGES).exclude(owner=to_user)


def _open_tenders(*, territory: Territory, to_user: User):
    return Tender.objects.filter(territory=territory, stage__in=OPEN_TENDER_STAGES).exclude(owner=to_user)


def move_candidates_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover: the territory's open candidates go to its new owner (inside the reassignment's
    transaction; none the second time). The territory's handover records who moved them."""
    return _open_candidates(territory=territory, to_user=to_user).update(owner=to_user, updated_at=at)


def preview_candidates_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    if to_user is None:  # no release hook: they stay with the last owner until the next one takes them
        return WorkPreview(count=0)
    candidates = _open_candidates(territory=territory, to_user=to_user)
    return WorkPreview(
        count=candidates.count(), sample=tuple(candidates.order_by("name", "pk").values_list("name", flat=True)[:limit])
    )


def move_tenders_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover: the territory's open tenders (announced to opened) go to its new owner, with the
    reminders of their deadlines from then on."""
    return _open_tenders(territory=territory, to_user=to_user).update(owner=to_user, updated_at=at)


def preview_tenders_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    if to_user is None:
        return WorkPreview(count=0)
    tenders = _open_tenders(territory=territory, to_user=to_user)
    return WorkPreview(
        count=tenders.count(), sample=tuple(tenders.order_by("title", "pk").values_list("title", flat=True)[:limit])
    )

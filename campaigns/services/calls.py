"""Telemarketing 电话营销: call lists built from a segment or an imported list, split among the callers of the
list's channel, worked number by number on the caller's screen.

Every outcome of a call goes through ``record_call_outcome`` (the page and the API alike). An interested callee
becomes a phone inquiry registered and routed exactly as one taken at the inquiry desk
(``register_phone_inquiry``), so the territory's salesperson finds the customer on their list and route. A
"do not call" goes on the one opt-out list (``record_opt_out``), which every call list and SMS mailing checks
when it is built and again when a number is offered or a message sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Contact
from campaigns.models import (
    CallAttempt,
    CallEntry,
    CallList,
    CallListCaller,
    Campaign,
    OptOut,
    PhoneInquiry,
    Segment,
)
from campaigns.segments import segment_customers_for
from campaigns.selectors import callers_of_channel
from campaigns.services.inquiries import register_phone_inquiry
from campaigns.services.mailings import record_opt_out
from crm.bounds import validate_name
from crm.errors import ApplicationError, Conflict, NotFound
from crm.models import User
from crm.outbox import enqueue
from crm.phones import E164, stored_phone
from territories.models import ChannelType
from territories.services import channel_type_for_business

logger = logging.getLogger(__name__)
Status = CallEntry.Status
Outcome = CallEntry.Outcome
BATCH_SIZE = 1000
# A number another caller may have put on the screen at the same instant is skipped; after this many tries the
# caller is told there is nothing to call rather than kept waiting.
CLAIM_TRIES = 5
# The worker's entry point (campaigns/tasks.py), named rather than imported: tasks call services.
FILL_TASK = "campaigns.tasks.fill_call_list_task"


class NotOnYourScreen(Conflict):
    default_message = _("This number is no longer on your screen (already saved, or given back): take the next one.")


class CallListClosed(ApplicationError):
    default_message = _("This call list is closed.")


@dataclass(frozen=True)
class NumbersAdded:
    """What adding numbers to a list did: added, skipped as already on the list, skipped as opted out."""

    added: int = 0
    duplicates: int = 0
    opted_out: int = 0


def _max_numbers() -> int:
    return settings.CRM["CALL_LIST_MAX_NUMBERS"]


def _check_callers(*, channel_type: ChannelType, callers: Sequence[User]) -> list[User]:
    if not callers:
        raise ValidationError({"callers": _("Choose at least one caller.")})
    eligible = set(callers_of_channel(channel_type=channel_type).values_list("pk", flat=True))
    strangers = [str(caller) for caller in callers if caller.pk not in eligible]
    if strangers:
        raise ValidationError(
            {
                "callers": _("%(names)s own no territory of the channel %(channel)s: only its people call its lists.")
                % {"names": ", ".join(strangers), "channel": channel_type}
            }
        )
    return sorted(set(callers), key=lambda caller: caller.pk)


def _segment_numbers(*, segment: Segment, user: User) -> QuerySet:
    """The segment's customers with a phone, as ``user`` may use them, with a contact name to ask for."""
    first_contact = Contact.objects.filter(customer=OuterRef("pk")).order_by("pk").values("name")[:1]
    return (
        segment_customers_for(user=user, segment=segment)
        .exclude(phone="")
        # The stored E.164 text as it is: read through the field, each of 100,000 phones would be parsed again.
        .annotate(contact_name=Subquery(first_contact), phone_text=Cast("phone", output_field=CharField()))
        .order_by("pk")
    )


@transaction.atomic
def create_call_list(
    *,
    created_by: User,
    name: str,
    channel_type: ChannelType,
    callers: Sequence[User],
    script: str = "",
    campaign: Campaign | None = None,
    segment: Segment | None = None,
    max_attempts: int | None = None,
    retry_after_minutes: int | None = None,
) -> CallList:
    """A call list for ``callers`` (each must own a territory of ``channel_type`` now), empty or filled with
    the numbers of ``segment`` as ``created_by`` may use it. A segment of more than CALL_LIST_MAX_NUMBERS
    numbers is refused with nothing created; a small one is added in this request, a large one by a worker
    (the list says "adding numbers" meanwhile). Numbers are split evenly among the callers."""
    call_list = CallList(
        created_by=created_by,
        name=(name or "").strip(),
        channel_type=channel_type,
        script=(script or "").strip(),
        campaign=campaign,
        segment=segment,
        status=CallList.Status.BUILDING if segment is not None else CallList.Status.ACTIVE,
    )
    if max_attempts is not None:
        call_list.max_attempts = max_attempts
    if retry_after_minutes is not None:
        call_list.retry_after_minutes = retry_after_minutes
    call_list.full_clean()
    chosen = _check_callers(channel_type=channel_type, callers=callers)
    size = _segment_numbers(segment=segment, user=created_by).count() if segment is not None else 0
    if size > _max_numbers():
        raise ValidationError(
            {
                "segment": _("The segment has %(count)s numbers; a call list holds at most %(max)s. Narrow it.")
                % {"count": size, "max": _max_numbers()}
            }
        )
    call_list.save()
    now = timezone.now()
    CallListCaller.objects.bulk_create(
        CallListCaller(call_list=call_list, caller=caller, added_at=now, added_by=created_by) for caller in chosen
    )
    if segment is not None:
        if size <= settings.CRM["CALL_LIST_SYNC_MAX"]:
            fill_call_list_from_segment(call_list_id=call_list.pk)
            call_list.refresh_from_db()
        else:
            enqueue(FILL_TASK, call_list_id=call_list.pk)
    return call_list


def _insert_numbers(
    *,
    call_list: CallList,
    rows: Iterable[Mapping[str, Any]],
    on_batch: Callable[[int], None] | None = None,
) -> NumbersAdded:
    """Add rows (``phone`` in E.164, ``name``, ``unit_name``, ``district``, ``address``, ``business_type``,
    ``customer_id``) after the list's last position, in batches; a phone already on the list, or on the
    opt-out list, is skipped and counted. Runs inside the caller's transaction, which holds the list's lock."""
    # As stored text (E.164): a PhoneNumber parsed for each of up to 100,000 numbers would cost seconds.
    existing = set(
        CallEntry.objects.filter(call_list=call_list)
        .annotate(phone_text=Cast("phone", TextField()))
        .values_list("phone_text", flat=True)
    )
    position = CallEntry.objects.filter(call_list=call_list).aggregate(last=Max("position"))["last"] or 0
    added = duplicates = opted_out = 0
    batch: list[Mapping[str, Any]] = []

    def flush() -> None:
        nonlocal added, opted_out, position
        barred = set(
            OptOut.objects.filter(
                channel__in=OptOut.PHONE_CHANNELS, address__in=[row["phone"] for row in batch]
            ).values_list("address", flat=True)
        )
        entries = []
        for row in batch:
            if row["phone"] in barred:
                opted_out += 1
                continue
            position += 1
            entries.append(
                CallEntry(
                    call_list=call_list,
                    position=position,
                    phone=stored_phone(row["phone"]),
                    name=(row.get("name") or "")[:200],
                    unit_name=(row.get("unit_name") or "")[:200],
                    district=(row.get("district") or "")[:50],
                    address=(row.get("address") or "")[:300],
                    business_type=(row.get("business_type") or "")[:100],
                    customer_id=row.get("customer_id"),
                )
            )
        CallEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
        added += len(entries)
        if on_batch is not None:
            on_batch(added)

    for row in rows:
        phone = row["phone"] if isinstance(row["phone"], E164) else str(row["phone"])
        if phone in existing:
            duplicates += 1
            continue
        existing.add(phone)
        batch.append({**row, "phone": phone})
        if len(batch) >= BATCH_SIZE:
            flush()
            batch = []
    if batch:
        flush()
    return NumbersAdded(added=added, duplicates=duplicates, opted_out=opted_out)


def fill_call_list_from_segment(*, call_list_id: int) -> int:
    """Add the numbers of the list's segment, as its creator may use it, in ONE transaction (all or nothing),
    then split them among the callers. Idempotent: only a list still "adding numbers" is filled. The list
    keeps what was found (``build_summary``: customers, without a phone, opted out, twice on the list, added).
    Returns how many numbers were added."""
    with transaction.atomic():
        call_list = (
            CallList.objects.select_for_update(of=("self",))
            .select_related("segment", "created_by")
            .get(pk=call_list_id)
        )
        if call_list.status != CallList.Status.BUILDING:
            return 0
        segment = call_list.segment
        if segment is None:  # deleted meanwhile
            call_list.status, call_list.message = CallList.Status.ACTIVE, str(_("The segment was deleted."))
            call_list.save(update_fields=["status", "message", "updated_at"])
            return 0
        customers = segment_customers_for(user=call_list.created_by, segment=segment)
        total = customers.count()
        numbers = _segment_numbers(segment=segment, user=call_list.created_by)
        rows = (
            {
                "customer_id": pk,
                "phone": str(phone),
                "name": contact_name or unit_name,
                "unit_name": unit_name,
                "district": district,
                "address": address,
                "business_type": business_type,
            }
            for pk, phone, unit_name, contact_name, district, address, business_type in numbers.values_list(
                "pk", "phone_text", "unit_name", "contact_name", "district", "address", "business_type"
            ).iterator(chunk_size=2000)
        )
        result = _insert_numbers(call_list=call_list, rows=rows)
        with_phone = result.added + result.duplicates + result.opted_out
        call_list.build_summary = {
            "customers": total,
            "no_phone": total - with_phone,
            "opted_out": result.opted_out,
            "duplicates": result.duplicates,
            "added": result.added,
        }
        call_list.status = CallList.Status.ACTIVE
        call_list.save(update_fields=["build_summary", "status", "updated_at"])
        resplit_call_list(call_list=call_list)
    logger.info("Call list %s filled from segment %s: %s numbers", call_list_id, segment.pk, result.added)
    return result.added


def add_numbers_to_call_list(
    *, call_list_id: int, rows: Iterable[Mapping[str, Any]], on_batch: Callable[[int], None] | None = None
) -> NumbersAdded:
    """The commit of an imported list of numbers (``campaigns.services.imports``): checked rows added to the
    list (twice on the list and opted out skipped again), then the unworked numbers split again among the
    callers. The caller (the import's commit) holds the transaction: all or nothing."""
    call_list = CallList.objects.select_for_update().get(pk=call_list_id)
    if call_list.status == CallList.Status.CLOSED:
        raise CallListClosed
    count = CallEntry.objects.filter(call_list=call_list).count()
    result = _insert_numbers(call_list=call_list, rows=rows, on_batch=on_batch)
    if count + result.added > _max_numbers():
        raise ApplicationError(
            _("A call list holds at most %(max)s numbers; this list would hold %(count)s.")
            % {"max": _max_numbers(), "count": count + result.added}
        )
    resplit_call_list(call_list=call_list)
    return result


def _spread(entries: QuerySet[CallEntry], caller_ids: list[int]) -> None:
    """Give ``entries`` to the callers in even, contiguous runs by position (the first ``m % n`` callers one
    more): the same numbers and callers always give the same split. One read, one update per caller."""
    positions = list(entries.order_by("position").values_list("position", flat=True))
    count, callers = len(positions), len(caller_ids)
    start = 0
    for index, caller_id in enumerate(caller_ids):
        size = count // callers + (1 if index < count % callers else 0)
        if size:
            low, high = positions[start], positions[start + size - 1]
            entries.filter(position__gte=low, position__lte=high).update(caller_id=caller_id)
        start += size


def resplit_call_list(*, call_list: CallList) -> None:
    """Split the unworked numbers again among the list's callers now (after numbers were added, or a caller
    added or removed). Numbers never called and on nobody's screen are shared out afresh; a number someone has
    started on (a callback, a retry) stays with its caller, unless that caller left the list: then it goes
    to the others too, and whatever the leaver had on their screen is given back. Without callers, nobody
    holds the open numbers. Runs in the caller's transaction."""
    caller_ids = list(
        CallListCaller.objects.filter(call_list=call_list, removed_at__isnull=True)
        .order_by("caller_id")
        .values_list("caller_id", flat=True)
    )
    entries = CallEntry.objects.filter(call_list=call_list)
    entries.filter(claimed_by__isnull=False).exclude(claimed_by__in=caller_ids).update(claimed_by=None, claimed_at=None)
    open_entries = entries.filter(status__in=CallEntry.OPEN_STATUSES)
    if not caller_ids:
        open_entries.update(caller=None)
        return
    left_behind = open_entries.exclude(status=Status.FRESH).filter(Q(caller__isnull=True) | ~Q(caller__in=caller_ids))
    _spread(left_behind, caller_ids)
    _spread(open_entries.filter(status=Status.FRESH, claimed_by__isnull=True), caller_ids)


@transaction.atomic
def set_call_list_callers(*, call_list: CallList, callers: Sequence[User], changed_by: User) -> CallList:
    """The callers of the list from now on (at least one; each must own a territory of the list's channel
    when added). Those taken off keep their history; the unworked numbers are split again."""
    call_list = CallList.objects.select_for_update(of=("self",)).select_related("channel_type").get(pk=call_list.pk)
    if call_list.status == CallList.Status.CLOSED:
        raise CallListClosed
    if not callers:
        raise ValidationError({"callers": _("Choose at least one caller.")})
    current = dict(
        CallListCaller.objects.filter(call_list=call_list, removed_at__isnull=True).values_list("caller_id", "pk")
    )
    wanted = {caller.pk: caller for caller in callers}
    newcomers = [caller for pk, caller in wanted.items() if pk not in current]
    if newcomers:
        _check_callers(channel_type=call_list.channel_type, callers=newcomers)
    now = timezone.now()
    CallListCaller.objects.filter(pk__in=[row for pk, row in current.items() if pk not in wanted]).update(
        removed_at=now
    )
    CallListCaller.objects.bulk_create(
        CallListCaller(call_list=call_list, caller=caller, added_at=now, added_by=changed_by) for caller in newcomers
    )
    resplit_call_list(call_list=call_list)
    return call_list


@transaction.atomic
def update_call_list(
    *, call_list: CallList, script: str, max_attempts: int, retry_after_minutes: int, name: str | None = None
) -> CallList:
    """Change the script (and the retry rules) of a list; the callers read the new script at the next number."""
    call_list = CallList.objects.select_for_update().get(pk=call_list.pk)
    if name is not None:
        call_list.name = name.strip()
    call_list.script = (script or "").strip()
    call_list.max_attempts = max_attempts
    call_list.retry_after_minutes = retry_after_minutes
    call_list.full_clean()
    call_list.save()
    return call_list


@transaction.atomic
def close_call_list(*, call_list: CallList) -> CallList:
    """No number of a closed list is offered any more (what was done stays; the numbers not done are given
    to nobody). Idempotent."""
    call_list = CallList.objects.select_for_update().get(pk=call_list.pk)
    if call_list.status != CallList.Status.CLOSED:
        call_list.status = CallList.Status.CLOSED
        call_list.closed_at = timezone.now()
        call_list.save(update_fields=["status", "closed_at", "updated_at"])
        # Its open numbers are nobody's now: off every caller's screen and queue.
        CallEntry.objects.filter(call_list=call_list, status__in=CallEntry.OPEN_STATUSES).update(
            caller=None, claimed_by=None, claimed_at=None
        )
    return call_list


# --- the caller's screen -----------------------------------------------------------------------------


def _claim_minutes() -> timedelta:
    return timedelta(minutes=settings.CRM["CALL_CLAIM_MINUTES"])


def _with_screen_details(entries: QuerySet[CallEntry]) -> QuerySet[CallEntry]:
    return entries.select_related("call_list", "customer")


def current_call(*, caller: User, now: datetime | None = None) -> CallEntry | None:
    """The number on ``caller``'s screen, if any (taken less than CALL_CLAIM_MINUTES ago, outcome not saved)."""
    now = now or timezone.now()
    return (
        _with_screen_details(CallEntry.objects.filter(claimed_by=caller, claimed_at__gt=now - _claim_minutes()))
        .order_by("claimed_at", "pk")
        .first()
    )


def _due_tiers(*, caller: User, now: datetime) -> list[QuerySet[CallEntry]]:
    """The caller's numbers that may go on the screen now, in the order they are offered, one queryset per
    tier so that each walks an index (caller, status, next_call_at / position) to its first free row."""
    free = CallEntry.objects.filter(caller=caller, claimed_by__isnull=True, call_list__status=CallList.Status.ACTIVE)
    on_a_screen = CallEntry.objects.filter(phone=OuterRef("phone"), claimed_by__isnull=False)
    free = free.exclude(Exists(on_a_screen))
    return [
        free.filter(status=Status.CALLBACK, next_call_at__lte=now).order_by("next_call_at", "pk"),
        free.filter(status=Status.RETRY, next_call_at__lte=now).order_by("next_call_at", "pk"),
        free.filter(status=Status.FRESH).order_by("position", "pk"),
    ]


def next_call(*, caller: User, now: datetime | None = None) -> CallEntry | None:
    """Put the next number on ``caller``'s screen and return it; None when nothing is due.

    The number already on the screen comes back first. Otherwise, among the caller's open numbers of active
    lists: callbacks whose time has come (earliest first), then numbers to try again after no answer, then
    numbers never called (in the list's order). A number on the opt-out list is never offered: found at the
    offer, it is marked "do not call" and the next one taken (whenever it was opted out). Nor is a phone on
    another caller's screen, on any list: the row is taken with SELECT … FOR UPDATE SKIP LOCKED on
    PostgreSQL, and the one-live-call-per-phone constraint turns away the second of two callers reaching the
    same phone from two lists at one instant. Screens left without an outcome for CALL_CLAIM_MINUTES are
    given back.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = current_call(caller=caller, now=now)
        if current is not None:
            return current
        CallEntry.objects.filter(claimed_by__isnull=False, claimed_at__lte=now - _claim_minutes()).update(
            claimed_by=None, claimed_at=None
        )
        passed: list[int] = []
        for tier in _due_tiers(caller=caller, now=now):
            for _try in range(CLAIM_TRIES):
                candidate = tier.exclude(pk__in=passed).select_for_update(skip_locked=True, of=("self",)).first()
                if candidate is None:
                    break
                passed.append(candidate.pk)
                if OptOut.objects.filter(channel__in=OptOut.PHONE_CHANNELS, address=candidate.phone).exists():
                    CallEntry.objects.filter(pk=candidate.pk).update(status=Status.BARRED, next_call_at=None)
                    continue
                try:
                    with transaction.atomic():
                        taken = CallEntry.objects.filter(
                            pk=candidate.pk, claimed_by__isnull=True, status__in=CallEntry.OPEN_STATUSES
                        ).update(claimed_by=caller, claimed_at=now)
                except IntegrityError:  # the same phone reached another caller's screen from another list
                    taken = 0
                if taken:
                    return _with_screen_details(CallEntry.objects.filter(pk=candidate.pk)).get()
    return None


def _interested_inquiry(*, entry: CallEntry, caller: User, details: Mapping[str, Any]) -> PhoneInquiry:
    """The inquiry an interested callee becomes: registered and routed as at the inquiry desk. The channel is
    the one the callee's business belongs to, else the list's own (car owners reached by phone)."""
    data = {
        "name": entry.name,
        "unit_name": entry.unit_name,
        "district": entry.district,
        "address": entry.address,
        "business_type": entry.business_type,
        # What the caller corrected or added; what they left empty stays as the list had it.
        **{key: str(value).strip() for key, value in details.items() if key != "topic" and str(value or "").strip()},
    }
    caller_name = data["name"] or data["unit_name"]
    if not caller_name:
        raise ValidationError({"name": _("Ask the name of the person interested.")})
    try:
        validate_name(caller_name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from error
    if entry.customer_id is None and not (data["district"] or data["address"]):
        raise ValidationError({"district": _("Give the district or the address, so that the call can be routed.")})
    channel = channel_type_for_business(data["business_type"]) or entry.call_list.channel_type
    topic = (details.get("topic") or "").strip() or str(_("Telemarketing call: interested (%(list)s)")) % {
        "list": entry.call_list.name
    }
    return register_phone_inquiry(
        entered_by=caller,
        data={
            "phone": str(entry.phone),
            "caller_name": caller_name[:100],
            "unit_name": data["unit_name"][:200],
            "district": data["district"][:50],
            "address": data["address"][:300],
            "business_type": data["business_type"][:100],
            "channel_type": channel.pk,
            "topic": topic[:2000],
        },
        campaign=entry.call_list.campaign,
        channel=PhoneInquiry.Channel.TELEMARKETING,
    )


def _check_callback_time(callback_at: datetime | None, now: datetime) -> datetime:
    if callback_at is None:
        raise ValidationError({"callback_at": _("Say when to call back.")})
    if timezone.is_naive(callback_at):
        callback_at = timezone.make_aware(callback_at)
    if callback_at <= now:
        raise ValidationError({"callback_at": _("The time to call back must be in the future.")})
    if callback_at > now + timedelta(days=settings.CRM["CALLBACK_MAX_DAYS"]):
        raise ValidationError(
            {
                "callback_at": _("Call back within %(days)s days.") % {"days": settings.CRM["CALLBACK_MAX_DAYS"]},
            }
        )
    return callback_at


@transaction.atomic
def record_call_outcome(
    *,
    caller: User,
    entry_id: int,
    outcome: str,
    callback_at: datetime | None = None,
    note: str = "",
    details: Mapping[str, Any] | None = None,
) -> CallEntry:
    """What came of the call of the number on ``caller``'s screen; the one door for every outcome.

    - no answer: called again after the list's ``retry_after_minutes``, given up after ``max_attempts`` calls;
    - call back at ``callback_at`` (in the future, within CALLBACK_MAX_DAYS): offered first when it is due;
    - not interested, wrong number: done;
    - interested: a phone inquiry registered and routed to the territory's salesperson as at the inquiry desk
      (``details`` may correct name, unit, district, address, business type and say what they want);
    - do not call: on the opt-out list, off every call list and SMS mailing.

    A number of someone else's is a 404 (NotFound); one no longer on the caller's screen (the outcome saved
    already, a double click) is refused, so an outcome is never counted twice. Nothing changes when refused.
    """
    entry = (
        CallEntry.objects.select_for_update(of=("self",))
        .select_related("call_list__campaign", "call_list__channel_type")
        .filter(pk=entry_id, caller=caller)
        .first()
    )
    if entry is None:
        raise NotFound
    if entry.claimed_by_id != caller.pk or entry.status not in CallEntry.OPEN_STATUSES:
        raise NotOnYourScreen
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose what came of the call.")})
    now = timezone.now()
    note = (note or "").strip()[:300]
    callback_at = _check_callback_time(callback_at, now) if outcome == Outcome.CALLBACK else None
    entry.attempts += 1
    entry.last_called_at = now
    entry.outcome = outcome
    entry.note = note
    entry.claimed_by, entry.claimed_at = None, None
    if outcome in CallEntry.REACHED and entry.reached_at is None:
        entry.reached_at = now
    entry.next_call_at = None
    if outcome == Outcome.NO_ANSWER:
        if entry.attempts >= entry.call_list.max_attempts:
            entry.status = Status.DONE
        else:
            entry.status = Status.RETRY
            entry.next_call_at = now + timedelta(minutes=entry.call_list.retry_after_minutes)
    elif outcome == Outcome.CALLBACK:
        entry.status, entry.next_call_at = Status.CALLBACK, callback_at
    elif outcome == Outcome.INTERESTED:
        inquiry = _interested_inquiry(entry=entry, caller=caller, details=details or {})
        entry.inquiry = inquiry
        entry.customer_id = inquiry.customer_id or entry.customer_id
        entry.status = Status.DONE
    elif outcome == Outcome.DO_NOT_CALL:
        record_opt_out(
            channel=OptOut.Channel.PHONE,
            address=str(entry.phone),
            source=OptOut.Source.CALL,
            note=f"{entry.call_list.name} · {caller}"[:300],
        )
        entry.status = Status.BARRED
    else:
        entry.status = Status.DONE
    entry.save()
    CallAttempt.objects.create(
        entry=entry, caller=caller, called_at=now, outcome=outcome, callback_at=callback_at, note=note
    )
    return entry


def give_back_call(*, caller: User, entry_id: int) -> None:
    """Take a number off ``caller``'s screen without calling it (it is offered again later). Idempotent."""
    CallEntry.objects.filter(pk=entry_id, caller=caller, claimed_by=caller).update(claimed_by=None, claimed_at=None)

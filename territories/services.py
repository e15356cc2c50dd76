"""Writes of market planning: the tree, owners (with history and the open work they carry) and routing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError
from crm.history import record_change_by
from crm.models import User
from territories.locks import lock_territory
from territories.models import (
    ChannelType,
    ProductLine,
    RoutingRule,
    Territory,
    TerritoryAssignment,
    TerritoryHandover,
)

Kind = Territory.Kind

# Which kind of node may hang below which: the tree reads company → city → branch → channel.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    Kind.COMPANY: {None},
    Kind.CITY: {Kind.COMPANY},
    Kind.BRANCH: {Kind.CITY},
    Kind.CHANNEL: {Kind.BRANCH, Kind.CITY},
}


class AlreadyOwner(ApplicationError):
    default_message = _("This salesperson already owns the territory.")


class NotASalesperson(ApplicationError):
    default_message = _("Only an active salesperson can own a territory.")


class NoOwner(ApplicationError):
    default_message = _("This territory has no owner to release.")


# --- the extension point for open work -----------------------------------------------------------


@dataclass(frozen=True)
class WorkPreview:
    """What one mover would move if the change were made now: how many rows, and the first few of them as the
    admin reads them (a customer's name, a caller and the day they called, …)."""

    count: int
    sample: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenWorkMover:
    """Moves one kind of open work of a territory to its new owner; returns how many rows moved.

    ``move`` is called inside the reassignment's transaction with keyword arguments
    ``territory``, ``to_user``, ``changed_by``, ``reason`` and ``at`` (the moment of the change).
    ``label`` says how many moved from ``%(count)d``: ``ngettext_lazy(singular, plural, "count")``,
    so that each language counts in its own words (3 customers, 3 个客户).
    ``preview`` says what ``move`` (``to_user`` given) or ``release`` (``to_user`` None) would move, without
    changing anything: called with ``territory``, ``to_user``, ``at`` and ``limit`` (how many rows to name),
    it returns a ``WorkPreview`` whose count is exactly what the move would return at that moment.
    ``release``, when given, is called instead when the territory is left without an owner, with
    ``territory``, ``changed_by``, ``reason`` and ``at``: work that must never be half-owned (the
    customers) goes to the "to be assigned" queue rather than staying with someone who no longer owns it.
    """

    name: str
    label: Promise | str
    move: Callable[..., int]
    preview: Callable[..., WorkPreview]
    release: Callable[..., int] | None = None


OPEN_WORK_MOVERS: list[OpenWorkMover] = []
PREVIEW_SAMPLE_SIZE = 5


def register_open_work_mover(
    *,
    name: str,
    label: Promise | str,
    move: Callable[..., int],
    preview: Callable[..., WorkPreview],
    release: Callable[..., int] | None = None,
) -> None:
    """Called from an app's ``AppConfig.ready``; registering the same name twice keeps the first.

    Movers run (and are listed) in the order they registered. Every mover offers ``preview``: the admin is
    shown what will move before anything does, so a mover that could not say would move work unseen.
    """
    if any(mover.name == name for mover in OPEN_WORK_MOVERS):
        return
    OPEN_WORK_MOVERS.append(OpenWorkMover(name=name, label=label, move=move, preview=preview, release=release))


def describe_moved(moved: Mapping[str, int]) -> str:
    """ "3 customers, 1 open phone inquiry" in the current language: the kinds with a count, in the movers'
    order (a kind whose mover is no longer registered is named as stored)."""
    labels = {mover.name: mover.label for mover in OPEN_WORK_MOVERS}
    parts = [
        str(labels[name] % {"count": count}) if name in labels else f"{name}: {count}"
        for name, count in sorted(moved.items(), key=lambda item: _mover_position(item[0]))
        if count
    ]
    return ", ".join(parts)


def _mover_position(name: str) -> int:
    names = [mover.name for mover in OPEN_WORK_MOVERS]
    return names.index(name) if name in names else len(names)


@dataclass(frozen=True)
class HandoverPreview:
    """What a reassignment (``to_user`` given) or a release to the queue (``to_user`` None) would move now.

    ``token`` binds a confirmation to what was shown: the same territory, owner, new owner and, per kind,
    the same count and the same rows named. ``assign_territory``/``end_territory_assignment`` refuse a
    confirmation whose token no longer matches (``PreviewOutdated``)."""

    territory: Territory
    from_user: User | None
    to_user: User | None
    parts: tuple[tuple[OpenWorkMover, WorkPreview], ...]
    assignment_id: int | None = None

    @property
    def total(self) -> int:
        return sum(preview.count for _mover, preview in self.parts)

    @property
    def counts(self) -> dict[str, int]:
        return {mover.name: preview.count for mover, preview in self.parts}

    @property
    def token(self) -> str:
        shown = [
            self.territory.pk,
            self.assignment_id,
            self.from_user.pk if self.from_user else None,
            self.to_user.pk if self.to_user else None,
            [[mover.name, preview.count, list(preview.sample)] for mover, preview in self.parts],
        ]
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:32]


class PreviewOutdated(ApplicationError):
    """The work to move changed between the preview and the confirmation: nothing was changed; ``preview`` is
    what would move now, to be shown and confirmed again."""

    default_message = _("What would move has changed since you looked. Nothing was changed: check it again.")

    def __init__(self, preview: HandoverPreview) -> None:
        super().__init__()
        self.preview = preview


def _preview(
    *, territory: Territory, previous: TerritoryAssignment | None, to_user: User | None, at: datetime
) -> HandoverPreview:
    movers = OPEN_WORK_MOVERS if to_user is not None else [m for m in OPEN_WORK_MOVERS if m.release is not None]
    parts = tuple(
        (mover, mover.preview(territory=territory, to_user=to_user, at=at, limit=PREVIEW_SAMPLE_SIZE))
        for mover in movers
    )
    return HandoverPreview(
        territory=territory,
        from_user=previous.salesperson if previous is not None else None,
        to_user=to_user,
        parts=parts,
        assignment_id=previous.pk if previous is not None else None,
    )


def _current_assignment(territory: Territory) -> TerritoryAssignment | None:
    return TerritoryAssignment.objects.current().filter(territory=territory).select_related("salesperson").first()


def preview_reassignment(*, territory: Territory, to_user: User) -> HandoverPreview:
    """What ``assign_territory`` would move to ``to_user`` now; changes nothing. Refuses what the assignment
    would refuse (not a salesperson, already the owner). One or two queries per mover."""
    _ensure_salesperson(to_user)
    previous = _current_assignment(territory)
    if previous is not None and previous.salesperson_id == to_user.pk:
        raise AlreadyOwner
    return _preview(territory=territory, previous=previous, to_user=to_user, at=timezone.now())


def preview_release(*, territory: Territory) -> HandoverPreview:
    """What ``end_territory_assignment`` would send to the queue now; changes nothing."""
    previous = _current_assignment(territory)
    if previous is None:
        raise NoOwner
    return _preview(territory=territory, previous=previous, to_user=None, at=timezone.now())


@dataclass
class Reassignment:
    assignment: TerritoryAssignment
    previous: TerritoryAssignment | None
    moved: dict[str, int] = field(default_factory=dict)
    handover: TerritoryHandover | None = None

    @property
    def moved_total(self) -> int:
        return sum(self.moved.values())


# --- the tree ------------------------------------------------------------------------------------


@transaction.atomic
def create_territory(
    *,
    kind: str,
    name: str,
    code: str,
    parent: Territory | None = None,
    product_line: ProductLine | None = None,
    channel_type: ChannelType | None = None,
    districts: Iterable[str] = (),
) -> Territory:
    """Add a node to the tree below ``parent``; the kind must fit under the parent's kind."""
    if (parent.kind if parent else None) not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError({"parent": _("A territory of this kind cannot be placed there.")})
    territory = Territory(
        kind=kind,
        name=name,
        code=code,
        parent=parent,
        product_line=product_line or (parent.product_line if parent else None),
        channel_type=channel_type,
        districts=[district.strip() for district in districts if district.strip()],
    )
    territory.full_clean()
    territory.save()
    territory.path = f"{parent.path if parent else '/'}{territory.pk}/"
    territory.depth = parent.depth + 1 if parent else 0
    territory.save(update_fields=["path", "depth"])
    return territory


# --- owners --------------------------------------------------------------------------------------


def _ensure_salesperson(user: User) -> None:
    if not (user.is_active and user.is_salesperson):
        raise NotASalesperson


@transaction.atomic
def assign_territory(
    *,
    territory: Territory,
    salesperson: User,
    assigned_by: User,
    reason: str = "",
    confirmed_preview: str | None = None,
) -> Reassignment:
    """Make ``salesperson`` the territory's only current owner and move its open work to them.

    The previous open assignment (if any) is closed at the same instant; every registered
    open-work mover runs in this transaction, so either everything moves or nothing does. A
    ``TerritoryHandover`` row records what moved, per kind, from whom to whom. With
    ``confirmed_preview`` (the token of the ``preview_reassignment`` the admin confirmed), the change is
    made only if the preview taken now, under the territory's lock, is the same; else ``PreviewOutdated``.
    """
    _ensure_salesperson(salesperson)
    lock_territory(territory_id=territory.pk)
    now = timezone.now()
    previous = _current_assignment(territory)
    if previous is not None and previous.salesperson_id == salesperson.pk:
        raise AlreadyOwner
    if confirmed_preview is not None:
        current = _preview(territory=territory, previous=previous, to_user=salesperson, at=now)
        if current.token != confirmed_preview:
            raise PreviewOutdated(current)
    if previous is not None:
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    assignment = TerritoryAssignment(
        territory=territory, salesperson=salesperson, started_at=now, assigned_by=assigned_by, reason=reason
    )
    assignment.full_clean(validate_constraints=False)  # the open-row constraint is checked by the database
    assignment.save()
    moved = {
        mover.name: mover.move(territory=territory, to_user=salesperson, changed_by=assigned_by, reason=reason, at=now)
        for mover in OPEN_WORK_MOVERS
    }
    handover = TerritoryHandover.objects.create(
        territory=territory,
        kind=TerritoryHandover.Kind.REASSIGNED,
        from_salesperson=previous.salesperson if previous is not None else None,
        to_salesperson=salesperson,
        changed_by=assigned_by,
        changed_at=now,
        reason=reason,
        moved=moved,
    )
    return Reassignment(assignment=assignment, previous=previous, moved=moved, handover=handover)


@transaction.atomic
def end_territory_assignment(
    *, territory: Territory, ended_by: User, reason: str = "", confirmed_preview: str | None = None
) -> TerritoryHandover | None:
    """Leave the territory without an owner. Its customers go to the "to be assigned" queue (nobody holds
    what nobody owns); other open work stays where it is until the next owner is assigned. A
    ``TerritoryHandover`` row records what went to the queue; it is returned (None: the territory had no
    owner). With ``confirmed_preview`` (the token of the
    ``preview_release`` the admin confirmed) the release is made only if the preview is still the same."""
    lock_territory(territory_id=territory.pk)
    current = _current_assignment(territory)
    if current is None:
        if confirmed_preview is not None:
            raise NoOwner
        return None
    now = timezone.now()
    if confirmed_preview is not None:
        shown = _preview(territory=territory, previous=current, to_user=None, at=now)
        if shown.token != confirmed_preview:
            raise PreviewOutdated(shown)
    moved = {
        mover.name: mover.release(territory=territory, changed_by=ended_by, reason=reason, at=now)
        for mover in OPEN_WORK_MOVERS
        if mover.release is not None
    }
    current.ended_at = now
    if reason:
        current.reason = f"{current.reason} / {reason}" if current.reason else reason
    record_change_by(current, reason=reason)  # recorded by simple_history with the change
    current.save(update_fields=["ended_at", "reason"])
    return TerritoryHandover.objects.create(
        territory=territory,
        kind=TerritoryHandover.Kind.RELEASED,
        from_salesperson=current.salesperson,
        to_salesperson=None,
        changed_by=ended_by,
        changed_at=now,
        reason=reason,
        moved=moved,
    )


# --- routing -------------------------------------------------------------------------------------


def _narrow_to_channel(territory: Territory, channel_type_id: int | None) -> Territory:
    """A rule may point at a branch: the branch's channel territory of that channel type is more precise."""
    if channel_type_id is None or territory.kind == Kind.CHANNEL:
        return territory
    channel_territory = (
        Territory.objects.filter(
            path__startswith=territory.path, kind=Kind.CHANNEL, channel_type_id=channel_type_id, is_active=True
        )
        .order_by("path")
        .first()
    )
    return channel_territory or territory


def route(*, district: str, address: str = "", channel_type: ChannelType | int | None = None) -> Territory | None:
    """The territory a new customer or inquiry belongs to, or None for the "to be assigned" queue.

    Active routing rules are tried in priority order (lowest number first); a rule matches when its
    district equals ``district`` or appears in ``address`` (an empty district matches any) and its
    channel type is empty or equal. With no rule, a branch listing the district is used. A match on a
    branch is narrowed to the branch's channel territory of the customer's channel type, if it has one.
    """
    channel_type_id = channel_type.pk if isinstance(channel_type, ChannelType) else channel_type
    district = (district or "").strip()
    address = (address or "").strip()
    rules = (
        RoutingRule.objects.filter(is_active=True, territory__is_active=True)
        .filter(Q(channel_type__isnull=True) | Q(channel_type_id=channel_type_id))
        .select_related("territory")
        .order_by("priority", "id")
    )
    for rule in rules:
        if rule.district and not (rule.district == district or (address and rule.district in address)):
            continue
        return _narrow_to_channel(rule.territory, channel_type_id)
    if not (district or address):
        return None
    for branch in Territory.objects.filter(kind=Kind.BRANCH, is_active=True).order_by("path"):
        names = branch.districts or []
        if district in names or any(name and name in address for name in names):
            return _narrow_to_channel(branch, channel_type_id)
    return None


# --- the routing decision: territory AND owner, or the queue -------------------------------------


@dataclass(frozen=True)
class RoutingDecision:
    """Where a new customer or inquiry goes: a territory with its current owner, or the queue (both None).

    Never half-owned: ``territory`` is None exactly when ``owner`` is. ``channel_type`` is the channel
    type used (given, or found from the business type), so the customer can be saved with it.
    """

    territory: Territory | None
    owner: User | None
    channel_type: ChannelType | None = None

    @property
    def queued(self) -> bool:
        return self.owner is None


class Router:
    """The routing decision of every door (form, desk, import, API, offline sync, pool claim).

    One instance remembers the channel types and the decisions it made, so a prospect import of
    100,000 rows routes each (district, channel, preferred salesperson) once. Use a new instance per
    request or import: a remembered decision does not see owners changed afterwards.
    """

    def __init__(self) -> None:
        self._channel_types: list[ChannelType] | None = None
        self._decisions: dict[tuple, RoutingDecision] = {}
        # A list's business types repeat (物流, 五金, …): each is matched against the keywords once.
        self._by_business_type: dict[str, ChannelType | None] = {}

    def _all_channel_types(self) -> list[ChannelType]:
        if self._channel_types is None:
            self._channel_types = list(ChannelType.objects.order_by("sort_order", "name", "pk"))
        return self._channel_types

    def channel_type_for(self, business_type: str) -> ChannelType | None:
        """The active channel type a business type (行业) belongs to: its name or code exactly, else the
        channel type with the longest keyword found in the text (ties: the list's order); None if none."""
        text = (business_type or "").strip().casefold()
        if not text:
            return None
        best, best_length = None, 0
        for candidate in self._all_channel_types():
            if not candidate.is_active:
                continue
            if text in (candidate.name.casefold(), candidate.code.casefold()):
                return candidate
            for keyword in candidate.keywords or []:
                word = str(keyword).strip().casefold()
                if word and word in text and len(word) > best_length:
                    best, best_length = candidate, len(word)
        return best

    def _channel_type(self, channel_type: ChannelType | int | None, business_type: str) -> ChannelType | None:
        if isinstance(channel_type, ChannelType):
            return channel_type
        if channel_type:
            return next((c for c in self._all_channel_types() if c.pk == int(channel_type)), None)
        if business_type not in self._by_business_type:
            self._by_business_type[business_type] = self.channel_type_for(business_type)
        return self._by_business_type[business_type]

    def decide(
        self,
        *,
        district: str = "",
        address: str = "",
        channel_type: ChannelType | int | None = None,
        business_type: str = "",
        prefer: User | None = None,
    ) -> RoutingDecision:
        """Route by district (the address only when no district is given) and channel type (given, or
        found from ``business_type``), then settle the owner:

        - a channel territory: its current owner, or the queue when it has none;
        - a branch (or any node above): ``prefer`` (the salesperson registering) when they own a channel
          territory below it; else its own owner; else the owned channel territory below it of the
          channel type; else, without a channel type, the only owned channel territory below it; else
          the queue (nobody can say whose customer it is).
        """
        district = (district or "").strip()
        address = "" if district else (address or "").strip()
        resolved = self._channel_type(channel_type, business_type)
        key = (district, address, resolved.pk if resolved else None, prefer.pk if prefer else None)
        if key not in self._decisions:
            self._decisions[key] = self._decide(district, address, resolved, prefer)
        return self._decisions[key]

    def _decide(
        self, district: str, address: str, channel_type: ChannelType | None, prefer: User | None
    ) -> RoutingDecision:
        from territories.selectors import current_owner

        territory = route(district=district, address=address, channel_type=channel_type)
        if territory is None:
            return RoutingDecision(None, None, channel_type)
        owner = current_owner(territory=territory)
        if territory.kind == Kind.CHANNEL:
            return RoutingDecision(territory if owner else None, owner, channel_type)
        below = list(
            TerritoryAssignment.objects.current()
            .filter(territory__path__startswith=territory.path, territory__kind=Kind.CHANNEL, territory__is_active=True)
            .select_related("territory", "salesperson")
            .order_by("territory__path")
        )
        mine = [a for a in below if prefer is not None and a.salesperson_id == prefer.pk]
        if mine:
            return RoutingDecision(mine[0].territory, prefer, channel_type)
        if owner is not None:
            return RoutingDecision(territory, owner, channel_type)
        if channel_type is not None:
            below = [a for a in below if a.territory.channel_type_id == channel_type.pk]
            chosen = below[0] if below else None
        else:
            chosen = below[0] if len(below) == 1 else None
        if chosen is None:
            return RoutingDecision(None, None, channel_type)
        return RoutingDecision(chosen.territory, chosen.salesperson, channel_type)


def route_customer(
    *,
    district: str = "",
    address: str = "",
    channel_type: ChannelType | int | None = None,
    business_type: str = "",
    prefer: User | None = None,
) -> RoutingDecision:
    """``Router().decide(...)`` for one customer or inquiry; see ``Router.decide``."""
    return Router().decide(
        district=district, address=address, channel_type=channel_type, business_type=business_type, prefer=prefer
    )


def channel_type_for_business(business_type: str) -> ChannelType | None:
    return Router().channel_type_for(business_type)


@transaction.atomic
def save_routing_rule(
    *,
    changed_by: User,
    territory: Territory,
    district: str = "",
    channel_type: ChannelType | None = None,
    priority: int = 100,
    is_active: bool = True,
    rule_id: int | None = None,
) -> RoutingRule:
    """Add a routing rule, or change ``rule_id``: a district and/or a channel type sent to ``territory``, the
    lowest priority number first. Refused (``ValidationError`` naming the field) when it matches nothing or
    points at a territory no longer in use. Recorded with who in the rules' history. Customers and inquiries
    already routed stay where they are: a rule decides where the next ones go."""
    district = district.strip()
    if not district and channel_type is None:
        raise ValidationError({"district": _("Give a district, a channel type or both: a rule must match something.")})
    if not territory.is_active:
        raise ValidationError({"territory": _("This territory is no longer in use.")})
    rule = RoutingRule.objects.select_for_update().get(pk=rule_id) if rule_id else RoutingRule()
    rule.territory, rule.district, rule.channel_type = territory, district, channel_type
    rule.priority, rule.is_active = priority, is_active
    rule.full_clean()
    record_change_by(rule, changed_by)
    rule.save()
    return rule

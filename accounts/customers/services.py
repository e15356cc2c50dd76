"""Writes of the accounts app: registration, edits, owners, the public pool, and the scheduled jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import F, Field, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.customers.duplicates.keys import match_keys
from accounts.customers.locks import lock_customer
from accounts.customers.models import Contact, Customer, OwnerChange
from accounts.customers.permissions import can_place_pin
from crm.approvals.services import request_approval
from crm.bulk_insert import insert_rows
from crm.coordinates import InvalidPosition, parse_position
from crm.errors import ApplicationError, Conflict, NotFound, NotPermitted
from crm.history import record_change_by
from crm.models import Approval, User
from crm.outbox import enqueue
from crm.phones import E164, stored_phone
from territories.models import Territory
from territories.selectors import current_owner, territory_of_salesperson_in_branch_of
from territories.services import Router, WorkPreview

logger = logging.getLogger(__name__)

# The registration form's fields a person may fill in; owner and territory are decided below.
REGISTRATION_FIELDS = (
    "unit_name",
    "business_type",
    "channel_type",
    "source",
    "phone",
    "email",
    "address",
    "district",
    "current_insurer",
    "renewal_month",
    "vehicle_type",
    "vehicle_count",
    "notes",
    "status",
)
# Only managers and the admin may also move a customer by hand.
MANAGED_FIELDS = ("territory", "owner")

MOVE_BATCH = 1000


NOBODY_OWNS_TERRITORY = _(
    "Nobody owns this territory now. Leave it empty to route the customer, or choose a territory with a salesperson."
)


class StaleCustomer(Conflict):
    default_message = _(
        "Someone else saved this customer after you opened the form. Your changes were not saved: "
        "reload the customer and make them again."
    )


class ProspectCapReached(ApplicationError):
    default_message = _("You already hold the maximum number of prospects. Close or release some first.")


class NotInPool(ApplicationError):
    default_message = _("This customer is no longer in the public pool.")


class AlreadyAssigned(ApplicationError):
    default_message = _("Someone already holds this customer: it is no longer waiting to be assigned.")


def _ensure_below_prospect_cap(*, user: User | None, extra: int = 1) -> None:
    if user is None or not user.is_salesperson:
        return
    held = Customer.objects.prospects_held_by(user).count()
    if held + extra > settings.CRM["MAX_PROSPECTS_PER_SALESPERSON"]:
        raise ProspectCapReached


def _territory_and_owner(
    *, customer: Customer, created_by: User, data: Mapping[str, Any], router: Router | None = None
) -> tuple[Territory | None, User | None]:
    """Where a new customer goes (DESIGN §4 Routing): never half-owned.

    A territory given by hand (managers, admin, a salesperson picking one of theirs) must have a current
    owner, who holds the customer. Otherwise the routing decision (``territories.services.Router``) by
    district / address and channel type (or business type) decides, preferring the salesperson who
    registers (or the owner given by a manager) among the channel territories of the matched branch.
    A given owner must be the owner found. Sets the customer's channel type when the business type found it.
    """
    territory = data.get("territory")
    wanted_owner = data.get("owner")
    if territory is not None:
        owner = current_owner(territory=territory)
        if owner is None:
            raise ValidationError({"territory": NOBODY_OWNS_TERRITORY})
    else:
        decision = (router or Router()).decide(
            district=customer.district,
            address=customer.address,
            channel_type=customer.channel_type_id,
            business_type=customer.business_type,
            prefer=wanted_owner or (created_by if created_by.is_salesperson else None),
        )
        territory, owner = decision.territory, decision.owner
        if customer.channel_type_id is None and decision.channel_type is not None:
            customer.channel_type = decision.channel_type
    if wanted_owner is not None and wanted_owner != owner:
        raise ValidationError(
            {
                "owner": _("The owner is the salesperson of the territory: %(territory)s is held by %(owner)s.")
                % {"territory": territory, "owner": owner}
                if territory is not None
                else _("No territory of %(owner)s matches this customer: choose the territory instead.")
                % {"owner": wanted_owner}
            }
        )
    return territory, owner


def _keep_owned(*, customer: Customer, previous_owner: User | None, previous_territory_id: int | None) -> None:
    """After a manager moved a customer by hand, holder and territory still agree (DESIGN §4 Routing).

    A new territory brings its current owner (refused when nobody owns it, or when a different owner was
    also chosen); a new holder takes the customer into their territory of its branch (refused when they
    have none there); clearing either puts the customer in the "to be assigned" queue.
    """
    territory_changed = customer.territory_id != previous_territory_id
    owner_changed = customer.owner_id != (previous_owner.pk if previous_owner else None)
    if not (territory_changed or owner_changed):
        return
    if territory_changed and customer.territory is not None:
        owner = current_owner(territory=customer.territory)
        if owner is None:
            raise ValidationError({"territory": NOBODY_OWNS_TERRITORY})
        if owner_changed and customer.owner is not None and customer.owner != owner:
            raise ValidationError(
                {
                    "owner": _("The owner is the salesperson of the territory: %(territory)s is held by %(owner)s.")
                    % {"territory": customer.territory, "owner": owner}
                }
            )
        customer.owner = owner
    elif territory_changed or customer.owner is None:
        customer.territory, customer.owner = None, None
    else:
        territory = (
            territory_of_salesperson_in_branch_of(salesperson=customer.owner, territory=customer.territory)
            if customer.territory is not None
            else None
        )
        if territory is None:
            raise ValidationError(
                {
                    "owner": _("No territory of %(owner)s matches this customer: choose the territory instead.")
                    % {"owner": customer.owner}
                }
            )
        customer.territory = territory
    if customer.owner is not None:
        customer.pooled_at, customer.pooled_from = None, None


def set_match_keys(customer: Customer) -> None:
    """The duplicate check's keys follow the name and address (``duplicates.keys.match_keys``); every
    write of either goes through here."""
    for field, value in match_keys(unit_name=customer.unit_name, address=customer.address).items():
        setattr(customer, field, value)


MATCH_KEY_BATCH = 2000


def refresh_match_keys() -> int:
    """Compute every customer's duplicate-check keys again (after a change of the matching rules, or data
    loaded around the services such as the demo): batch by batch, only the rows whose keys change.
    Idempotent. Returns how many customers changed."""
    changed, last = 0, 0
    while True:
        rows = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "unit_name", "address", "name_key", "name_head", "address_key")[:MATCH_KEY_BATCH]
        )
        if not rows:
            return changed
        stale = []
        for pk, unit_name, address, *stored in rows:
            keys = match_keys(unit_name=unit_name, address=address)
            if list(keys.values()) != stored:
                stale.append(Customer(pk=pk, **keys))
        Customer.objects.bulk_update(stale, ["name_key", "name_head", "address_key"])
        changed += len(stale)
        last = rows[-1][0]


def _first_contact_phone(contacts: Sequence[Mapping[str, Any]]) -> str:
    for contact in contacts:
        for key in ("mobile", "phone"):
            if contact.get(key):
                return contact[key]
    return ""


@dataclass(frozen=True)
class RegistrationSource:
    """Where a new customer came through, recorded by a higher app at registration (campaigns: the partner
    company that brought it). ``choices()`` are the rows the registration form and API offer (optional);
    ``attribute(customer_id=, value=, came_on=)`` records the chosen one, in the registration's transaction."""

    name: str
    label: Promise | str
    choices: Callable[[], QuerySet[Any]]
    attribute: Callable[..., Any]


# Filled from the higher apps' ``AppConfig.ready`` (accounts never imports campaigns).
REGISTRATION_SOURCES: dict[str, RegistrationSource] = {}


def register_registration_source(
    *, name: str, label: Promise | str, choices: Callable[[], QuerySet[Any]], attribute: Callable[..., Any]
) -> None:
    """The same name twice keeps the first."""
    REGISTRATION_SOURCES.setdefault(
        name, RegistrationSource(name=name, label=label, choices=choices, attribute=attribute)
    )


@transaction.atomic
def register_customer(
    *,
    created_by: User,
    data: Mapping[str, Any],
    contacts: Sequence[Mapping[str, Any]] = (),
    business_card: File | None = None,
    sources: Mapping[str, Any] | None = None,
) -> Customer:
    """Register a customer (客户信息登记表) with its contacts.

    Territory and holder together (``_territory_and_owner``): the territory given or routed, held by
    its current owner; with no route or no owner, both empty: the "to be assigned" queue. A salesperson
    who registers a customer of someone else's territory hands it to that salesperson.
    ``business_card`` must already be cleaned (``crm.images.clean_image``). ``sources``: where the customer
    came through (``REGISTRATION_SOURCES`` name → the chosen row, e.g. ``{"partner": partner}``), recorded by
    the app that registered the source; an empty value is skipped.
    """
    customer = Customer(created_by=created_by, **{key: data[key] for key in REGISTRATION_FIELDS if key in data})
    customer.territory, customer.owner = _territory_and_owner(customer=customer, created_by=created_by, data=data)
    if customer.status == Customer.Status.PROSPECT:
        _ensure_below_prospect_cap(user=customer.owner)
    if not customer.phone:
        customer.phone = _first_contact_phone(contacts)
    customer.last_activity_at = timezone.now()
    lookup = _ask_for_lookup(customer)
    set_match_keys(customer)
    customer.full_clean(exclude=["business_card"])
    if business_card is not None:
        assert business_card.name, "clean_image names every file it returns"
        customer.business_card.save(business_card.name, business_card, save=False)
    record_change_by(customer, created_by)
    customer.save()
    if lookup:
        enqueue(GEOCODE_TASK)
    for contact_data in contacts:
        if contact_data.get("name"):
            _create_contact(customer=customer, data=contact_data)
    if customer.owner is not None:
        OwnerChange.objects.create(
            customer=customer,
            kind=OwnerChange.Kind.REGISTERED,
            to_owner=customer.owner,
            changed_by=created_by,
            changed_at=customer.created_at,
        )
    for name, value in (sources or {}).items():
        if value not in (None, ""):
            REGISTRATION_SOURCES[name].attribute(
                customer_id=customer.pk, value=value, came_on=timezone.localdate(customer.created_at)
            )
    return customer


def _create_contact(*, customer: Customer, data: Mapping[str, Any]) -> Contact:
    contact = Contact(
        customer=customer,
        name=data["name"],
        title=data.get("title", ""),
        mobile=data.get("mobile") or "",
        phone=data.get("phone") or "",
    )
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def add_contact(*, customer: Customer, data: Mapping[str, Any]) -> Contact:
    """Add a person to a customer; the first phone known becomes the customer's main phone."""
    contact = _create_contact(customer=customer, data=data)
    if not customer.phone and (contact.mobile or contact.phone):
        Customer.objects.filter(pk=customer.pk).update(phone=contact.mobile or contact.phone, version=F("version") + 1)
    return contact


@transaction.atomic
def update_customer(
    *,
    customer_id: int,
    changed_by: User,
    version: int,
    data: Mapping[str, Any],
    business_card: File | None = None,
) -> Customer:
    """Save an edit made on ``version`` of the customer; refuse it (StaleCustomer) if someone saved since.

    ``territory`` and ``owner`` in ``data`` are applied only for managers and the admin, and never
    leave the customer half-owned (``_keep_owned``).
    """
    customer = lock_customer(customer_id=customer_id)
    if customer.version != version:
        raise StaleCustomer
    allowed = REGISTRATION_FIELDS + (MANAGED_FIELDS if (changed_by.is_manager or changed_by.sees_everything) else ())
    previous_owner, previous_territory_id = customer.owner, customer.territory_id
    previous_query = geocode_query(address=customer.address, district=customer.district)
    for key in allowed:
        if key in data:
            setattr(customer, key, data[key])
    _keep_owned(customer=customer, previous_owner=previous_owner, previous_territory_id=previous_territory_id)
    if _address_changed(customer, previous_query=previous_query):
        enqueue(GEOCODE_TASK)
    set_match_keys(customer)
    customer.version += 1
    customer.full_clean(exclude=["business_card"])
    if business_card is not None:
        assert business_card.name, "clean_image names every file it returns"
        customer.business_card.save(business_card.name, business_card, save=False)
    record_change_by(customer, changed_by)
    customer.save()
    if customer.owner_id != (previous_owner.pk if previous_owner else None):
        now = timezone.now()
        OwnerChange.objects.create(
            customer=customer,
            kind=OwnerChange.Kind.EDITED,
            from_owner=previous_owner,
            to_owner=customer.owner,
            changed_by=changed_by,
            changed_at=now,
        )
        _open_work_follows(customer=customer, changed_by=changed_by, at=now)
    return customer


class TerritoryWithoutOwner(ApplicationError):
    default_message = _("Nobody owns this territory now: assign the territory first, or choose another.")


# Who follows a customer that changes hands (e.g. its open phone inquiries, registered by campaigns): taken off
# the queue, moved by a manager (an edit, an approved move) or claimed from the pool. Called as
# ``follow(customer=..., territory=..., to_user=..., changed_by=..., at=...)`` inside the change's transaction;
# returns how many rows moved. A lower app never imports a higher one.
CUSTOMER_FOLLOWERS: dict[str, Callable[..., int]] = {}


def register_customer_follower(*, name: str, follow: Callable[..., int]) -> None:
    """Called from an app's ``AppConfig.ready``; registering the same name twice keeps the first."""
    CUSTOMER_FOLLOWERS.setdefault(name, follow)


@transaction.atomic
def assign_customer_to_territory(
    *, customer_id: int, territory: Territory, assigned_by: User, reason: str = ""
) -> Customer:
    """Take a customer off the "to be assigned" queue: give it a territory and that territory's current
    owner, and move its open work (``CUSTOMER_FOLLOWERS``: its open inquiries) to them in the same
    transaction. Refused: a customer already held (``AlreadyAssigned``), a territory nobody owns
    (``TerritoryWithoutOwner``)."""
    customer = lock_customer(customer_id=customer_id)
    if customer.owner_id is not None or customer.pooled_at is not None:
        raise AlreadyAssigned
    owner = current_owner(territory=territory)
    if owner is None:
        raise TerritoryWithoutOwner
    now = timezone.now()
    customer.territory = territory
    customer.owner = owner
    customer.version += 1
    record_change_by(customer, assigned_by, reason=reason)
    customer.save()
    OwnerChange.objects.create(
        customer=customer,
        kind=OwnerChange.Kind.ASSIGNED,
        to_owner=owner,
        changed_by=assigned_by,
        changed_at=now,
        reason=reason,
    )
    _open_work_follows(customer=customer, changed_by=assigned_by, at=now)
    return customer


def _open_work_follows(*, customer: Customer, changed_by: User | None, at: datetime) -> None:
    """The customer's open work goes to its new holder and territory (``CUSTOMER_FOLLOWERS``), so that the open
    inquiry of a caller handed to another salesperson is on their list, and its deal credited to them
    (``campaigns`` ``salesperson_to_credit``). A customer put back in the queue keeps its work where it was, for
    whoever takes it next."""
    if customer.territory is None or customer.owner is None:
        return
    for follow in CUSTOMER_FOLLOWERS.values():
        follow(customer=customer, territory=customer.territory, to_user=customer.owner, changed_by=changed_by, at=at)


@transaction.atomic
def claim_from_pool(*, customer_id: int, salesperson: User) -> Customer:
    """A salesperson of the customer's branch takes a pooled customer, within the prospect cap. The
    customer moves to the claimer's territory in that branch (of its channel type when they have one),
    so that its holder and its territory's owner stay the same person.

    The pool's two steps are written to the owner history: the return to the pool (by the job,
    from the previous holder) and this claim.
    """
    from accounts.customers.selectors import public_pool_for

    customer = lock_customer(customer_id=customer_id)
    if customer.pooled_at is None or not public_pool_for(user=salesperson).filter(pk=customer.pk).exists():
        raise NotInPool
    # The admin may have cleared the territory of a pooled customer: it is in no branch, nobody's to claim
    # (the whole pool is visible to a superuser only).
    territory = customer.territory
    if territory is None:
        raise NotInPool
    if customer.status == Customer.Status.PROSPECT:
        _ensure_below_prospect_cap(user=salesperson)
    now = timezone.now()
    OwnerChange.objects.bulk_create(
        [
            OwnerChange(
                customer=customer,
                kind=OwnerChange.Kind.POOLED,
                from_owner=customer.pooled_from,
                changed_at=customer.pooled_at,
                reason=_("No follow-up for %(days)s days") % {"days": settings.CRM["PUBLIC_POOL_DAYS"]},
            ),
            OwnerChange(
                customer=customer,
                kind=OwnerChange.Kind.CLAIMED,
                to_owner=salesperson,
                changed_by=salesperson,
                changed_at=now,
            ),
        ]
    )
    # Never half-owned: the customer follows its new holder into their territory of the branch.
    customer.territory = territory_of_salesperson_in_branch_of(
        salesperson=salesperson, territory=territory, channel_type_id=customer.channel_type_id
    )
    if customer.territory is None:
        raise NotInPool
    customer.owner = salesperson
    customer.pooled_at = None
    customer.pooled_from = None
    customer.last_activity_at = now
    customer.version += 1
    record_change_by(customer, salesperson)
    customer.save()
    _open_work_follows(customer=customer, changed_by=salesperson, at=now)
    return customer


def _customers_moving(*, territory: Territory, to_user: User | None) -> QuerySet[Customer]:
    """The customers a reassignment to ``to_user`` (None: a release to the queue) hands over: the territory's
    customers outside the public pool not already with ``to_user`` (a release: those held by someone)."""
    customers = Customer.objects.filter(territory=territory, pooled_at__isnull=True)
    if to_user is None:
        return customers.filter(owner__isnull=False)
    return customers.exclude(owner=to_user)


def move_customers_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover for territory reassignment: the territory's customers go to its new owner.

    Pooled customers stay in the pool. Runs inside ``assign_territory``'s transaction; each moved
    customer gets an OwnerChange row and a new version (so forms opened before the move are refused).
    """
    customers = _customers_moving(territory=territory, to_user=to_user)
    return _hand_over(
        customers, to_user=to_user, kind=OwnerChange.Kind.REASSIGNED, changed_by=changed_by, reason=reason, at=at
    )


def release_customers_of_territory(*, territory: Territory, changed_by: User | None, reason: str, at: datetime) -> int:
    """Release hook for a territory left without an owner: its held customers go to the "to be assigned"
    queue (owner cleared, territory kept), each with an OwnerChange row and a new version. Pooled customers
    stay in the pool. The next owner of the territory gets them back through ``move_customers_of_territory``."""
    customers = _customers_moving(territory=territory, to_user=None)
    return _hand_over(
        customers, to_user=None, kind=OwnerChange.Kind.RELEASED, changed_by=changed_by, reason=reason, at=at
    )


def preview_customers_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    """What the two hooks above would hand over now (``to_user`` None: the release): how many, and the
    first ``limit`` by name. Two queries; changes nothing."""
    customers = _customers_moving(territory=territory, to_user=to_user)
    names = customers.order_by("unit_name", "pk").values_list("unit_name", flat=True)[:limit]
    return WorkPreview(count=customers.count(), sample=tuple(names))


def _hand_over(
    customers: QuerySet[Customer],
    *,
    to_user: User | None,
    kind: str,
    changed_by: User | None,
    reason: str,
    at: datetime,
) -> int:
    """Give ``customers`` to ``to_user`` (None: the queue) in batches, with one OwnerChange row each."""
    rows = list(customers.values_list("pk", "owner_id").order_by("pk"))
    for start in range(0, len(rows), MOVE_BATCH):
        batch = rows[start : start + MOVE_BATCH]
        Customer.objects.filter(pk__in=[pk for pk, _ in batch]).update(owner=to_user, version=F("version") + 1)
        OwnerChange.objects.bulk_create(
            OwnerChange(
                customer_id=pk,
                kind=kind,
                from_owner_id=owner_id,
                to_owner=to_user,
                changed_by=changed_by,
                changed_at=at,
                reason=reason,
            )
            for pk, owner_id in batch
        )
    return len(rows)


# --- what visits tell the customer record ----------------------------------------------------------


def record_customer_activity(*, customer_id: int, at: datetime) -> None:
    """A visit or call happened at ``at``: the customer is being worked (keeps it out of the public pool).

    Never moves ``last_activity_at`` backwards. Runs inside the caller's transaction; no new version
    (an activity is not an edit of the registration form, so open edit forms stay valid).
    """
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
    ).update(last_activity_at=at)


# --- the customer's position: one door for every source --------------------------------------------

Source = Customer.LocationSource
Lookup = Customer.GeocodeStatus
GEOCODE_TASK = "accounts.tasks.geocode_pending_customers_task"
POSITION_QUANTUM = Decimal("0.000001")
POSITION_FIELDS = ["latitude", "longitude", "location_source", "location_set_at"]


class BadPosition(ApplicationError):
    default_message = _("The position is not valid (latitude −90…90 and longitude −180…180, both or neither).")


def clean_position(latitude: Decimal | float | str, longitude: Decimal | float | str) -> tuple[Decimal, Decimal]:
    """Both coordinates, finite, on the globe, to six decimals (about 0.1 m); else BadPosition."""
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (ArithmeticError, ValueError, TypeError) as error:
        raise BadPosition from error
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadPosition
    return lat.quantize(POSITION_QUANTUM), lon.quantize(POSITION_QUANTUM)


def may_replace_position(*, current: str, has_position: bool, new: str) -> bool:
    """The order of the sources (DESIGN: a person's act outranks a computation, a computation a guess).

    A pin placed by hand always wins and nothing else replaces it. The address found by the geocoder, or
    a position imported with the customer, replaces anything but a pin (a check-in position included: a
    changed address moves the customer). A check-in only gives a customer without any position one.
    """
    if new == Source.PIN:
        return True
    if new == Source.CHECK_IN:
        return not has_position
    return current != Source.PIN


def _write_position(
    customer: Customer,
    *,
    latitude: Decimal | None,
    longitude: Decimal | None,
    source: str,
    changed_by: User | None = None,
    reason: str = "",
) -> None:
    """Store a position (or none) on a locked customer, with who and why in its history."""
    customer.latitude, customer.longitude = latitude, longitude
    customer.location_source = source if latitude is not None else Source.NONE
    customer.location_set_at = timezone.now()
    record_change_by(customer, changed_by, reason=reason or None)
    customer.save(update_fields=[*POSITION_FIELDS, "updated_at"])


@transaction.atomic
def set_customer_location(
    *,
    customer_id: int,
    latitude: Decimal | float | str,
    longitude: Decimal | float | str,
    only_if_unknown: bool = False,
    source: str | None = None,
    changed_by: User | None = None,
    reason: str = "",
) -> bool:
    """The one door for a customer's position (WGS-84): pins, check-ins, geocoding and imports all call it.

    ``source`` is a ``Customer.LocationSource``; without it, ``only_if_unknown`` means a check-in (the
    first verified visit) and anything else a pin, as before sources existed. Whether the position is
    written follows ``may_replace_position``: a pin is never overwritten by the geocoder or a check-in,
    and a check-in never overwrites any position. With ``only_if_unknown`` a position already set is kept
    whatever the source. Under the customer's row lock; no new version (the registration form is not
    edited, so forms opened before stay valid); recorded in the customer's history with ``changed_by``.
    Returns whether the position was written. Bad coordinates: BadPosition, nothing changed.
    """
    if source is None:
        source = Source.CHECK_IN if only_if_unknown else Source.PIN
    if source not in Source.values or source == Source.NONE:
        raise ValueError(f"unknown position source {source!r}")
    lat, lon = clean_position(latitude, longitude)
    customer = lock_customer(customer_id=customer_id)
    has_position = customer.latitude is not None
    if only_if_unknown and has_position:
        return False
    if not may_replace_position(current=customer.location_source, has_position=has_position, new=source):
        return False
    _write_position(customer, latitude=lat, longitude=lon, source=source, changed_by=changed_by, reason=reason)
    if source == Source.PIN and customer.geocode_status == Lookup.PENDING:
        # A pin ends the wait: whatever the address gives would not be used.
        Customer.objects.filter(pk=customer.pk).update(geocode_status=Lookup.NONE, geocode_message="")
    return True


@transaction.atomic
def clear_customer_location(
    *,
    customer_id: int,
    source: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    changed_by: User | None = None,
    reason: str = "",
) -> bool:
    """Forget the customer's position if it still comes from ``source`` (and, when given, is still at
    ``latitude``/``longitude``): e.g. a check-in that was not at the customer. The address is then looked
    up again when a geocoder is set up. Returns whether the position was cleared."""
    customer = lock_customer(customer_id=customer_id)
    if customer.latitude is None or customer.location_source != source:
        return False
    if (
        latitude is not None
        and longitude is not None
        and (customer.latitude, customer.longitude)
        != (
            Decimal(latitude).quantize(POSITION_QUANTUM),
            Decimal(longitude).quantize(POSITION_QUANTUM),
        )
    ):
        return False
    _write_position(customer, latitude=None, longitude=None, source=Source.NONE, changed_by=changed_by, reason=reason)
    if _ask_for_lookup(customer):
        Customer.objects.filter(pk=customer.pk).update(
            geocode_status=customer.geocode_status, geocode_attempts=0, geocode_message=""
        )
        enqueue(GEOCODE_TASK)
    return True


# --- looking the address up (the lookups themselves: accounts.customers.geocoding) ----------------------


def geocoding_enabled() -> bool:
    return settings.CRM["GEOCODER"] != "none"


def geocode_query(*, address: str, district: str) -> str:
    """The text a customer's position is looked up from: its district, then its address (the district
    once). Empty without an address: a district alone is an area, not a place."""
    address = " ".join((address or "").split())
    district = (district or "").strip()
    if not address:
        return ""
    return address if not district or district in address else f"{district}{address}"


def _lookup_wanted(
    *, address: str, district: str, location_source: str, geocoded_address: str, geocode_status: str
) -> bool:
    """Whether a customer with these values waits for a lookup of its address: a geocoder is set up, it has
    an address, no pin, and that address was not looked up already (the same address is never asked twice)."""
    query = geocode_query(address=address, district=district)
    if not query or not geocoding_enabled() or location_source == Source.PIN:
        return False
    return not (geocoded_address == query and geocode_status in (Lookup.FOUND, Lookup.NOT_FOUND))


def _ask_for_lookup(customer: Customer) -> bool:
    """Mark ``customer`` (not yet saved, or locked) as waiting for a lookup of its address when one is
    useful (``_lookup_wanted``). Returns whether it was marked; the caller saves it and sends the queue's
    task (``GEOCODE_TASK``)."""
    if not _lookup_wanted(
        address=customer.address,
        district=customer.district,
        location_source=customer.location_source,
        geocoded_address=customer.geocoded_address,
        geocode_status=customer.geocode_status,
    ):
        return False
    customer.geocode_status = Lookup.PENDING
    customer.geocode_attempts = 0
    customer.geocode_message = ""
    return True


def _address_changed(customer: Customer, *, previous_query: str) -> bool:
    """After an edit: a new address makes a position computed or imported from the old one wrong (it is
    cleared) and asks for a lookup of the new one. A pin or a check-in position stays until a better one
    comes. Returns whether a lookup was asked for."""
    if geocode_query(address=customer.address, district=customer.district) == previous_query:
        return False
    if customer.location_source in (Source.GEOCODED, Source.IMPORTED):
        customer.latitude = customer.longitude = None
        customer.location_source = Source.NONE
        customer.location_set_at = timezone.now()
    customer.geocode_status, customer.geocode_attempts, customer.geocode_message = Lookup.NONE, 0, ""
    return _ask_for_lookup(customer)


def request_geocoding(*, only_missing: bool = True, retry_not_found: bool = False, send_task: bool = True) -> int:
    """Queue every customer whose address should be looked up: without a position (``only_missing``),
    with an address, no pin, never looked up or failed before (with ``retry_not_found`` also those not
    found). Set-based; sends the queue's task once (unless the caller runs the queue itself). Returns
    how many are waiting now."""
    if not geocoding_enabled():
        return 0
    statuses = [Lookup.NONE, Lookup.FAILED, Lookup.PENDING] + ([Lookup.NOT_FOUND] if retry_not_found else [])
    rows = Customer.objects.filter(geocode_status__in=statuses).exclude(address="").exclude(location_source=Source.PIN)
    if only_missing:
        rows = rows.filter(latitude__isnull=True)
    rows.exclude(geocode_status=Lookup.PENDING).update(
        geocode_status=Lookup.PENDING, geocode_attempts=0, geocode_message=""
    )
    waiting = Customer.objects.filter(geocode_status=Lookup.PENDING).count()
    if waiting and send_task:
        enqueue(GEOCODE_TASK)
    return waiting


@transaction.atomic
def record_geocode_answer(
    *,
    customer_id: int,
    query: str,
    provider: str,
    outcome: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    message: str = "",
) -> bool:
    """Keep what the geocoder answered for ``query`` on the customer, if it is still waiting for that very
    address (an address changed meanwhile, or an answer already kept, makes this one stale: nothing
    changes, False). ``outcome``: ``found`` (the position is written as ``geocoded`` unless a pin is there),
    ``not_found``, ``retry`` (one more attempt counted; at GEOCODER_MAX_ATTEMPTS the lookup has failed)
    or ``quota`` (the provider's quota is used up: still waiting, no attempt counted). Idempotent."""
    customer = lock_customer(customer_id=customer_id)
    if (
        customer.geocode_status != Lookup.PENDING
        or geocode_query(address=customer.address, district=customer.district) != query
    ):
        return False
    now = timezone.now()
    fields: dict[str, Any] = {"geocode_provider": provider, "geocode_message": message[:200]}
    if outcome == "found":
        assert latitude is not None and longitude is not None
        lat, lon = clean_position(latitude, longitude)
        fields.update(geocode_status=Lookup.FOUND, geocoded_at=now, geocoded_address=query, geocode_message="")
        if may_replace_position(
            current=customer.location_source, has_position=customer.latitude is not None, new=Source.GEOCODED
        ) and (customer.latitude, customer.longitude, customer.location_source) != (lat, lon, Source.GEOCODED):
            _write_position(
                customer,
                latitude=lat,
                longitude=lon,
                source=Source.GEOCODED,
                reason=_("Found from the address (%(provider)s)") % {"provider": provider},
            )
    elif outcome == "not_found":
        fields.update(geocode_status=Lookup.NOT_FOUND, geocoded_at=now, geocoded_address=query)
    elif outcome == "retry":
        attempts = customer.geocode_attempts + 1
        fields.update(geocode_attempts=attempts)
        if attempts >= settings.CRM["GEOCODER_MAX_ATTEMPTS"]:
            fields.update(geocode_status=Lookup.FAILED, geocoded_at=now, geocoded_address=query)
    elif outcome != "quota":
        raise ValueError(f"unknown geocoding outcome {outcome!r}")
    Customer.objects.filter(pk=customer.pk).update(**fields)
    return True


PIN_NOT_VALID = _(
    "The pin's position is not valid: the latitude must be a number between -90 and 90, "
    "the longitude one between -180 and 180."
)

PIN_MOVED = _("Pin moved on the map")


class PinNotPermitted(NotPermitted):
    default_message = _(
        "Only the salesperson who holds this customer, a manager of the team or the admin may move its pin."
    )


@transaction.atomic
def place_customer_pin(*, customer_id: int, latitude: object, longitude: object, by: User) -> Customer:
    """Put the customer's pin where ``by`` dropped it on the map, in WGS-84 (a page drawn on GCJ-02 tiles
    converts first, crm.coordinates).

    The customer must be one ``by`` sees (else NotFound, the answer for a missing one) and may move
    (``can_place_pin``: its holder, a manager, the admin; else PinNotPermitted). Coordinates that are not
    numbers, NaN, infinite or off the globe: ValidationError, nothing changed. Written through
    ``set_customer_location`` as a pin (which no geocoder or check-in overwrites); the customer's history
    records who moved it. No new version: the
    registration form was not edited, so a form opened before stays valid. Placing it again at the same
    spot writes the same position (and another history line).
    """
    if not Customer.objects.visible_to(by).filter(pk=customer_id).exists():
        raise NotFound
    try:
        lat, lng = parse_position(latitude, longitude)
    except InvalidPosition as error:
        raise ValidationError({"latitude": PIN_NOT_VALID}) from error
    customer = lock_customer(customer_id=customer_id)
    if not can_place_pin(by, customer):
        raise PinNotPermitted
    set_customer_location(
        customer_id=customer.pk,
        latitude=lat,
        longitude=lng,
        source=Customer.LocationSource.PIN,
        changed_by=by,
        reason=str(PIN_MOVED),
    )
    customer.refresh_from_db()
    return customer


def set_customer_rating(
    *, customer_id: int, intent: str, obstacles: Sequence[str] = (), obstacle_detail: str = ""
) -> None:
    """The customer's current intent and open obstacles are those of its latest rated visit; the ratings
    themselves stay on the visits."""
    if intent not in Customer.Intent.values:
        raise ApplicationError(_("The intent must be one of A, B, C or D."))
    Customer.objects.filter(pk=customer_id).update(
        intent=intent, obstacles=list(obstacles), obstacle_detail=obstacle_detail
    )


# --- scheduled jobs ------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def return_idle_customers_to_pool(*, day: date) -> int:
    """Return held prospects with no activity for PUBLIC_POOL_DAYS days before ``day`` to the public pool.

    One set-based UPDATE: the holder is kept in ``pooled_from`` (written to the owner history when
    the customer is claimed), the holder is cleared and ``pooled_at`` set to the start of ``day``.
    Idempotent: a pooled customer has no holder, so a second run for any day changes nothing.
    Returns the number of customers returned.
    """
    cutoff = _start_of(day - timedelta(days=settings.CRM["PUBLIC_POOL_DAYS"]))
    idle = Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, created_at__lt=cutoff)
    count = (
        Customer.objects.filter(idle)
        .filter(status=Customer.Status.PROSPECT, pooled_at__isnull=True, owner__isnull=False, territory__isnull=False)
        .update(pooled_from=F("owner"), owner=None, pooled_at=_start_of(day), version=F("version") + 1)
    )
    logger.info("Public pool for %s: %d customers returned", day.isoformat(), count)
    return count


def _column_defaults(model: type[Any]) -> dict[str, Any]:
    """Every column of a new row of ``model`` as its field's default gives it (the id left out): what a
    bulk insert writes for the columns a row does not set. Choices as their stored text."""
    defaults: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname in ("id", "history_id"):
            continue
        value = field.get_default()
        defaults[field.attname] = str(value) if isinstance(value, str) else value
    return defaults


def register_customers_in_bulk(
    *,
    created_by: User,
    rows: Iterable[Mapping[str, Any]],
    batch_size: int = 1000,
    on_batch: Callable[[int], None] | None = None,
    on_created: Callable[[list[int]], object] | None = None,
) -> int:
    """Register many customers at once (prospect-list imports); the caller holds the transaction.

    Each row has ``REGISTRATION_FIELDS`` keys (already validated and normalised) and optionally
    ``contact_name`` and a position (``latitude`` and ``longitude``, WGS-84, checked: kept as
    ``imported``). A row with an address and no position waits for the geocoder (one task for the
    whole import, sent after the caller's commit). Each row is routed like every other door
    (``territories.services.Router`` by district / address and channel or business type): to a territory
    held by its current owner, or to the "to be assigned" queue (both empty).
    Rows are taken batch by batch (bounded memory); the prospect cap is checked for every holder of a batch
    before it is written (one grouped count, which sees the batches already written), so an import that
    would overfill someone's list raises ProspectCapReached and the caller's transaction leaves nothing.

    What ``register_customer`` writes for one customer, written set-based (``crm.bulk_insert``: COPY on
    PostgreSQL), a fixed number of queries per batch whatever its size: the customers, their history rows
    (as simple_history records a creation: "+", by ``created_by``), a contact per row with a contact name,
    the "registered" owner change of each held customer. ``on_batch(done)`` is called after each batch,
    ``on_created(customer_ids)`` with each batch's new customers' ids. Returns how many were created.
    """
    now = timezone.now()
    router = Router()
    history_model = Customer.history.model
    phone_field = cast(Field, Customer._meta.get_field("phone"))
    store_e164 = settings.PHONENUMBER_DB_FORMAT == "E164"
    defaults = _column_defaults(Customer)
    defaults.update(created_by_id=created_by.pk, created_at=now, updated_at=now, last_activity_at=now)
    columns = list(defaults)
    history_columns = [field.attname for field in history_model._meta.concrete_fields if field.attname != "history_id"]
    history_extra = {
        "history_date": now,
        "history_change_reason": "",
        "history_type": "+",
        "history_user_id": created_by.pk,
    }
    cap = settings.CRM["MAX_PROSPECTS_PER_SALESPERSON"]
    held: dict[int, int] = {}  # prospects held by each salesperson met so far, this import's included
    lookups = 0
    created = 0
    batch: list[tuple[dict[str, Any], str, User | None]] = []

    def check_cap(batch: list[tuple[dict[str, Any], str, User | None]]) -> None:
        new_per_owner: dict[User, int] = {}
        for values, _name, owner in batch:
            if owner is not None and owner.is_salesperson and values["status"] == Customer.Status.PROSPECT:
                new_per_owner[owner] = new_per_owner.get(owner, 0) + 1
        unknown = [owner.pk for owner in new_per_owner if owner.pk not in held]
        if unknown:
            held.update(dict.fromkeys(unknown, 0))
            held.update(Customer.objects.prospect_counts_by_owner(unknown))
        for owner, extra in new_per_owner.items():
            if held[owner.pk] + extra > cap:
                raise ProspectCapReached(
                    _("%(owner)s would hold more than %(cap)s prospects after this import.")
                    % {"owner": owner, "cap": cap}
                )
            held[owner.pk] += extra

    def write(batch: list[tuple[dict[str, Any], str, User | None]]) -> int:
        check_cap(batch)
        ids = insert_rows(
            Customer,
            columns,
            [[values[column] for column in columns] for values, _name, _owner in batch],
            returning_ids=True,
        )
        history_rows = []
        contacts = []
        owner_changes = []
        for pk, (values, name, _owner) in zip(ids, batch, strict=True):
            values["id"] = pk
            history_rows.append(
                [history_extra[column] if column in history_extra else values[column] for column in history_columns]
            )
            if name:
                contacts.append((pk, name, "", values["phone"] or "", "", now))
            if values["owner_id"] is not None:
                owner_changes.append(
                    (pk, OwnerChange.Kind.REGISTERED.value, None, values["owner_id"], created_by.pk, now, "")
                )
        insert_rows(history_model, history_columns, history_rows)
        insert_rows(Contact, ["customer_id", "name", "title", "mobile", "phone", "created_at"], contacts)
        insert_rows(
            OwnerChange,
            ["customer_id", "kind", "from_owner_id", "to_owner_id", "changed_by_id", "changed_at", "reason"],
            owner_changes,
        )
        if on_created is not None:
            on_created(ids)
        return len(ids)

    wants_lookup = geocoding_enabled()
    for row in rows:
        values = dict(defaults)
        for name in REGISTRATION_FIELDS:
            value = row.get(name)
            if value is not None:
                values[name] = value
        channel_type = values.pop("channel_type", None)
        values["channel_type_id"] = getattr(channel_type, "pk", channel_type)
        phone = row.get("phone")
        if isinstance(phone, E164) and store_e164:
            # Normalised by the import's check: the column's own form, written as it is (the field would
            # check the number's validity again, a twentieth of the commit).
            values["phone"] = str(phone)
        elif phone:
            values["phone"] = phone_field.get_db_prep_save(stored_phone(phone), connection)
        decision = router.decide(
            district=values["district"],
            address=values["address"],
            channel_type=values["channel_type_id"],
            business_type=values["business_type"],
        )
        values["territory_id"] = decision.territory.pk if decision.territory is not None else None
        values["owner_id"] = decision.owner.pk if decision.owner is not None else None
        if values["channel_type_id"] is None and decision.channel_type is not None:
            values["channel_type_id"] = decision.channel_type.pk
        if row.get("latitude") is not None and row.get("longitude") is not None:
            values["latitude"], values["longitude"] = clean_position(row["latitude"], row["longitude"])
            values["location_source"], values["location_set_at"] = Source.IMPORTED.value, now
        elif wants_lookup and _lookup_wanted(
            address=values["address"],
            district=values["district"],
            location_source=values["location_source"],
            geocoded_address=values["geocoded_address"],
            geocode_status=values["geocode_status"],
        ):
            values.update(geocode_status=Lookup.PENDING.value, geocode_attempts=0, geocode_message="")
            lookups += 1
        values.update(match_keys(unit_name=values["unit_name"], address=values["address"]))
        for name in ("source", "status"):
            values[name] = str(values[name])
        batch.append((values, row.get("contact_name") or "", decision.owner))
        if len(batch) >= batch_size:
            created += write(batch)
            batch = []
            if on_batch is not None:
                on_batch(created)
    if batch:
        created += write(batch)
        if on_batch is not None:
            on_batch(created)
    if lookups:
        enqueue(GEOCODE_TASK)
    return created


# --- a customer moved to another salesperson at a salesperson's request (crm.approvals) ---------------

CUSTOMER_MOVE_APPROVAL = "customer_move"


def request_customer_move(*, customer_id: int, requester: User, to_owner_id: int, reason: str = "") -> Approval:
    """A salesperson asks to hand one of their customers to another salesperson; the manager (or the admin)
    decides. Refused with a message, nothing stored: a customer not theirs, a recipient who is not an active
    salesperson or is themselves, a move of this customer already waiting. A customer they cannot see: 404."""
    customer = Customer.objects.visible_to(requester).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound
    if customer.owner_id != requester.pk:
        raise ValidationError(
            _("Only the salesperson who holds %(customer)s can ask to move it.") % {"customer": customer}
        )
    to_owner = User.objects.filter(pk=to_owner_id, is_active=True, role=User.Role.SALESPERSON).first()
    if to_owner is None or to_owner.pk == requester.pk:
        raise ValidationError({"to_owner": _("Choose another active salesperson.")})
    waiting = Approval.objects.filter(
        kind=CUSTOMER_MOVE_APPROVAL, state=Approval.State.PENDING, payload__customer_id=customer.pk
    ).exists()
    if waiting:
        raise ValidationError(_("A move of %(customer)s already waits for approval.") % {"customer": customer})
    reason = reason.strip()[:200]
    return request_approval(
        kind=CUSTOMER_MOVE_APPROVAL,
        requester=requester,
        summary=f"{customer.unit_name} → {to_owner} {reason}".strip(),
        payload={"customer_id": customer.pk, "to_owner_id": to_owner.pk, "reason": reason},
    )


def apply_customer_move(approval: Approval) -> None:
    """The move's effect, through the owner change of ``update_customer`` (territory kept consistent, history
    recorded, the approver as who changed it). Refused, and so the decision with it, when the requester no
    longer holds the customer or the new holder has no territory there."""
    customer = lock_customer(customer_id=approval.payload["customer_id"])
    if customer.owner_id != approval.requester_id:
        raise ApplicationError(
            _("%(customer)s is no longer held by %(name)s: nothing to move.")
            % {"customer": customer, "name": approval.requester}
        )
    to_owner = User.objects.get(pk=approval.payload["to_owner_id"])
    assert approval.decided_by is not None
    update_customer(
        customer_id=customer.pk, changed_by=approval.decided_by, version=customer.version, data={"owner": to_owner}
    )

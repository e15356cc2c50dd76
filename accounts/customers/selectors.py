"""Reads of the accounts app. Every customer read starts from ``Customer.objects.visible_to``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Exists, Field, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from accounts.customers.duplicates.lookup import ReasonKind, find_duplicates
from accounts.customers.models import Contact, Customer, OwnerChange
from accounts.customers.querysets import CustomerQuerySet
from crm.models import User
from crm.phones import normalise_phone
from territories.models import Territory, TerritoryAssignment

# Saved segments of customers (campaigns registers its resolver from AppConfig.ready: a lower app never
# imports a higher one). ``resolve(user=..., segment_id=...)`` answers the customers of that segment as
# ``user`` may use it, or None when ``user`` has no such segment.
SEGMENT_RESOLVERS: dict[str, Callable[..., QuerySet[Customer] | None]] = {}


def register_segment_resolver(*, name: str, resolve: Callable[..., QuerySet[Customer] | None]) -> None:
    """Called from an app's ``AppConfig.ready``; registering the same name twice keeps the first."""
    SEGMENT_RESOLVERS.setdefault(name, resolve)


def customers_of_segment(*, user: User, segment_id: int) -> QuerySet[Customer]:
    """The customers of a saved segment (for the list, the export and the API's ``?segment=``); none when
    ``user`` has no such segment, never more than asked for."""
    for resolve in SEGMENT_RESOLVERS.values():
        customers = resolve(user=user, segment_id=segment_id)
        if customers is not None:
            return customers
    return Customer.objects.none()


def customers_for_list(*, user: User) -> QuerySet[Customer]:
    """The customers ``user`` may see, with everything the list, export and API show joined."""
    return Customer.objects.visible_to(user).select_related("territory", "owner", "channel_type")


def customer_rows_for_list() -> CustomerQuerySet:
    """``customers_for_list`` before the visibility: what ``VisibleCustomerPaginator`` reads a page from, through
    ``CustomerQuerySet.visible_slice`` (which applies it). Never shown as it is."""
    return cast(CustomerQuerySet, Customer.objects.select_related("territory", "owner", "channel_type"))


class VisibleCustomerPaginator(Paginator):
    """Django's paginator over the customers ``user`` sees, with the list's filters and ordering.

    ``rows`` are the list's filters and ordering over ``customer_rows_for_list`` (the visibility not applied
    yet): the count is ``visible_count`` and a page ``visible_slice``, which take each branch of the rule with
    the filters inside, from the indexes in the list's order (issue #24: a manager's first page read all
    10,000 of their customers to show 25).
    """

    def __init__(self, rows: CustomerQuerySet, per_page: int, *, user: User) -> None:
        super().__init__(rows, per_page)
        self.rows = rows
        self.user = user

    @cached_property
    def count(self) -> int:
        return self.rows.visible_count(self.user)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(self.rows.visible_slice(self.user, bottom, top), number, self)


def customer_for_detail(*, user: User) -> QuerySet[Customer]:
    return customers_for_list(user=user).select_related("created_by", "territory__parent", "pooled_from")


def contacts_of(*, customer: Customer) -> QuerySet[Contact]:
    return customer.contacts.all()


def owner_history(*, customer: Customer) -> QuerySet[OwnerChange]:
    return customer.owner_changes.select_related("from_owner", "to_owner", "changed_by")


@dataclass(frozen=True)
class HistoryLine:
    when: Any
    who: User | None
    kind: str
    changes: list[tuple[str, Any, Any]]


def change_history(*, customer: Customer, limit: int = 50) -> list[HistoryLine]:
    """What changed in each saved version, newest first (django-simple-history), for managers."""
    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    lines: list[HistoryLine] = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(lines) == limit:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=["version", "pooled_from"])
            for change in delta.changes:
                field = Customer._meta.get_field(change.field)
                # The history tracks the concrete fields only: a diff never names a reverse relation.
                assert isinstance(field, Field), f"history diff names {change.field}, not a concrete field"
                changes.append((str(field.verbose_name), change.old, change.new))
        lines.append(
            HistoryLine(
                when=newer.history_date, who=newer.history_user, kind=newer.get_history_type_display(), changes=changes
            )
        )
    return lines


# --- duplicates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    """A customer that looks like the one being typed. ``customer`` is None when it is outside the
    user's scope: then only the fact that it exists may be shown, never its details."""

    reason: str  # "phone" or "name"
    customer: Customer | None


def duplicate_candidates(
    *, phone: str = "", unit_name: str = "", district: str = "", exclude_pk: int | None = None
) -> QuerySet[Customer]:
    """Customers (of anyone) with the same normalised phone, or the same unit name in the same district."""
    normalised = normalise_phone(phone)
    condition = Q()
    if normalised:
        # Q | Exists is a Q in Django (Q._combine takes any conditional expression); django-stubs
        # types it as Combinable through Exists.__ror__.
        condition |= Q(phone=normalised) | Exists(  # type: ignore[assignment]
            Contact.objects.filter(Q(mobile=normalised) | Q(phone=normalised), customer=OuterRef("pk"))
        )
    unit_name = (unit_name or "").strip()
    district = (district or "").strip()
    if unit_name and district:
        condition |= Q(unit_name=unit_name, district=district)
    if not condition:
        return Customer.objects.none()
    candidates = Customer.objects.filter(condition)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return candidates.order_by("pk")


def duplicates_for(
    *, user: User, phone: str = "", unit_name: str = "", district: str = "", exclude_pk: int | None = None
) -> list[DuplicateMatch]:
    """The duplicates that refuse a registration, as ``user`` may see them (details only for customers in
    their scope): the same normalised phone (the customer's or a contact's), or the same name key where
    the places do not tell the two apart (``duplicates.lookup``; similar names are only suggested)."""
    candidates = find_duplicates(
        user=user, unit_name=unit_name, phones=[phone] if phone else [], district=district, exclude_pk=exclude_pk
    )
    return [
        DuplicateMatch(
            reason="phone" if any(r.kind == ReasonKind.PHONE for r in candidate.reasons) else "name",
            customer=candidate.customer,
        )
        for candidate in candidates
        if candidate.matched_by_phone_or_name
    ]


# --- queues -------------------------------------------------------------------------------------


def customers_to_be_assigned(*, user: User) -> QuerySet[Customer]:
    """The queue managers work: customers nobody holds that are not in the public pool (routing found
    no territory, or no owner for it). Admin and managers see the whole queue; it shows only what is
    needed to place a customer."""
    if not (user.sees_everything or user.is_manager):
        return Customer.objects.none()
    return (
        Customer.objects.filter(owner__isnull=True, pooled_at__isnull=True)
        .select_related("channel_type", "owner")
        .order_by("created_at", "pk")
    )


def customers_to_be_assigned_count(*, user: User) -> int:
    """How many customers wait in the queue (for the start pages of managers and the admin): one query."""
    return customers_to_be_assigned(user=user).order_by().count()


def branch_paths_of(*, user: User) -> list[str]:
    """Paths of the county branches above the territories ``user`` owns now (for a manager: their team owns)."""
    assignments = TerritoryAssignment.objects.current()
    if user.is_salesperson:
        assignments = assignments.filter(salesperson=user)
    elif user.is_manager:
        assignments = assignments.filter(salesperson__team__manager=user)
    else:
        return []
    paths = assignments.values_list("territory__path", flat=True)
    ancestor_ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return list(
        Territory.objects.filter(pk__in=ancestor_ids, kind=Territory.Kind.BRANCH).values_list("path", flat=True)
    )


def public_pool_for(*, user: User) -> QuerySet[Customer]:
    """Pooled customers ``user`` may see in the pool: those of the branches they work in (admin: all)."""
    pooled = Customer.objects.filter(pooled_at__isnull=False, owner__isnull=True)
    if user.sees_everything:
        return pooled
    paths = branch_paths_of(user=user)
    if not paths:
        return Customer.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(territory__path__startswith=path)
    return pooled.filter(condition)


def owner_choices_for(*, user: User) -> QuerySet[User]:
    """Whom ``user`` may filter the list by, or give a customer to: admin all salespeople, a manager
    their teams' salespeople, a salesperson themselves."""
    salespeople = User.objects.filter(role=User.Role.SALESPERSON, is_active=True).order_by("username")
    if user.sees_everything:
        return salespeople
    if user.is_manager:
        return salespeople.filter(team__manager=user)
    return salespeople.filter(pk=user.pk)


def routed_elsewhere_message(customer: Customer) -> str:
    """What a registrar is told when the customer went to someone else's territory, or to the queue."""
    if customer.owner is None:
        return _("Customer registered. No territory with a salesperson matched: it waits in the managers' queue.")
    return _("Customer registered and given to %(owner)s (%(territory)s), whose territory it is.") % {
        "owner": customer.owner,
        "territory": customer.territory,
    }


# --- the customer export (registered with crm.exports from AppConfig.ready) ------------------------------


def customer_export_header() -> list[str]:
    return [
        _("Unit name"),
        _("Phone"),
        _("District"),
        _("Address"),
        _("Channel type"),
        _("Business type"),
        _("Source"),
        _("Status"),
        _("Intent"),
        _("Territory"),
        _("Owner"),
        _("Current insurer"),
        _("Renewal month"),
        _("Vehicle type"),
        _("Number of vehicles"),
        _("Registered"),
    ]


EXPORT_CHUNK = 2_000


def customer_export_rows(customers: QuerySet[Customer]) -> Iterator[list[Any]]:
    """The export's rows, streamed in chunks as plain values (no model instance, no query per row)."""
    # Labels translated once, not once per row.
    sources = {key: str(label) for key, label in Customer.Source.choices}
    statuses = {key: str(label) for key, label in Customer.Status.choices}
    vehicle_types = {key: str(label) for key, label in Customer.VehicleType.choices}
    local = timezone.get_current_timezone()
    values = (
        customers.select_related(None)
        .annotate(phone_text=Cast("phone", output_field=CharField()))
        .values_list(
            "unit_name",
            "phone_text",
            "district",
            "address",
            "channel_type__name",
            "business_type",
            "source",
            "status",
            "intent",
            "territory__name",
            "owner__last_name",
            "owner__first_name",
            "owner__username",
            "current_insurer",
            "renewal_month",
            "vehicle_type",
            "vehicle_count",
            "created_at",
        )
    )
    for (
        unit_name,
        phone,
        district,
        address,
        channel_type,
        business_type,
        source,
        status,
        intent,
        territory,
        owner_last,
        owner_first,
        owner_username,
        insurer,
        renewal_month,
        vehicle_type,
        vehicle_count,
        created_at,
    ) in values.iterator(chunk_size=EXPORT_CHUNK):
        # As User.__str__ says it: the full name, family name first, else the username.
        owner = (f"{owner_last}{owner_first}".strip() or owner_username) if owner_username else ""
        yield [
            unit_name,
            phone or "",
            district,
            address,
            channel_type or "",
            business_type,
            sources.get(source, source),
            statuses.get(status, status),
            intent,
            territory or "",
            owner,
            insurer,
            renewal_month,
            vehicle_types.get(vehicle_type, "") if vehicle_type else "",
            vehicle_count,
            created_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
        ]

"""Reads of the maps: the customers a person sees as points, and a salesperson's check-ins of one day.

Positions are read as stored (WGS-84); moving them onto a provider's tiles is the caller's (crm.coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.customers.querysets import CustomerQuerySet
from crm.errors import NotFound
from crm.models import User
from visits.models import Visit
from visits.trust import TrustFlag, trust_flags, with_trust

# --- the customer map ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerPoint:
    id: int
    name: str
    intent: str
    status: str
    address: str
    district: str
    owner_id: int | None
    latitude: Decimal
    longitude: Decimal
    last_visit_at: datetime | None


@dataclass(frozen=True)
class CustomerMap:
    points: list[CustomerPoint]
    # More customers with a position matched than ``limit``: the first ``limit`` by id are in ``points``.
    truncated: bool
    limit: int
    # Customers of the same selection (filters, not the box) that have no position yet.
    without_position: int
    bbox: BoundingBox | None = None


@dataclass(frozen=True)
class BoundingBox:
    """A box on the map in WGS-84 degrees. It does not cross the 180th meridian (no field sales does)."""

    west: float
    south: float
    east: float
    north: float

    def as_list(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


def _located() -> Q:
    return Q(latitude__isnull=False, longitude__isnull=False)


def customer_map(*, rows: CustomerQuerySet, user: User, bbox: BoundingBox | None, limit: int) -> CustomerMap:
    """The customers ``user`` sees among ``rows`` (the customer list's filters over
    ``accounts.customers.selectors.customer_rows_for_list``, the visibility not applied yet, so what a person
    sees on the map is what the list shows them) as points.

    Two queries whatever the numbers: the located ones in the box, the first ``limit`` (+1 to know there are
    more) by id with the date of their latest visit (one index-only probe each), and the count of those
    without a position. Both take each branch of the visibility rule by itself with the filters inside
    (``visible_slice``, ``visible_count``): ``id IN (UNION)`` made PostgreSQL hash-join the visible ids to
    every customer of the company (a seq scan of 200,000 rows, twice, for a manager's map).
    """
    rows = rows.order_by()
    located = rows.filter(_located())
    if bbox is not None:
        located = located.filter(
            latitude__gte=bbox.south, latitude__lte=bbox.north, longitude__gte=bbox.west, longitude__lte=bbox.east
        )
    first = located.order_by("pk").visible_slice(user, 0, limit + 1)
    last_visit = Visit.objects.filter(customer_id=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1]
    rows_of_page = list(
        first.annotate(last_visit_at=Subquery(last_visit)).values_list(
            "pk",
            "unit_name",
            "intent",
            "status",
            "address",
            "district",
            "owner_id",
            "latitude",
            "longitude",
            "last_visit_at",
        )
    )
    points = []
    for pk, name, intent, status, address, district, owner_id, latitude, longitude, last_visit_at in rows_of_page[
        :limit
    ]:
        assert latitude is not None and longitude is not None  # _located()
        points.append(
            CustomerPoint(pk, name, intent, status, address, district, owner_id, latitude, longitude, last_visit_at)
        )
    without_position = rows.exclude(_located()).visible_count(user)
    return CustomerMap(
        points=points, truncated=len(rows_of_page) > limit, limit=limit, without_position=without_position, bbox=bbox
    )


# --- the day's track --------------------------------------------------------------------------------------


def trackable_salespeople(*, viewer: User) -> QuerySet[User]:
    """Whose day ``viewer`` may see on the map: the admin everyone's, a manager their teams' salespeople's,
    a salesperson their own. Nobody else's (info staff: nobody)."""
    salespeople = User.objects.filter(role=User.Role.SALESPERSON).order_by("username")
    if viewer.sees_everything:
        return salespeople
    if viewer.is_manager:
        return salespeople.filter(team__manager=viewer)
    if viewer.is_salesperson:
        return salespeople.filter(pk=viewer.pk)
    return salespeople.none()


@dataclass(frozen=True)
class TrackStop:
    number: int  # 1, 2, … in time order, counting the check-ins without a position too
    visit: Visit
    flags: list[TrustFlag] = field(default_factory=list)

    @property
    def located(self) -> bool:
        return self.visit.latitude is not None and self.visit.longitude is not None


@dataclass(frozen=True)
class DayTrack:
    salesperson: User
    day: date
    stops: list[TrackStop]

    @property
    def located_stops(self) -> list[TrackStop]:
        return [stop for stop in self.stops if stop.located]


def day_track(*, viewer: User, salesperson_id: int, day: date) -> DayTrack:
    """The salesperson's check-ins (visits logged) on ``day`` in time order, each with the flags of the
    manager's review (visits.trust). Only what was logged: there is no background tracking to show.

    A salesperson outside ``trackable_salespeople(viewer)`` is NotFound (404, as if missing). Two queries.
    """
    salesperson = trackable_salespeople(viewer=viewer).filter(pk=salesperson_id).first()
    if salesperson is None:
        raise NotFound
    visits = (
        with_trust(Visit.objects.visible_to(viewer).filter(salesperson_id=salesperson.pk, visited_on=day))
        .select_related("customer")
        .order_by("visited_at", "pk")
    )
    stops = [TrackStop(number=index, visit=visit, flags=trust_flags(visit)) for index, visit in enumerate(visits, 1)]
    return DayTrack(salesperson=salesperson, day=day, stops=stops)

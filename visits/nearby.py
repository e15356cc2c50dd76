"""Customers near me: the customers a person may see around a point, nearest first, with their last visit.

Two queries whatever the data size: (1) the visible customers inside the bounding box of the circle, read
through the index on (latitude, longitude), ordered in SQL by a flat-earth distance (exact enough to
order points a few kilometres apart) and cut to a few more than asked; (2) the last visit of those.
The exact great-circle distance (``visits.geo.haversine_m``) is computed for the cut rows only, which
also drops the box's corners beyond the radius. No per-row Python over the whole table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, FloatField, Max, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from crm.models import User
from crm.params import BadParameter, number_param, whole_number_param
from visits.geo import EARTH_RADIUS_M, haversine_m
from visits.models import Visit
from visits.trust import distance_text

RADIUS_CHOICES_M = (500, 1000, 2000, 5000)
DEFAULT_RADIUS_M = 1000
MAX_RADIUS_M = 5000
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Rows read beyond the limit, so that the exact distance decides the last places, not the flat-earth one.
MARGIN = 10
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
# A phone's fix worse than this says where the town is, not the street: the page says distances are rough.
ROUGH_ACCURACY_M = 500
DISTRICT_LIST_LIMIT = 100


def radius_label(meters: int) -> str:
    """500 m, 1 km, 2.5 km: a distance chosen, not measured (no "1.0 km")."""
    if meters < 1000:
        return distance_text(meters)
    return _("%(distance)s km") % {"distance": f"{meters / 1000:g}"}


@dataclass(frozen=True)
class NearbyQuery:
    latitude: float
    longitude: float
    radius_m: int
    limit: int
    accuracy_m: int | None = None

    @property
    def radius_label(self) -> str:
        return radius_label(self.radius_m)

    @property
    def rough(self) -> bool:
        return self.accuracy_m is not None and self.accuracy_m > ROUGH_ACCURACY_M


@dataclass(frozen=True)
class NearbyCustomer:
    customer: Customer
    distance_m: int | None
    last_visit_on: date | None


def nearby_query(params: Mapping[str, str], *, required: bool = False) -> NearbyQuery | None:
    """Read ``latitude``, ``longitude`` (WGS-84 degrees), ``radius`` (metres, at most 5 km), ``limit`` and
    ``accuracy`` (metres, the phone's) from an address; None when no position is given and none is
    ``required``. A bad value: BadParameter (400, with what is wrong), nothing is looked up."""
    latitude = number_param(
        params, "latitude", minimum=-90, maximum=90, out_of_range=_("The latitude must lie between -90 and 90 degrees.")
    )
    longitude = number_param(
        params,
        "longitude",
        minimum=-180,
        maximum=180,
        out_of_range=_("The longitude must lie between -180 and 180 degrees."),
    )
    radius = whole_number_param(
        params,
        "radius",
        minimum=1,
        maximum=MAX_RADIUS_M,
        default=DEFAULT_RADIUS_M,
        out_of_range=_("The radius is given in metres, from 1 to %(maximum)s (5 km)."),
    )
    limit = whole_number_param(params, "limit", minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT)
    accuracy = number_param(params, "accuracy", minimum=0, maximum=1_000_000)
    if latitude is None and longitude is None:
        if required:
            raise BadParameter("latitude", _("Give the position: latitude and longitude, in degrees (WGS-84)."))
        return None
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise BadParameter(missing, _("Give both latitude and longitude, in degrees (WGS-84)."))
    assert radius is not None and limit is not None  # they have defaults
    return NearbyQuery(latitude, longitude, radius, limit, None if accuracy is None else round(accuracy))


def _box(query: NearbyQuery) -> Q:
    """The bounding box of the circle, on the stored columns (so the index is used). A metre wider than the
    radius: distances are whole metres, so a customer 111.2 m away is within a radius of 111."""
    d_lat = (query.radius_m + 1) / METRES_PER_DEGREE
    cos_lat = math.cos(math.radians(min(abs(query.latitude) + d_lat, 90.0)))
    d_lon = 180.0 if cos_lat < 1e-6 else min(180.0, d_lat / cos_lat)
    quantum = Decimal("0.000001")

    def deg(value: float) -> Decimal:
        return Decimal(repr(value)).quantize(quantum)

    box = Q(latitude__gte=deg(max(-90.0, query.latitude - d_lat)), latitude__lte=deg(min(90.0, query.latitude + d_lat)))
    west, east = query.longitude - d_lon, query.longitude + d_lon
    if d_lon >= 180.0:
        return box & Q(longitude__isnull=False)
    if west < -180.0:  # the box crosses the antimeridian: two ranges
        return box & (Q(longitude__gte=deg(west + 360.0)) | Q(longitude__lte=deg(east)))
    if east > 180.0:
        return box & (Q(longitude__gte=deg(west)) | Q(longitude__lte=deg(east - 360.0)))
    return box & Q(longitude__gte=deg(west), longitude__lte=deg(east))


def _with_last_visits(*, user: User, customers: list[Customer]) -> dict[int, date]:
    """The day of each customer's latest visit the user may see (one query)."""
    if not customers:
        return {}
    rows = (
        Visit.objects.visible_to(user)
        .filter(customer_id__in=[customer.pk for customer in customers])
        .values("customer_id")
        .annotate(last=Max("visited_on"))
        .values_list("customer_id", "last")
    )
    return dict(rows)


def _rows(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    return queryset.select_related("owner").only(
        "pk",
        "unit_name",
        "district",
        "address",
        "intent",
        "latitude",
        "longitude",
        "location_source",
        "owner__username",
        "owner__first_name",
        "owner__last_name",
    )


def nearby_customers(*, user: User, query: NearbyQuery) -> list[NearbyCustomer]:
    """The customers ``user`` sees (``visible_to``, as the customer list) within ``query.radius_m`` of the
    point, nearest first (ties by id), at most ``query.limit``, each with its distance in whole metres and
    the day of its last visit the user may see. Two queries."""
    k = math.cos(math.radians(query.latitude)) ** 2
    d_lat = Cast(F("latitude"), FloatField()) - Value(query.latitude)
    d_lon = Cast(F("longitude"), FloatField()) - Value(query.longitude)
    # The box's nearest visible ids, from the position index alone (it holds what visibility reads), then
    # those few rows: one query.
    nearest = (
        Customer.objects.visible_to(user)
        .filter(_box(query))
        .annotate(flat_distance=d_lat * d_lat + d_lon * d_lon * Value(k))
        .order_by("flat_distance", "pk")
        .values("pk")[: query.limit + MARGIN]
    )
    candidates = list(_rows(Customer.objects.filter(pk__in=nearest)))
    measured = []
    for customer in candidates:
        assert customer.latitude is not None and customer.longitude is not None  # inside the box
        distance = haversine_m(query.latitude, query.longitude, customer.latitude, customer.longitude)
        if distance <= query.radius_m:
            measured.append((distance, customer.pk, customer))
    measured.sort(key=lambda row: (row[0], row[1]))
    chosen = measured[: query.limit]
    last_visits = _with_last_visits(user=user, customers=[customer for _d, _pk, customer in chosen])
    return [NearbyCustomer(customer, distance, last_visits.get(customer.pk)) for distance, _pk, customer in chosen]


def customers_in_district(*, user: User, district: str, limit: int = DEFAULT_LIMIT) -> list[NearbyCustomer]:
    """Without a position: the visible customers of one district, by name, with their last visit (two queries)."""
    customers = list(
        _rows(Customer.objects.visible_to(user).filter(district=district)).order_by("unit_name", "pk")[:limit]
    )
    last_visits = _with_last_visits(user=user, customers=customers)
    return [NearbyCustomer(customer, None, last_visits.get(customer.pk)) for customer in customers]


def districts_for(*, user: User) -> list[str]:
    """The districts of the customers ``user`` sees, for picking one by hand (one query)."""
    return list(
        Customer.objects.visible_to(user)
        .exclude(district="")
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()[:DISTRICT_LIST_LIMIT]
    )

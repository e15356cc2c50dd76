"""Segments: saved filters over customers, evaluated set-based within the scope of whoever uses them.

A segment's ``criteria`` hold only the keys of ``CRITERIA``; ``clean_criteria`` keeps and checks them (every
door: the page, the demo, a call list), ``customers_matching`` turns them into one filtered queryset, so the
live count is a single COUNT. Relative values ("next month", "no contact for 30 days") are read on the day
the segment is used, not the day it was saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from campaigns.models import Campaign, PhoneInquiry, Segment
from crm.dates import local_today
from crm.models import User
from territories.models import ChannelType

THIS_MONTH, NEXT_MONTH = "this_month", "next_month"
RENEWAL_CHOICES: list[tuple[str, Any]] = [
    (THIS_MONTH, _("This month")),
    (NEXT_MONTH, _("Next month")),
    *((str(month), str(month)) for month in range(1, 13)),
]
MAX_DAYS = 3650
MAX_VEHICLES = 100_000
# Every key a segment understands; anything else is dropped by clean_criteria.
CRITERIA = (
    "business_type",
    "channel_types",
    "districts",
    "vehicle_types",
    "vehicle_count_min",
    "vehicle_count_max",
    "renewal",
    "intents",
    "no_contact_days",
    "contact_within_days",
    "source_campaign",
)
_SEPARATORS = re.compile(r"[,，、;；\s]+")


def split_districts(text: str) -> list[str]:
    """``"禅城区, 南海区"`` → ``["禅城区", "南海区"]`` (commas, the Chinese 、 and spaces separate)."""
    return [part for part in _SEPARATORS.split(text or "") if part]


def _whole_number(value: Any, *, key: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as error:
        raise ValidationError({key: _("Enter a whole number.")}) from error
    if not low <= number <= high:
        raise ValidationError({key: _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}})
    return number


def _list(value: Any) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def clean_criteria(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The criteria a segment keeps: known keys, checked values, empty ones dropped, lists sorted (so that
    the same filter is stored the same way). Raises ValidationError naming the key of a bad value."""
    raw = raw or {}
    criteria: dict[str, Any] = {}
    business_type = str(raw.get("business_type") or "").strip()[:100]
    if business_type:
        criteria["business_type"] = business_type
    channel_ids = sorted(
        {_whole_number(v, key="channel_types", low=1, high=2**31 - 1) for v in _list(raw.get("channel_types"))}
    )
    if channel_ids:
        if ChannelType.objects.filter(pk__in=channel_ids).count() != len(channel_ids):
            raise ValidationError({"channel_types": _("Choose channels from the list.")})
        criteria["channel_types"] = channel_ids
    districts = sorted({str(d).strip()[:50] for d in _list(raw.get("districts")) if str(d).strip()})
    if districts:
        criteria["districts"] = districts
    vehicle_types = sorted({str(v) for v in _list(raw.get("vehicle_types"))})
    if any(v not in Customer.VehicleType.values for v in vehicle_types):
        raise ValidationError({"vehicle_types": _("Choose vehicle types from the list.")})
    if vehicle_types:
        criteria["vehicle_types"] = vehicle_types
    for key in ("vehicle_count_min", "vehicle_count_max"):
        if raw.get(key) not in (None, ""):
            criteria[key] = _whole_number(raw[key], key=key, low=0, high=MAX_VEHICLES)
    if criteria.get("vehicle_count_min", 0) > criteria.get("vehicle_count_max", MAX_VEHICLES):
        raise ValidationError({"vehicle_count_max": _("The most vehicles cannot be fewer than the fewest.")})
    renewal = str(raw.get("renewal") or "").strip()
    if renewal:
        if renewal not in dict(RENEWAL_CHOICES):
            raise ValidationError({"renewal": _("Choose a renewal month from the list.")})
        criteria["renewal"] = renewal
    intents = sorted({str(v) for v in _list(raw.get("intents"))})
    if any(v not in Customer.Intent.values for v in intents):
        raise ValidationError({"intents": _("Choose intents from the list.")})
    if intents:
        criteria["intents"] = intents
    for key in ("no_contact_days", "contact_within_days"):
        if raw.get(key) not in (None, ""):
            criteria[key] = _whole_number(raw[key], key=key, low=1, high=MAX_DAYS)
    if raw.get("source_campaign") not in (None, ""):
        campaign_id = _whole_number(raw["source_campaign"], key="source_campaign", low=1, high=2**31 - 1)
        if not Campaign.objects.filter(pk=campaign_id).exists():
            raise ValidationError({"source_campaign": _("Choose a campaign from the list.")})
        criteria["source_campaign"] = campaign_id
    return criteria


def renewal_month(value: str, *, today: date) -> int:
    """The month number a renewal criterion means on ``today``: this month, next month, or the month given."""
    if value == THIS_MONTH:
        return today.month
    if value == NEXT_MONTH:
        return today.month % 12 + 1
    return int(value)


def customer_scope(*, user: User) -> QuerySet[Customer]:
    """The customers a segment is evaluated over for ``user``: held or waiting to be assigned (not in the
    public pool), not lost, and within what ``user`` may use. Info staff address the desk's mailings and call
    lists to any such customer with the minimum of its data (name, phone, address: DESIGN §4), as mailings
    always did; managers and salespeople within ``Customer.objects.visible_to``."""
    if not user.is_authenticated:
        return Customer.objects.none()
    if user.sees_everything or user.is_info_staff:
        customers = Customer.objects.all()
    else:
        customers = Customer.objects.visible_to(user)
    return customers.filter(pooled_at__isnull=True).exclude(status=Customer.Status.LOST)


def customers_matching(
    *,
    criteria: Mapping[str, Any],
    customers: QuerySet[Customer],
    today: date | None = None,
    now: datetime | None = None,
) -> QuerySet[Customer]:
    """``customers`` narrowed by cleaned ``criteria``: one queryset, no query run here."""
    today = today or local_today()
    now = now or timezone.now()
    condition = Q()
    if criteria.get("business_type"):
        condition &= Q(business_type__icontains=criteria["business_type"])
    if criteria.get("channel_types"):
        condition &= Q(channel_type_id__in=criteria["channel_types"])
    if criteria.get("districts"):
        condition &= Q(district__in=criteria["districts"])
    if criteria.get("vehicle_types"):
        condition &= Q(vehicle_type__in=criteria["vehicle_types"])
    if criteria.get("vehicle_count_min") is not None:
        condition &= Q(vehicle_count__gte=criteria["vehicle_count_min"])
    if criteria.get("vehicle_count_max") is not None:
        condition &= Q(vehicle_count__lte=criteria["vehicle_count_max"])
    if criteria.get("renewal"):
        condition &= Q(renewal_month=renewal_month(criteria["renewal"], today=today))
    if criteria.get("intents"):
        condition &= Q(intent__in=criteria["intents"])
    if criteria.get("no_contact_days"):
        since = now - timedelta(days=criteria["no_contact_days"])
        condition &= Q(last_activity_at__lt=since) | Q(last_activity_at__isnull=True)
    if criteria.get("contact_within_days"):
        condition &= Q(last_activity_at__gte=now - timedelta(days=criteria["contact_within_days"]))
    matching = customers.filter(condition)
    if criteria.get("source_campaign"):
        brought = PhoneInquiry.objects.filter(customer=OuterRef("pk"), campaign_id=criteria["source_campaign"])
        matching = matching.filter(Exists(brought))
    return matching


def segment_customers_for(*, user: User, segment: Segment, today: date | None = None) -> QuerySet[Customer]:
    """The customers of a saved segment as ``user`` may use them (mailings, call lists, the export)."""
    return customers_matching(criteria=segment.criteria or {}, customers=customer_scope(user=user), today=today)


def segment_count(*, user: User, criteria: Mapping[str, Any]) -> int:
    """The live count while a segment is built: one COUNT query."""
    return customers_matching(criteria=criteria, customers=customer_scope(user=user)).count()


def segments_for_list(*, user: User) -> QuerySet[Segment]:
    return Segment.objects.visible_to(user).select_related("created_by")


def customers_of_segment(*, user: User, segment_id: int) -> QuerySet[Customer] | None:
    """Segment resolver of the customer list, export and API (``accounts.customers.selectors``): the
    segment's customers within ``user``'s scope, or None when ``user`` has no such segment."""
    segment = Segment.objects.visible_to(user).filter(pk=segment_id).first()
    if segment is None:
        return None
    return segment_customers_for(user=user, segment=segment)

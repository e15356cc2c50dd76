"""The maps as GeoJSON (RFC 7946): [longitude, latitude], six decimals.

The API always speaks WGS-84, as RFC 7946 requires. The pages ask for the datum of their tiles
(crm.map_tiles), and say it in a foreign member ``datum``. The DRF serializers below only describe the
answers for the OpenAPI schema; the answers are built by the functions.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from accounts.customers.permissions import pin_placer
from crm.coordinates import WGS84, from_wgs84
from crm.models import User
from visits.map.selectors import CustomerMap, DayTrack

PRECISION = 6
PLACEHOLDER_ID = 987654321


def point_geometry(latitude: Any, longitude: Any, *, datum: str = WGS84) -> dict:
    lat, lng = from_wgs84(float(latitude), float(longitude), datum=datum)
    return {"type": "Point", "coordinates": [round(lng, PRECISION), round(lat, PRECISION)]}


def _local_iso(value, local=None) -> str | None:
    """An aware moment in local time (``local``: the current time zone, looked up once by a caller with many)."""
    return None if value is None else value.astimezone(local or timezone.get_current_timezone()).isoformat()


def customer_features(result: CustomerMap, *, viewer: User, datum: str = WGS84) -> dict:
    """The customer map as a FeatureCollection; foreign members say what was left out: ``truncated`` (more
    matched than ``limit``: ask for a smaller box) and ``without_position`` (how many have no position yet)."""
    # One reverse() for the list, not one per marker (2,000 of them cost a quarter of a second).
    url = reverse("accounts:customer_detail", kwargs={"pk": PLACEHOLDER_ID})
    # Likewise the viewer's role and the time zone are read once, not per marker.
    pin_movable = pin_placer(viewer)
    local = timezone.get_current_timezone()
    features = [
        {
            "type": "Feature",
            "id": point.id,
            "geometry": point_geometry(point.latitude, point.longitude, datum=datum),
            "properties": {
                "id": point.id,
                "name": point.name,
                "intent": point.intent or None,
                "status": point.status,
                "address": point.address,
                "district": point.district,
                "last_visit_at": _local_iso(point.last_visit_at, local),
                "url": url.replace(str(PLACEHOLDER_ID), str(point.id)),
                "pin_movable": pin_movable(point),
            },
        }
        for point in result.points
    ]
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "datum": datum,
        "truncated": result.truncated,
        "limit": result.limit,
        "without_position": result.without_position,
    }
    if result.bbox is not None:
        collection["bbox"] = result.bbox.as_list()
    return collection


def track_features(track: DayTrack, *, datum: str = WGS84) -> dict:
    """The day's check-ins in time order, one Feature each; a check-in without a position has ``geometry``
    null (RFC 7946 §3.2) and keeps its number, so the list and the map count the same way."""
    features = []
    for stop in track.stops:
        visit = stop.visit
        features.append(
            {
                "type": "Feature",
                "id": visit.pk,
                "geometry": point_geometry(visit.latitude, visit.longitude, datum=datum) if stop.located else None,
                "properties": {
                    "number": stop.number,
                    "visit": visit.pk,
                    "visited_at": _local_iso(visit.visited_at),
                    "kind": visit.kind,
                    "kind_label": str(visit.get_kind_display()),
                    "customer": visit.customer_id,
                    "customer_name": visit.customer.unit_name,
                    "accuracy_m": visit.accuracy_m,
                    "distance_m": visit.distance_m,
                    "flags": [{"code": flag.code, "text": str(flag.text)} for flag in stop.flags],
                    "url": reverse("visits:visit_detail", kwargs={"pk": visit.pk}),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "datum": datum,
        "salesperson": track.salesperson.pk,
        "day": track.day.isoformat(),
    }


# --- for the OpenAPI schema only ---------------------------------------------------------------------------


class PointSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, help_text="[longitude, latitude], WGS-84"
    )


class CustomerPropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    intent = serializers.CharField(allow_null=True, help_text="A, B, C, D, or null when not rated yet")
    status = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    district = serializers.CharField(allow_blank=True)
    last_visit_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="The customer's page")
    pin_movable = serializers.BooleanField(help_text="Whether the caller may move this customer's pin")


class CustomerFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointSerializer()
    properties = CustomerPropertiesSerializer()


class CustomerFeatureCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = CustomerFeatureSerializer(many=True)
    datum = serializers.ChoiceField(choices=[WGS84], help_text="Always wgs84 in the API")
    truncated = serializers.BooleanField(help_text="More customers matched than `limit`: ask for a smaller bbox")
    limit = serializers.IntegerField()
    without_position = serializers.IntegerField(help_text="Customers of the same filters without a position yet")
    bbox = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4, required=False)


class TrustFlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["far", "no_position", "accuracy", "travel"])
    text = serializers.CharField()


class TrackPropertiesSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    visit = serializers.IntegerField()
    visited_at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    customer = serializers.IntegerField()
    customer_name = serializers.CharField()
    accuracy_m = serializers.IntegerField(allow_null=True)
    distance_m = serializers.IntegerField(allow_null=True)
    flags = TrustFlagSerializer(many=True)
    url = serializers.CharField(help_text="The visit's page")


class TrackFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointSerializer(allow_null=True)
    properties = TrackPropertiesSerializer()


class TrackFeatureCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = TrackFeatureSerializer(many=True)
    datum = serializers.ChoiceField(choices=[WGS84], help_text="Always wgs84 in the API")
    salesperson = serializers.IntegerField()
    day = serializers.DateField()


class PinSerializer(serializers.Serializer):
    """Where the pin goes, in WGS-84 degrees."""

    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)


class PinAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()

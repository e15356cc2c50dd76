"""REST API of the maps: GeoJSON (RFC 7946, WGS-84) with the same visibility and filters as the pages."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.customers.filters import CustomerFilter
from accounts.customers.selectors import customer_rows_for_list, customers_for_list
from accounts.customers.services import place_customer_pin
from crm.api_filters import FilterBackend
from crm.bounds import window_years_pattern
from crm.dates import local_today
from crm.params import MAX_ID, BadParameter, date_param, id_param
from visits.map.params import BBOX_PATTERN, limit_param
from visits.map.params import bbox_param as read_bbox
from visits.map.selectors import customer_map, day_track
from visits.map.serializers import (
    CustomerFeatureCollectionSerializer,
    PinAnswerSerializer,
    PinSerializer,
    TrackFeatureCollectionSerializer,
    customer_features,
    track_features,
)

FEATURES_DESCRIPTION = """The customers the caller sees (as `/api/customers/`, with its filters) that have a
position, as a GeoJSON FeatureCollection in WGS-84 ([longitude, latitude]), the first `limit` by id.

`truncated` says more matched: ask again with a smaller `bbox` (west,south,east,north) or more filters.
`without_position` counts the customers of the same filters that have no position yet (whatever the bbox)."""

TRACK_DESCRIPTION = """One salesperson's check-ins (visits logged) on one day, in time order, as GeoJSON in
WGS-84: `number` counts them from 1, `flags` are the manager's review flags (far, no_position, accuracy,
travel). A check-in without a position has `geometry` null. Only check-ins: there is no background tracking.
A manager may ask for the salespeople of their teams, the admin for anyone, a salesperson for themselves;
anyone else answers 404."""


class CustomerFeaturesView(GenericAPIView):
    filterset_class = CustomerFilter
    filter_backends = [FilterBackend]
    pagination_class = None

    def get_queryset(self):
        return customers_for_list(user=self.request.user)

    @extend_schema(
        description=FEATURES_DESCRIPTION,
        filters=True,
        parameters=[
            OpenApiParameter(
                "bbox",
                OpenApiTypes.STR,
                pattern=BBOX_PATTERN,
                description="west,south,east,north in WGS-84 degrees; beyond the globe is clamped to it",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": settings.CRM["MAP_FEATURE_LIMIT_MAX"]},
                description="How many at most (by default settings.CRM['MAP_FEATURE_LIMIT'], 2000)",
            ),
        ],
        responses=CustomerFeatureCollectionSerializer,
    )
    def get(self, request: Request) -> Response:
        bbox, limit = read_bbox(request.query_params), limit_param(request.query_params)
        # The list's filters over the rows before the visibility, which customer_map applies branch by branch.
        rows = self.filter_queryset(customer_rows_for_list())
        result = customer_map(rows=rows, user=request.user, bbox=bbox, limit=limit)
        return Response(customer_features(result, viewer=request.user))


class TrackView(APIView):
    @extend_schema(
        description=TRACK_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "salesperson",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                required=True,
                description="The salesperson's id",
            ),
            OpenApiParameter(
                "day", OpenApiTypes.DATE, pattern=window_years_pattern(), description="YYYY-MM-DD; today by default"
            ),
        ],
        responses=TrackFeatureCollectionSerializer,
    )
    def get(self, request: Request) -> Response:
        salesperson_id = id_param(request.query_params, "salesperson")
        if salesperson_id is None:
            raise BadParameter("salesperson", _("Choose a salesperson."))
        day = date_param(request.query_params, "day", default=local_today())
        assert day is not None  # a default is given
        return Response(track_features(day_track(viewer=request.user, salesperson_id=salesperson_id, day=day)))


class CustomerPinView(APIView):
    """Move a customer's pin to a WGS-84 position (the same service as dragging it on the map page): its
    holder, a manager of the team, or the admin. A customer the caller does not see: 404; one they see but
    may not move: 403."""

    @extend_schema(request=PinSerializer, responses=PinAnswerSerializer)
    def post(self, request: Request, pk: int) -> Response:
        serializer = PinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = place_customer_pin(customer_id=pk, by=request.user, **serializer.validated_data)
        assert customer.latitude is not None and customer.longitude is not None  # just placed
        return Response(
            {"id": customer.pk, "latitude": float(customer.latitude), "longitude": float(customer.longitude)}
        )

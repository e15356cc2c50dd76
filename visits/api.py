"""REST API of visits: the same visibility and services as the pages."""

from __future__ import annotations

import json
from collections.abc import Mapping

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from crm.parsers import JSONParser
from visits.filters import VisitFilter
from visits.models import QuotaShortfall, Visit, VisitPhoto
from visits.nearby import DEFAULT_LIMIT, DEFAULT_RADIUS_M, MAX_LIMIT, MAX_RADIUS_M, nearby_customers, nearby_query
from visits.photos import PhotoUpload
from visits.selectors import customers_for_offline_copy, visits_for_list, with_photos
from visits.serializers import (
    NearbyAnswerSerializer,
    QuotaShortfallSerializer,
    RatingSerializer,
    VisitCreateSerializer,
    VisitSerializer,
)
from visits.services import (
    disown_check_in_position,
    explain_shortfall,
    rate_visit,
    record_visit,
    review_shortfall,
    sync_offline_work,
)
from visits.trust import FarCheckInNeedsReason, trust_settings_for


class VisitCursorPagination(CursorPagination):
    """Newest first, 50 a page, no total: ``next`` and ``previous`` are links with an opaque ``cursor``.

    A team has ~100,000 visits; counting them on every page cost more than the page. A cursor also
    stays correct while visits are logged between two pages, and page 2,000 is as fast as page 1.
    """

    page_size = 50
    ordering = ("-visited_at", "-id")


VISIT_LIST_DESCRIPTION = """Visits within the caller's visibility, paged by cursor: newest first, 50 a page.

Follow `next` until it is null; `previous` goes back. The list has no `count` (a team has ~100,000
visits, and counting them cost more than the page): narrow it with the filters (`date_from`,
`date_to`, `salesperson`, ...) rather than by page number. `ordering` changes the order and the
cursor keeps it."""


@extend_schema_view(list=extend_schema(description=VISIT_LIST_DESCRIPTION))
class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits within the caller's visibility. Create goes through record_visit; sending the same
    ``client_id`` again returns the visit stored the first time (200 instead of 201).

    A check-in beyond the team's radius without ``far_reason``: 400 ``{"far_reason": [...], "code":
    "far_reason_required", "distance_m", "radius_m", ...}``. The same customer and kind again within the
    team's window: 409 ``{"detail", "code": "repeat_visit", "visit": id, "visited_at"}``."""

    queryset = Visit.objects.none()  # for the schema; requests use get_queryset
    lookup_value_converter = "int"
    serializer_class = VisitSerializer
    pagination_class = VisitCursorPagination
    filterset_class = VisitFilter
    ordering_fields = ["visited_at", "visited_on"]
    ordering = ["-visited_at", "-id"]

    def get_queryset(self):
        return with_photos(visits_for_list(user=self.request.user)).order_by("-visited_at", "-id")

    def get_serializer_class(self):
        return VisitCreateSerializer if self.action == "create" else VisitSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        incoming = VisitCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        try:
            visit = record_visit(salesperson=request.user, **incoming.validated_data)
        except FarCheckInNeedsReason as error:
            # The field error as for any other field, plus what a phone needs to ask why.
            return Response(error.message_dict | error.details(), status=status.HTTP_400_BAD_REQUEST)
        body = VisitSerializer(
            with_photos(visits_for_list(user=request.user)).get(pk=visit.pk), context=self.get_serializer_context()
        ).data
        return Response(body, status=status.HTTP_200_OK if visit.replayed else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=VisitSerializer)
    @action(detail=True, methods=["post"], url_path="not-at-customer")
    def not_at_customer(self, request: Request, pk: str | None = None) -> Response:
        """The check-in of one's own visit that gave its customer a position was not at the customer: the
        position is forgotten and the visit is no longer a verified check-in (400 when the position no
        longer comes from it)."""
        visit = self.get_object()
        disown_check_in_position(salesperson=request.user, visit_id=visit.pk)
        return Response(
            VisitSerializer(self.get_queryset().get(pk=visit.pk), context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"], serializer_class=RatingSerializer)
    def rating(self, request: Request, pk: str | None = None) -> Response:
        """Rate one's own visit A–D with the obstacles met."""
        visit = self.get_object()
        incoming = RatingSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        rate_visit(visit_id=visit.pk, salesperson=request.user, **incoming.validated_data)
        return Response(
            VisitSerializer(self.get_queryset().get(pk=visit.pk), context=self.get_serializer_context()).data
        )


class QuotaShortfallFilter(django_filters.FilterSet):
    class Meta:
        model = QuotaShortfall
        fields = {"day": ["exact", "gte", "lte"], "status": ["exact"]}


class QuotaShortfallViewSet(viewsets.ReadOnlyModelViewSet):
    """Shortfalls within the caller's visibility; the salesperson explains, the manager reviews."""

    queryset = QuotaShortfall.objects.none()  # for the schema; requests use get_queryset
    lookup_value_converter = "int"
    serializer_class = QuotaShortfallSerializer
    filterset_class = QuotaShortfallFilter
    ordering = ["-day", "salesperson__username"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return QuotaShortfall.objects.none()
        if not (user.is_salesperson or user.is_manager or user.sees_everything):
            raise PermissionDenied
        return QuotaShortfall.objects.visible_to(self.request.user).select_related("salesperson", "reviewed_by")

    @action(detail=True, methods=["post"])
    def explanation(self, request: Request, pk: str | None = None) -> Response:
        shortfall = explain_shortfall(
            shortfall=self.get_object(), salesperson=request.user, explanation=str(request.data.get("explanation", ""))
        )
        return Response(QuotaShortfallSerializer(shortfall).data)

    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        shortfall = review_shortfall(
            shortfall=self.get_object(),
            manager=request.user,
            decision=str(request.data.get("decision") or ""),
            note=str(request.data.get("note", "")),
        )
        return Response(QuotaShortfallSerializer(shortfall).data)


def _json_list(data, key: str) -> list:
    value = data.get(key, [])
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationError({key: "not JSON"}) from exc
    if not isinstance(value, list):
        raise ValidationError({key: "a list is expected"})
    return value


class VisitSyncView(APIView):
    """Entries queued on a phone without signal, sent as one batch.

    JSON ``{"items": [...]}``, or multipart with ``items`` as a JSON string and each entry's photos
    as files named ``camera_photos-<client_id>`` (taken with the camera) or ``photos-<client_id>``
    (picked from the gallery, labelled so on the stamp). Every entry goes through record_visit (same scope and
    validation as the form); the answer lists one result per entry: created, duplicate, conflict
    or invalid (with messages naming the field; an entry without ``client_id`` is invalid, and its
    result's ``client_id`` is null). Sending the same batch again, even concurrently, creates
    nothing and answers each entry with the visit stored the first time.

    ``customers`` (optional, sent first in the same request, so a visit never arrives without its
    customer): customers registered on the phone, each with its ``client_id`` and the quick form's
    fields; a visit names one by ``customer_client_id``. Each answers ``registered``,
    ``routed_elsewhere``, ``duplicate`` (with ``existing``), ``taken`` or ``invalid`` under
    ``"customers"``; a resend answers the same customer.
    """

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        if not request.user.is_salesperson:
            raise PermissionDenied
        if not isinstance(request.data, Mapping) or not ({"items", "customers"} & set(request.data)):
            # A batch names what it carries, even when empty; anything else is not a batch.
            raise ValidationError({"items": [_("Send the batch as items (visits) and/or customers, each a list.")]})
        items = _json_list(request.data, "items")
        customers = _json_list(request.data, "customers")
        photos: dict[str, list] = {}
        for key in request.FILES:
            for prefix, source in (
                ("camera_photos-", VisitPhoto.Source.CAMERA),
                ("photos-", VisitPhoto.Source.GALLERY),
            ):
                if key.startswith(prefix):
                    photos.setdefault(key.removeprefix(prefix), []).extend(
                        PhotoUpload(file, source) for file in request.FILES.getlist(key)
                    )
        answer = sync_offline_work(salesperson=request.user, customers=customers, items=items, photos=photos)
        return Response(answer)


class OfflineCustomersView(APIView):
    """The copy of the salesperson's customers kept on the phone for offline use: their scope only,
    capped (settings.CRM["OFFLINE_CUSTOMER_LIMIT"], most recently worked first)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        if not request.user.is_salesperson:
            raise PermissionDenied
        rows = [
            {
                "id": row["pk"],
                "name": row["unit_name"],
                "district": row["district"],
                "intent": row["intent"],
                "version": row["version"],
                "lat": None if row["latitude"] is None else float(row["latitude"]),
                "lng": None if row["longitude"] is None else float(row["longitude"]),
                # The kind the visit form starts with: first visit only for a customer never visited.
                "default_kind": Visit.Kind.SECOND if row["visited_before"] else Visit.Kind.FIRST,
            }
            for row in customers_for_offline_copy(user=request.user)
        ]
        return Response(
            {
                "customers": rows,
                "synced_at": timezone.now().isoformat(),
                "user": request.user.pk,
                # Beyond this the phone can ask for the reason before sending (the server asks anyway).
                "check_in_radius_m": trust_settings_for(request.user).radius_m,
            }
        )


class NearbyCustomersView(APIView):
    """Customers near a point, nearest first: those the caller may see (as ``/api/customers/``), within
    ``radius`` metres (at most 5 km) of ``latitude``/``longitude`` (WGS-84, as a phone gives them), at most
    ``limit``, each with its distance and its last visit. Only customers whose position is known. A
    missing, non-numeric or out-of-range value answers 400 naming the parameter."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "latitude", {"type": "number", "minimum": -90, "maximum": 90}, required=True, description="WGS-84"
            ),
            OpenApiParameter(
                "longitude", {"type": "number", "minimum": -180, "maximum": 180}, required=True, description="WGS-84"
            ),
            OpenApiParameter(
                "radius",
                {"type": "integer", "minimum": 1, "maximum": MAX_RADIUS_M, "default": DEFAULT_RADIUS_M},
                description="metres",
            ),
            OpenApiParameter(
                "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
            ),
        ],
        responses=NearbyAnswerSerializer,
    )
    def get(self, request: Request) -> Response:
        query = nearby_query(request.query_params, required=True)
        assert query is not None  # required: a missing position is a BadParameter
        rows = nearby_customers(user=request.user, query=query)
        answer = {"latitude": query.latitude, "longitude": query.longitude, "radius_m": query.radius_m, "results": rows}
        return Response(NearbyAnswerSerializer(answer).data)


router = SimpleRouter(trailing_slash=True, use_regex_path=False)
router.register("visits", VisitViewSet, basename="visit")
router.register("quota-shortfalls", QuotaShortfallViewSet, basename="quota-shortfall")

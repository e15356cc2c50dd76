"""REST API of the plan: the stops (list, plan, move, purpose, take off), a person's day in route order, and
plan against visits per person and week. The same visibility and services as the pages."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.bounds import window_years_pattern
from crm.dates import week_start
from crm.models import User
from crm.params import date_param
from crm.permissions import has_role
from visits.models import RoutePlan, RouteStop
from visits.plans.selectors import (
    StopStatus,
    person_day,
    plan_against_visits,
    salespeople_in_view,
    stops_with_status,
)
from visits.plans.services import PlanChange, add_to_plan, move_stop, remove_stop, update_stop_note

NOTE_MAX_LENGTH = RouteStop._meta.get_field("note").max_length
STATUS_CHOICES = [(code, label) for code, label in StopStatus.LABELS.items()]


def _require_field_role(request: Request) -> None:
    if not has_role(request.user, User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN):
        raise PermissionDenied


class NavigationSerializer(serializers.Serializer):
    amap = serializers.URLField()
    baidu = serializers.URLField()
    apple = serializers.URLField()


class PlanStopSerializer(serializers.ModelSerializer):
    day = serializers.DateField(source="plan.day", read_only=True)
    salesperson = serializers.IntegerField(source="plan.salesperson_id", read_only=True)
    customer_name = serializers.CharField(source="customer.unit_name", read_only=True)
    status = serializers.ChoiceField(choices=STATUS_CHOICES, read_only=True)

    class Meta:
        model = RouteStop
        fields = [
            "id",
            "day",
            "salesperson",
            "customer",
            "customer_name",
            "position",
            "distance_from_previous_m",
            "note",
            "reason",
            "status",
        ]
        read_only_fields = fields


class PlanChangeSerializer(PlanStopSerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(PlanStopSerializer.Meta):
        fields = [*PlanStopSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class AddStopSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    day = serializers.DateField()
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class MoveStopSerializer(serializers.Serializer):
    day = serializers.DateField()


class StopNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


class PlanStopFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(field_name="plan__day")
    day_from = django_filters.DateFilter(field_name="plan__day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="plan__day", lookup_expr="lte")
    salesperson = django_filters.ModelChoiceFilter(
        field_name="plan__salesperson", queryset=User.objects.filter(role=User.Role.SALESPERSON)
    )
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES)

    class Meta:
        model = RouteStop
        fields = ["day", "day_from", "day_to", "salesperson", "customer", "status"]


class PlanStopViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Planned stops 拜访计划 the caller may see: a salesperson their own, a manager their teams', the admin all;
    each with its ``status`` (visited: a visit to the customer by the salesperson that day; missed: the day has
    passed without one; open). Newest day first, then route order.

    A salesperson plans (POST: ``customer``, ``day``, ``note``), moves (``move/``: ``day``), sets the purpose
    (PATCH ``note``) and takes off (DELETE) their own stops of today up to the end of next week. A past day, a
    customer already planned that day or a full day: 400 with ``detail`` and ``code`` (``day_past``,
    ``day_too_far``, ``already_planned``, ``day_full``); a customer or stop they do not see: 404. A day off or
    a day of leave is planned with ``warnings``."""

    queryset = RouteStop.objects.none()  # for the schema; requests use get_queryset
    lookup_value_converter = "int"
    serializer_class = PlanStopSerializer
    filterset_class = PlanStopFilter
    ordering_fields = ["id", "position"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RouteStop.objects.none()
        _require_field_role(self.request)
        plans = RoutePlan.objects.visible_to(self.request.user).values("pk")
        return (
            stops_with_status(RouteStop.objects.filter(plan__in=plans), today=timezone.localdate())
            .select_related("plan", "customer")
            .order_by("-plan__day", "plan__salesperson_id", "position", "id")
        )

    def _answer(self, stop_id: int, *, warnings: list[str] | None = None, code: int = status.HTTP_200_OK) -> Response:
        stop = self.get_queryset().get(pk=stop_id)
        body = PlanStopSerializer(stop, context=self.get_serializer_context()).data
        return Response(body | {"warnings": warnings or []}, status=code)

    @extend_schema(request=AddStopSerializer, responses={201: PlanChangeSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        incoming = AddStopSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        change: PlanChange = add_to_plan(
            salesperson=request.user,
            customer_id=incoming.validated_data["customer"],
            day=incoming.validated_data["day"],
            note=incoming.validated_data["note"],
        )
        return self._answer(change.stop.pk, warnings=change.warnings, code=status.HTTP_201_CREATED)

    @extend_schema(request=StopNoteSerializer, responses={200: PlanChangeSerializer})
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        stop = self.get_object()
        incoming = StopNoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        update_stop_note(salesperson=request.user, stop_id=stop.pk, note=incoming.validated_data["note"])
        return self._answer(stop.pk)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        remove_stop(salesperson=request.user, stop_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MoveStopSerializer, responses={200: PlanChangeSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the stop to another day (today up to the end of next week); both days are put in route order."""
        stop = self.get_object()
        incoming = MoveStopSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        change = move_stop(salesperson=request.user, stop_id=stop.pk, day=incoming.validated_data["day"])
        return self._answer(change.stop.pk, warnings=change.warnings)


# --- a person's day, plan against visits -----------------------------------------------------------------


class DayStopSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="stop.pk")
    position = serializers.IntegerField(source="stop.position")
    customer = serializers.IntegerField(source="stop.customer_id")
    customer_name = serializers.CharField(source="stop.customer.unit_name")
    latitude = serializers.DecimalField(
        source="stop.customer.latitude", max_digits=9, decimal_places=6, allow_null=True
    )
    longitude = serializers.DecimalField(
        source="stop.customer.longitude", max_digits=9, decimal_places=6, allow_null=True
    )
    distance_from_previous_m = serializers.IntegerField(source="stop.distance_from_previous_m", allow_null=True)
    note = serializers.CharField(source="stop.note")
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    navigation = NavigationSerializer(source="links", allow_null=True)


class DayVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.unit_name")
    kind = serializers.CharField()
    visited_at = serializers.DateTimeField()


class CountsSerializer(serializers.Serializer):
    planned = serializers.IntegerField()
    made = serializers.IntegerField(help_text="Planned stops visited that day.")
    missed = serializers.IntegerField(help_text="Planned stops whose day passed without a visit (not on leave).")
    on_leave = serializers.IntegerField(help_text="Planned stops not visited on a day of the salesperson's leave.")
    open = serializers.IntegerField(help_text="Planned stops of today or later not visited yet.")
    unplanned = serializers.IntegerField(help_text="Visits that day to customers not planned that day.")


class PersonDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    salesperson = serializers.IntegerField(source="salesperson.pk")
    name = serializers.CharField(source="salesperson.__str__")
    counts = CountsSerializer()
    stops = DayStopSerializer(many=True, source="plan.in_order")
    unplanned_visits = DayVisitSerializer(many=True, source="unplanned")


class PlanDayView(APIView):
    """One salesperson's plan of a day (``?day=``, today by default): the stops still to visit in route order
    first, then the visited and missed ones, each with the links that open the phone's navigation app (Amap,
    Baidu Maps, Apple Maps); and the visits made off the plan. A salesperson asks for themself, a manager for
    their teams' salespeople, the admin for anyone; anyone else is a 404."""

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, pattern=window_years_pattern())],
        responses=PersonDaySerializer,
    )
    def get(self, request: Request, salesperson_pk: int) -> Response:
        _require_field_role(request)
        today = timezone.localdate()
        day = date_param(request.query_params, "day", default=today)
        assert day is not None
        person = person_day(user=request.user, salesperson_id=salesperson_pk, day=day, today=today)
        return Response(PersonDaySerializer(person).data)


class PersonWeekDaySerializer(CountsSerializer):
    day = serializers.DateField()


class PersonWeekSerializer(serializers.Serializer):
    salesperson = serializers.IntegerField(source="salesperson.pk")
    name = serializers.CharField(source="salesperson.__str__")
    days = PersonWeekDaySerializer(many=True)
    total = CountsSerializer()


class PeoplePagination(PageNumberPagination):
    page_size = 50


class PlanAgainstVisitsView(APIView):
    """Plan against visits for the week containing ``?week=`` (this week by default): per salesperson the
    user sees (a salesperson themself, a manager their teams, the admin everyone), paged by person, each day
    and the week's total of stops planned, made as planned, missed, still open, and visits off the plan."""

    pagination_class = PeoplePagination

    @extend_schema(
        parameters=[OpenApiParameter("week", OpenApiTypes.DATE, pattern=window_years_pattern())],
        responses=PersonWeekSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_field_role(request)
        today = timezone.localdate()
        # Any day of the week (in the date window; its Monday may lie just before it).
        week = week_start(date_param(request.query_params, "week", default=today) or today)
        paginator = self.pagination_class()
        people = paginator.paginate_queryset(salespeople_in_view(user=request.user), request, view=self)
        rows = plan_against_visits(people=people or [], week=week, today=today)
        data = [
            {
                "salesperson": row.salesperson,
                "days": [_counts(counts) | {"day": day} for day, counts in row.days],
                "total": _counts(row.total),
            }
            for row in rows
        ]
        return paginator.get_paginated_response(PersonWeekSerializer(data, many=True).data)


def _counts(counts) -> dict:
    return {
        "planned": counts.planned,
        "made": counts.made,
        "missed": counts.missed,
        "on_leave": counts.on_leave,
        "open": counts.open,
        "unplanned": counts.unplanned,
    }

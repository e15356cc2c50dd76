"""API of the daily reports: the same visibility and services as the pages.

``/api/daily-reports/``: the reports the caller sees (a salesperson their own, a manager their teams', the
admin all), POST submits one's report of a day; ``/api/daily-reports/{id}/``: one report with its comments
and the day's figures as they are now, PATCH changes its texts; ``…/{id}/comments/``: add to its thread;
``/api/daily-reports/team-day/?day=``: a manager's (or the admin's) page of a day's reports and who has not
submitted."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from crm.bounds import window_years_pattern
from crm.models import User
from crm.params import date_param, page_param
from crm.parsers import JSONParser
from crm.permissions import has_role
from visits.reports.models import DailyReport
from visits.reports.selectors import day_figures, reports_for_list, reports_with_comments, team_reports_of_day
from visits.reports.serializers import (
    DailyReportCommentInputSerializer,
    DailyReportCommentSerializer,
    DailyReportDetailSerializer,
    DailyReportSerializer,
    DailyReportSubmitSerializer,
    DailyReportTextsSerializer,
    TeamDaySerializer,
)
from visits.reports.services import comment_on_daily_report, edit_daily_report, submit_daily_report
from visits.tasks import default_quota_day


class DailyReportFilter(django_filters.FilterSet):
    class Meta:
        model = DailyReport
        fields = {"day": ["exact", "gte", "lte"], "salesperson": ["exact"]}


def _day_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter("day", OpenApiTypes.DATE, pattern=window_years_pattern(), description=description)


class DailyReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Daily reports 日报 within the caller's visibility (a hidden one answers 404).

    POST (a salesperson): submit the report of ``day`` (default today) with the three texts; in a team on
    daily forms it hands in the day's forms too. A visit of the day still unrated: 400 naming it. The same
    texts again answer the report stored first (200 instead of 201); other texts: 400 (PATCH them)."""

    queryset = DailyReport.objects.none()  # for the schema; requests use get_queryset
    lookup_value_converter = "int"
    serializer_class = DailyReportSerializer
    filterset_class = DailyReportFilter
    ordering_fields = ["day", "submitted_at"]
    ordering = ["-day", "salesperson__username", "pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # JSON only: a form field sent empty would read as "not given" and slip past the schema's types.
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailyReport.objects.none()
        if self.action in ("retrieve", "partial_update"):
            return reports_with_comments(user=self.request.user)
        return reports_for_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("retrieve", "partial_update"):
            return DailyReportDetailSerializer
        if self.action == "create":
            return DailyReportSubmitSerializer
        return DailyReportSerializer

    def _detail(self, report_id: int) -> Response:
        report = reports_with_comments(user=self.request.user).get(pk=report_id)
        return Response(self._detail_data(report))

    def _detail_data(self, report: DailyReport) -> dict:
        current = day_figures(salesperson_ids=[report.salesperson_id], day=report.day)
        return DailyReportDetailSerializer(report, context={"current_figures": current}).data

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(self._detail_data(self.get_object()))

    @extend_schema(
        request=DailyReportSubmitSerializer,
        responses={200: DailyReportDetailSerializer, 201: DailyReportDetailSerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        incoming = DailyReportSubmitSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = submit_daily_report(salesperson=request.user, **incoming.validated_data)
        response = self._detail(report.pk)
        response.status_code = status.HTTP_200_OK if report.replayed else status.HTTP_201_CREATED
        return response

    @extend_schema(request=DailyReportTextsSerializer, responses=DailyReportDetailSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """The salesperson changes the texts (until someone else comments, at most until the end of the next
        day); the figures never change. Texts left out stay as they are."""
        report = self.get_object()
        incoming = DailyReportTextsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        texts = {name: getattr(report, name) for name in ("went_well", "problems", "tomorrow_plan")}
        edit_daily_report(report_id=report.pk, salesperson=request.user, **(texts | incoming.validated_data))
        return self._detail(report.pk)

    @extend_schema(request=DailyReportCommentInputSerializer, responses={201: DailyReportCommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        """Add to the report's thread: the manager's comment (the salesperson is told) or the salesperson's answer."""
        report = self.get_object()
        incoming = DailyReportCommentInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        comment = comment_on_daily_report(
            report_id=report.pk, author=request.user, text=incoming.validated_data["text"]
        )
        return Response(DailyReportCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            _day_parameter("The day (default: the previous working day)."),
            OpenApiParameter("page", OpenApiTypes.INT, description="A page of the reports, 25 a page."),
        ],
        responses=TeamDaySerializer,
    )
    @action(detail=False, methods=["get"], url_path="team-day", filterset_class=None, pagination_class=None)
    def team_day(self, request: Request) -> Response:
        """A manager's (or the admin's) reports of a day: each with its figures, texts, comments and what
        changed since; and everyone they oversee who has not submitted. Other roles: 403."""
        if not has_role(request.user, User.Role.MANAGER, User.Role.ADMIN):
            raise PermissionDenied
        day = date_param(request.query_params, "day") or default_quota_day()
        page = page_param(request.query_params)
        team = team_reports_of_day(viewer=request.user, day=day, page_number=page)
        context = {"current_figures": team.current}
        return Response(
            {
                "day": day,
                "count": team.page.paginator.count,
                "page": team.page.number,
                "pages": team.page.paginator.num_pages,
                "reports": DailyReportDetailSerializer(list(team.page), many=True, context=context).data,
                "not_submitted": [
                    {
                        "id": person.pk,
                        "username": person.username,
                        "name": str(person),
                        "team": person.team.name if person.team else None,
                    }
                    for person in team.missing
                ],
            }
        )

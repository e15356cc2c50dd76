"""REST API of performance: the morning meeting's figures and the target breakdown, as on the pages."""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.bounds import window_years_pattern
from crm.models import User
from crm.params import date_param, month_param
from crm.permissions import has_role
from crm.replica import reads_from_replica, wrote_recently
from performance.selectors import attainment, morning_meeting, target_breakdown


def _money(value) -> str | None:
    """Money leaves the API as a string, never a float."""
    return None if value is None else f"{value:.2f}"


def _require_manager(request: Request) -> None:
    if not has_role(request.user, User.Role.MANAGER, User.Role.ADMIN):
        raise PermissionDenied


def _month_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "month",
        OpenApiTypes.DATE,
        pattern=window_years_pattern(),
        description="Any day of the month (its first day must lie in the configured date window).",
    )


def _date_param(request: Request, name: str, default: date) -> date:
    return date_param(request.query_params, name, default=default)


class DashboardView(APIView):
    """The morning meeting's figures for one day: the same numbers as /dashboard/."""

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, pattern=window_years_pattern())],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        from performance.views import default_meeting_day

        _require_manager(request)
        with reads_from_replica(enabled=not wrote_recently(request)):
            meeting = morning_meeting(viewer=request.user, day=_date_param(request, "day", default_meeting_day()))
        return Response(
            {
                "day": meeting.day,
                "totals": meeting.totals,
                "salespeople": [
                    {
                        "id": row.salesperson.id,
                        "username": row.salesperson.username,
                        "name": str(row.salesperson),
                        "visits": row.visits,
                        "counted_visits": row.counted,
                        "required": row.required,
                        "below_quota": row.below_quota,
                        "intent_mix": row.intent_mix,
                        "unrated": row.unrated,
                        "new_customers": row.new_customers,
                        "forms_submitted": row.submitted,
                        "forms_late": row.submitted_late,
                        "shortfall_status": row.shortfall.status if row.shortfall else None,
                        "shortfall_explanation": row.shortfall.explanation if row.shortfall else None,
                    }
                    for row in meeting.rows
                ],
                "trend": [
                    {"day": point.day, "visits": point.visits, "working_day": point.is_working_day}
                    for point in meeting.trend
                ],
            }
        )


class AttainmentView(APIView):
    """Attainment per visible salesperson for one month (a salesperson sees their own line)."""

    @extend_schema(parameters=[_month_parameter()], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        from crm.dates import local_today

        if not has_role(request.user, User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN):
            raise PermissionDenied
        month = month_param(request.query_params, "month", default=local_today().replace(day=1))
        result = attainment(viewer=request.user, month=month)
        return Response(
            {
                "month": month,
                "basis": result.basis,
                "target_total": _money(result.target_total),
                "attained_total": _money(result.attained_total),
                "projected_total": _money(result.projected_total),
                "salespeople": [
                    {
                        "id": line.salesperson.id,
                        "username": line.salesperson.username,
                        "target": _money(line.target),
                        "attained": _money(line.attained),
                        "percent": None if line.percent is None else str(line.percent),
                        "projected": _money(line.projected),
                        "rank": line.rank,
                        "reward_tier": line.reward.rule.name if line.reward.rule else None,
                        "reward_bonus": _money(line.reward.bonus),
                    }
                    for line in result.lines
                ],
                # A closed month's figure changed by entries dated after it ended (reversals, returns, refunds).
                "changed_later": [
                    {"on": change.on, "kind": change.kind, "amount": _money(change.amount), "text": change.text}
                    for change in result.changed_later
                ],
            }
        )


class TargetsView(APIView):
    """The month's company target and its breakdown per visible salesperson."""

    @extend_schema(parameters=[_month_parameter()], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        from crm.dates import local_today

        _require_manager(request)
        month = month_param(request.query_params, "month", default=local_today().replace(day=1))
        breakdown = target_breakdown(month=month, viewer=request.user)
        return Response(
            {
                "month": month,
                "company_amount": _money(breakdown.company_amount),
                "allocated": _money(breakdown.allocated),
                "gap": _money(breakdown.gap),
                "adds_up": breakdown.adds_up,
                "salespeople": [
                    {"id": line.salesperson.id, "username": line.salesperson.username, "amount": _money(line.amount)}
                    for line in breakdown.lines
                ],
            }
        )

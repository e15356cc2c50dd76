"""``{% plan_picker as picker %}``: the days a visit may be planned on, for the add-to-plan snippets.

Computed once per request (one query), however many snippets the page shows (a list of customers, nearby
rows). The picker starts on ``?plan_day=`` when the address names a plannable day (the week plan's "Add
customers" link), else on the next working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import template
from django.utils import timezone

from visits.plans.selectors import PlanDay, default_plan_day, plannable_days

register = template.Library()


@dataclass(frozen=True)
class PlanPicker:
    days: list[PlanDay]
    default: date | None


def _asked_day(request) -> date | None:
    raw = request.GET.get("plan_day", "") if request is not None else ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None  # not a day: the picker starts where it would without it


@register.simple_tag(takes_context=True)
def plan_picker(context) -> PlanPicker:
    request = context.get("request")
    cached = getattr(request, "_plan_picker", None)
    if cached is not None:
        return cached
    days = plannable_days(today=timezone.localdate())
    asked = _asked_day(request)
    picker = PlanPicker(days=days, default=asked if asked in {day.day for day in days} else default_plan_day(days))
    if request is not None:
        request._plan_picker = picker
    return picker

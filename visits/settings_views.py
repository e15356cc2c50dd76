"""The admin's settings pages of the visits app: the working-day calendar (a month grid) and the visit quotas
(each team's daily minimum, personal minimums). Thin: each form calls one service; a refused change is shown
with its message and nothing is changed."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.dates import local_today
from crm.errors import ApplicationError
from crm.forms import style_fields
from crm.htmx import add_refusal_to_form
from crm.models import Team, User
from crm.params import month_param
from crm.permissions import role_required
from crm.services import update_team_settings
from visits.forms import QuotaOverrideForm, TeamQuotaForm, WorkingDayForm
from visits.models import QuotaOverride, WorkingDay
from visits.services import remove_quota_override, set_quota_override, set_working_day

ADMIN = User.Role.ADMIN


# --- the working-day calendar --------------------------------------------------------------------------------


def _month_grid(month: date) -> list[list[dict | None]]:
    """The month's weeks, Monday first: each day working or off, usual or an exception (with its note)."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    exceptions = {row.day: row for row in WorkingDay.objects.filter(day__range=(month, last))}
    weeks: list[list[dict | None]] = []
    week: list[dict | None] = [None] * month.weekday()
    day = month
    while day <= last:
        exception = exceptions.get(day)
        usual = day.weekday() < 5
        week.append(
            {
                "day": day,
                "working": exception.is_working if exception else usual,
                "exception": exception,
                "usual": usual,
            }
        )
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += timedelta(days=1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


def _calendar_context(month: date, form: WorkingDayForm | None = None) -> dict:
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    form = form or WorkingDayForm(initial={"is_working": "0"})
    style_fields(form)
    return {"month": month, "weeks": _month_grid(month), "previous": previous, "following": following, "form": form}


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def working_days(request: HttpRequest) -> HttpResponse:
    """``?month=YYYY-MM``. A day's button turns it working or off (htmx swaps the month); the form marks a day
    with a note (a holiday's name)."""
    month = month_param(request.GET, "month", default=local_today().replace(day=1))
    assert month is not None
    form = None
    if request.method == "POST":
        form = WorkingDayForm(request.POST)
        if form.is_valid():
            day = form.cleaned_data["day"]
            try:
                set_working_day(changed_by=request.user, **form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                add_refusal_to_form(form, error, on_fields=True)
            else:
                state = _("a working day") if form.cleaned_data["is_working"] else _("a day off")
                messages.success(request, _("%(day)s is %(state)s.") % {"day": day.isoformat(), "state": state})
                if request.htmx:
                    return render(request, "visits/working_days.html#month", _calendar_context(day.replace(day=1)))
                return redirect(f"{reverse('visit_settings:working_days')}?month={day:%Y-%m}")
        if request.htmx:
            message = " ".join(str(error) for errors in form.errors.values() for error in errors)
            response = render(request, "components/error_alert.html", {"message": message}, status=400)
            response["HX-Retarget"] = "#messages"
            response["HX-Reswap"] = "innerHTML"
            return response
    return render(request, "visits/working_days.html", _calendar_context(month, form))


# --- quotas ---------------------------------------------------------------------------------------------------

OVERRIDES_PAGE = 50


def _quota_context(request: HttpRequest, *, override_form=None, refused_team: tuple[int, TeamQuotaForm] | None = None):
    teams = []
    for team in Team.objects.select_related("manager").order_by("name"):
        if refused_team and refused_team[0] == team.pk:
            form = refused_team[1]
        else:
            form = TeamQuotaForm(prefix=f"team-{team.pk}", initial={"daily_visit_quota": team.daily_visit_quota})
        style_fields(form)
        teams.append((team, form))
    override_form = override_form or QuotaOverrideForm(initial={"valid_from": local_today()})
    style_fields(override_form)
    overrides = QuotaOverride.objects.select_related("salesperson__team").order_by(
        "salesperson__username", "-valid_from"
    )
    return {
        "teams": teams,
        "override_form": override_form,
        "overrides": Paginator(overrides, OVERRIDES_PAGE).get_page(request.GET.get("page")),
        "today": local_today(),
    }


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def quota_settings(request: HttpRequest) -> HttpResponse:
    """Each team's daily minimum (``update_team_settings``) and the personal minimums (``set_quota_override``)."""
    if request.method == "POST" and request.POST.get("team"):
        team = Team.objects.filter(pk=request.POST["team"]).first() if request.POST["team"].isdigit() else None
        if team is None:
            messages.error(request, _("Choose a team."))
            return redirect("visit_settings:quota_settings")
        form = TeamQuotaForm(request.POST, prefix=f"team-{team.pk}")
        if form.is_valid():
            try:
                update_team_settings(team_id=team.pk, changed_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_refusal_to_form(form, error, on_fields=True)
            else:
                messages.success(
                    request,
                    _("%(team)s: %(count)d visits a working day.")
                    % {"team": team, "count": form.cleaned_data["daily_visit_quota"]},
                )
                return redirect("visit_settings:quota_settings")
        return render(request, "visits/quota_settings.html", _quota_context(request, refused_team=(team.pk, form)))
    if request.method == "POST":
        override_form = QuotaOverrideForm(request.POST)
        if override_form.is_valid():
            try:
                override = set_quota_override(changed_by=request.user, **override_form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                add_refusal_to_form(override_form, error, on_fields=True)
            else:
                messages.success(
                    request,
                    _("%(person)s: %(count)d visits a working day from %(day)s.")
                    % {
                        "person": override.salesperson,
                        "count": override.daily_minimum,
                        "day": override.valid_from.isoformat(),
                    },
                )
                return redirect("visit_settings:quota_settings")
        return render(request, "visits/quota_settings.html", _quota_context(request, override_form=override_form))
    return render(request, "visits/quota_settings.html", _quota_context(request))


@require_POST
@role_required(ADMIN)
def quota_override_remove(request: HttpRequest, pk: int) -> HttpResponse:
    remove_quota_override(override_id=pk, changed_by=request.user)  # a missing one: NotFound, the 404
    messages.success(request, _("The personal minimum was removed."))
    return redirect("visit_settings:quota_settings")

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.customers.selectors import customers_to_be_assigned_count
from campaigns.pipelines.selectors import pipelines_for_meeting
from campaigns.selectors import call_progress_for_meeting, inquiry_backlog
from crm.dates import local_today, week_start
from crm.errors import ApplicationError
from crm.htmx import add_refusal_to_form
from crm.models import User
from crm.params import date_param, id_param, month_param
from crm.permissions import role_required
from crm.replica import replica_view
from crm.spreadsheets import xlsx_response
from performance.forms import RewardTierForm, TargetBreakdownForm
from performance.models import RewardRule
from performance.selectors import attainment as attainment_figures
from performance.selectors import attainment_history, target_breakdown
from performance.selectors import morning_meeting as morning_meeting_figures
from performance.services import COMPANY_ROW, import_target_breakdown, save_reward_tier, set_targets
from visits.calendar import previous_working_day
from visits.key_accounts.selectors import key_account_progress
from visits.selectors import assessments_for

CHART_HEIGHT = 100
BAR_PITCH = 12


def default_meeting_day() -> date:
    """The morning meeting looks at the previous working day."""
    return previous_working_day(local_today()) or local_today()


def _day_from(value: str | None) -> date:
    """``YYYY-MM-DD`` from the query string; else the previous working day. A bad value is a 400 (crm.params)."""
    return date_param({"day": value or ""}, "day") or default_meeting_day()


def _trend_bars(meeting) -> list[dict]:
    """Bars of the four-week chart, scaled to the busiest day; drawn as SVG by the template."""
    peak = meeting.trend_max or 1
    return [
        {
            "x": index * BAR_PITCH,
            "height": round(point.visits * CHART_HEIGHT / peak),
            "y": CHART_HEIGHT - round(point.visits * CHART_HEIGHT / peak),
            "point": point,
        }
        for index, point in enumerate(meeting.trend)
    ]


@role_required(User.Role.MANAGER, User.Role.ADMIN)
@replica_view
def morning_meeting(request: HttpRequest) -> HttpResponse:
    """The morning meeting 早会: yesterday per salesperson, what needs talking about first."""
    day = _day_from(request.GET.get("day"))
    meeting = morning_meeting_figures(viewer=request.user, day=day)
    people = [row.salesperson for row in meeting.rows]
    month = attainment_figures(viewer=request.user, month=day.replace(day=1), today=day, people=people)
    return render(
        request,
        "performance/morning_meeting.html",
        {
            "meeting": meeting,
            "totals": meeting.totals,
            "bars": _trend_bars(meeting),
            "chart_width": BAR_PITCH * len(meeting.trend),
            "chart_height": CHART_HEIGHT,
            "previous_day": meeting.previous_working_day or previous_working_day(day),
            "month": month,
            "inquiries": inquiry_backlog(user=request.user),
            "to_be_assigned": customers_to_be_assigned_count(user=request.user),
            "key_accounts": key_account_progress(viewer=request.user, week=week_start(day)),
            "call_lists": call_progress_for_meeting(user=request.user),
            "pipelines": pipelines_for_meeting(viewer=request.user, today=local_today()),
        },
    )


def _month_from(value: str | None) -> date:
    """``YYYY-MM`` from the query string; this month when absent. A bad value is a 400 (crm.params)."""
    return month_param({"month": value or ""}, "month") or local_today().replace(day=1)


@role_required(User.Role.MANAGER, User.Role.ADMIN)
@replica_view
def morning_meeting_export(request: HttpRequest) -> HttpResponse:
    """The morning meeting's table as a spreadsheet, for the meeting's minutes."""
    meeting = morning_meeting_figures(viewer=request.user, day=_day_from(request.GET.get("day")))
    headers = [
        _("Salesperson"),
        _("Visits"),
        _("Quota"),
        _("Counted toward the quota"),
        "A",
        "B",
        "C",
        "D",
        _("Unrated"),
        _("New customers"),
        _("Forms"),
        _("Shortfall"),
        _("Explanation"),
    ]
    rows = (
        [
            str(row.salesperson),
            row.visits,
            row.required,
            row.counted if row.required is not None else None,
            row.intent_mix["A"],
            row.intent_mix["B"],
            row.intent_mix["C"],
            row.intent_mix["D"],
            row.unrated,
            row.new_customers,
            (_("late") if row.submitted_late else _("submitted")) if row.submitted else _("not submitted"),
            row.shortfall.get_status_display() if row.shortfall else "",
            row.shortfall.explanation if row.shortfall else "",
        ]
        for row in meeting.rows
    )
    return xlsx_response(
        filename=f"morning-meeting-{meeting.day.isoformat()}.xlsx",
        sheet_title=_("Morning meeting"),
        header=headers,
        rows=rows,
    )


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def target_breakdown_page(request: HttpRequest) -> HttpResponse:
    """The month's company target and its breakdown per salesperson; the admin edits it."""
    month = _month_from(request.GET.get("month"))
    breakdown = target_breakdown(month=month, viewer=request.user)
    can_edit = request.user.sees_everything
    form = TargetBreakdownForm(request.POST or None, breakdown=breakdown)
    if request.method == "POST":
        if not can_edit:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                set_targets(
                    month=month,
                    company_amount=form.cleaned_data["company_amount"],
                    salesperson_amounts=form.salesperson_amounts(),
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Targets for %(month)s saved.") % {"month": f"{month:%Y-%m}"})
                return redirect(f"{request.path}?month={month:%Y-%m}")
    return render(
        request,
        "performance/target_breakdown.html",
        {"breakdown": breakdown, "form": form, "can_edit": can_edit, "month": month},
    )


@role_required(User.Role.MANAGER, User.Role.ADMIN)
@replica_view
def target_breakdown_export(request: HttpRequest) -> HttpResponse:
    """The breakdown as a workbook; the same layout is read back by the import."""
    month = _month_from(request.GET.get("month"))
    breakdown = target_breakdown(month=month, viewer=request.user)
    rows = [[COMPANY_ROW, _("Company"), "", breakdown.company_amount]] + [
        [line.salesperson.username, str(line.salesperson), str(line.salesperson.team or ""), line.amount]
        for line in breakdown.lines
    ]
    return xlsx_response(
        filename=f"targets-{month:%Y-%m}.xlsx",
        sheet_title=f"{month:%Y-%m}",
        header=[_("Username"), _("Salesperson"), _("Team"), _("Target (CNY)")],
        rows=rows,
    )


@role_required(User.Role.ADMIN)
@require_POST
def target_breakdown_import(request: HttpRequest) -> HttpResponse:
    month = _month_from(request.GET.get("month"))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError(_("Choose the workbook to import."))
        count = import_target_breakdown(month=month, file=upload)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(count)d targets imported for %(month)s.") % {"count": count, "month": f"{month:%Y-%m}"}
        )
    return redirect(f"{reverse('performance:target_breakdown')}?month={month:%Y-%m}")


@role_required(User.Role.MANAGER, User.Role.ADMIN)
@replica_view
def attainment_page(request: HttpRequest) -> HttpResponse:
    """The month's attainment per salesperson: target, achieved, projection, rank and reward; the leaderboard."""
    month = _month_from(request.GET.get("month"))
    result = attainment_figures(viewer=request.user, month=month)
    history = attainment_history(viewer=request.user, last_month=month)
    return render(
        request,
        "performance/attainment.html",
        {
            "result": result,
            "month": month,
            "history": history,
            "assessments": assessments_for(viewer=request.user, month=month),
        },
    )


@role_required(User.Role.SALESPERSON)
def my_month(request: HttpRequest) -> HttpResponse:
    """The salesperson's month: target, attainment, rank in the company and the projected reward."""
    month = _month_from(request.GET.get("month"))
    result = attainment_figures(viewer=request.user, month=month)
    line = result.lines[0] if result.lines else None
    return render(
        request,
        "performance/my_month.html",
        {
            "line": line,
            "month": month,
            "result": result,
            "salespeople": _salespeople_count(),
            "assessments": assessments_for(viewer=request.user, month=month),
        },
    )


def _salespeople_count() -> int:
    return User.objects.filter(role=User.Role.SALESPERSON, is_active=True).count()


# --- reward tiers ----------------------------------------------------------------------------------------------


def _tier_initial(tier: RewardRule) -> dict:
    return {
        "name": tier.name,
        "min_attainment_percent": tier.min_attainment_percent,
        "bonus_rate_percent": tier.bonus_rate_percent or None,  # a zero part is shown empty, as it was typed
        "bonus_amount": tier.bonus_amount or None,
        "is_active": tier.is_active,
    }


@require_http_methods(["GET", "POST"])
@role_required(User.Role.ADMIN)
def reward_tiers(request: HttpRequest) -> HttpResponse:
    """The tiers from the lowest attainment up, a form to add one and (``?edit=<id>``) the one being changed."""
    tiers = list(RewardRule.objects.order_by("-is_active", "min_attainment_percent", "id"))
    wanted = request.POST.get("tier", "") if request.method == "POST" else str(id_param(request.GET, "edit") or "")
    editing = next((tier for tier in tiers if str(tier.pk) == wanted), None)
    if wanted and editing is None:
        messages.error(request, _("That tier no longer exists."))
        return redirect("performance:reward_tiers")
    new_form = RewardTierForm(prefix="new")
    edit_form = RewardTierForm(prefix="edit", initial=_tier_initial(editing)) if editing else None
    if request.method == "POST":
        form = RewardTierForm(request.POST, prefix="edit" if editing else "new")
        if form.is_valid():
            try:
                saved = save_reward_tier(
                    changed_by=request.user, tier_id=editing.pk if editing else None, **form.cleaned_data
                )
            except ValidationError as error:
                add_refusal_to_form(form, error, on_fields=True)
            else:
                messages.success(request, _("Reward tier saved: %(tier)s.") % {"tier": saved})
                return redirect(f"{reverse('performance:reward_tiers')}#tier-{saved.pk}")
        if editing:
            edit_form = form
        else:
            new_form = form
    context = {"tiers": tiers, "new_form": new_form, "editing": editing, "edit_form": edit_form}
    return render(request, "performance/rewardrule_list.html", context)

"""Pages of the plan: the week plan, adding a customer to a day from any page, plan against visits."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.customers.models import Customer
from crm.dates import week_start
from crm.errors import ApplicationError, NotFound
from crm.htmx import refusal_message, render_error
from crm.models import User
from crm.params import date_param, id_param, week_param
from crm.permissions import role_required
from visits.plans.forms import AddToPlanForm, MoveStopForm, StopNoteForm, form_refusal
from visits.plans.selectors import (
    default_plan_day,
    person_day,
    plan_against_visits,
    plannable_days,
    salespeople_in_view,
    week_plan,
)
from visits.plans.services import PlanChange, add_to_plan, day_label, move_stop, remove_stop, update_stop_note

PEOPLE_PER_PAGE = 25


def _week_url(week: date) -> str:
    return f"{reverse('plans:week')}?week={week.isoformat()}"


def _week_context(request: HttpRequest, *, week: date, today: date) -> dict:
    return {
        "week": week,
        "today": today,
        "days": week_plan(salesperson=request.user, week=week, today=today),
        "move_days": plannable_days(today=today),
        "previous_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "this_week": week_start(today),
    }


@require_safe
@role_required(User.Role.SALESPERSON)
def week(request: HttpRequest) -> HttpResponse:
    """The week plan: seven day columns on a desk, a list of days on a phone; each stop in route order with
    its status, purpose, and (today or later) move, remove and purpose."""
    today = timezone.localdate()
    shown = week_param(request.GET, "week", default=week_start(today))
    assert shown is not None  # a default is given
    return render(request, "visits/plans/week.html", _week_context(request, week=shown, today=today))


def _planned_text(change: PlanChange) -> str:
    stop = change.stop
    return _("%(customer)s is planned for %(day)s: stop %(position)d of %(count)d.") % {
        "customer": stop.customer.unit_name,
        "day": day_label(stop.plan.day),
        "position": stop.position,
        "count": stop.plan.stops.count(),
    }


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


@require_POST
@role_required(User.Role.SALESPERSON)
def add(request: HttpRequest) -> HttpResponse:
    """Plan a visit to a customer on a day, from the customer list, the customer page, the map or nearby
    (``templates/visits/plans/_add_to_plan.html``). htmx gets the snippet back with what happened; a refusal
    (a past day, already planned that day) comes back in it with 400. A plain post is sent back with a message."""
    customer_id = id_param(request.POST, "customer")
    if customer_id is None:
        raise NotFound(_("No customer matches the given query."))
    customer = get_object_or_404(Customer.objects.visible_to(request.user).only("pk", "unit_name"), pk=customer_id)
    form = AddToPlanForm(request.POST)
    compact = bool(request.POST.get("compact"))
    change: PlanChange | None = None
    error = ""
    if not form.is_valid():
        error = form_refusal(form)
    else:
        day = form.cleaned_data["day"] or default_plan_day(plannable_days(today=timezone.localdate()))
        try:
            change = add_to_plan(
                salesperson=request.user, customer_id=customer.pk, day=day, note=form.cleaned_data["note"]
            )
        except NotFound:
            raise
        except (ValidationError, ApplicationError) as refusal:
            error = refusal_message(refusal)
    if getattr(request, "htmx", False):
        response = render(
            request,
            "visits/plans/_add_to_plan.html",
            {
                "customer": customer,
                "compact": compact,
                "change": change,
                "planned": _planned_text(change) if change else "",
                "error": error,
                # The page the snippet is on, not this address: a plain post from it goes back there.
                "next_url": _next_url(request, ""),
            },
            status=400 if error else 200,
        )
        if error:
            # A refusal answered to htmx names its target (static/js/app.js swaps it): the snippet itself.
            response["HX-Retarget"] = f"#add-to-plan-{customer.pk}"
            response["HX-Reswap"] = "outerHTML"
        return response
    if error:
        messages.error(request, error)
        return redirect(_next_url(request, reverse("plans:week")))
    assert change is not None
    messages.success(request, _planned_text(change))
    for warning in change.warnings:
        messages.warning(request, warning)
    return redirect(_next_url(request, _week_url(week_start(change.stop.plan.day))))


def _week_answer(request: HttpRequest, *, notices: list[tuple[str, str]]) -> HttpResponse:
    """After a change on the week page: htmx gets the week's days again with what happened above them; a plain
    post is sent back to the week with the messages."""
    today = timezone.localdate()
    shown = week_param(request.POST, "week", default=week_start(today))
    assert shown is not None
    if getattr(request, "htmx", False):
        context = _week_context(request, week=shown, today=today) | {"notices": notices}
        return render(request, "visits/plans/week.html#week-days", context)
    for level, text in notices:
        messages.add_message(request, messages.WARNING if level == "warning" else messages.SUCCESS, text)
    return redirect(_week_url(shown))


def _refused(request: HttpRequest, error: ValidationError | ApplicationError) -> HttpResponse:
    if getattr(request, "htmx", False):
        if not isinstance(error, ApplicationError):
            error = ApplicationError(refusal_message(error))
        return render_error(request, error)
    messages.error(request, refusal_message(error))
    shown = week_param(request.POST, "week", default=week_start(timezone.localdate()))
    assert shown is not None
    return redirect(_week_url(shown))


@require_POST
@role_required(User.Role.SALESPERSON)
def stop_move(request: HttpRequest, pk: int) -> HttpResponse:
    form = MoveStopForm(request.POST)
    if not form.is_valid():
        return _refused(request, ApplicationError(form_refusal(form)))
    try:
        change = move_stop(salesperson=request.user, stop_id=pk, day=form.cleaned_data["day"])
    except NotFound:
        raise
    except (ValidationError, ApplicationError) as error:
        return _refused(request, error)
    notices = [("success", _planned_text(change))] + [("warning", warning) for warning in change.warnings]
    return _week_answer(request, notices=notices)


@require_POST
@role_required(User.Role.SALESPERSON)
def stop_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        day = remove_stop(salesperson=request.user, stop_id=pk)
    except NotFound:
        raise
    except (ValidationError, ApplicationError) as error:
        return _refused(request, error)
    return _week_answer(request, notices=[("success", _("Taken off the plan of %(day)s.") % {"day": day_label(day)})])


@require_POST
@role_required(User.Role.SALESPERSON)
def stop_note(request: HttpRequest, pk: int) -> HttpResponse:
    form = StopNoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, ApplicationError(form_refusal(form)))
    try:
        stop = update_stop_note(salesperson=request.user, stop_id=pk, note=form.cleaned_data["note"])
    except NotFound:
        raise
    except (ValidationError, ApplicationError) as error:
        return _refused(request, error)
    return _week_answer(
        request, notices=[("success", _("Purpose saved for %(customer)s.") % {"customer": stop.customer.unit_name})]
    )


# --- plan against visits ----------------------------------------------------------------------------


@require_safe
@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def versus(request: HttpRequest) -> HttpResponse:
    """Plan against visits per person and week: planned, made as planned, missed, open and off-plan visits,
    each day a link to the drill-down. A manager sees their teams, the admin everyone, a salesperson themself."""
    today = timezone.localdate()
    shown = week_param(request.GET, "week", default=week_start(today))
    assert shown is not None
    page = Paginator(salespeople_in_view(user=request.user), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/plans/versus.html",
        {
            "page_obj": page,
            "rows": plan_against_visits(people=list(page.object_list), week=shown, today=today),
            "week": shown,
            "days": [shown + timedelta(days=offset) for offset in range(7)],
            "today": today,
            "previous_week": shown - timedelta(days=7),
            "next_week": shown + timedelta(days=7),
            "query_string": f"week={shown.isoformat()}",
        },
    )


@require_safe
@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def versus_day(request: HttpRequest, salesperson_pk: int) -> HttpResponse:
    """One person's day: each planned stop visited, missed or still to visit, and the visits off the plan.
    Someone outside the viewer's people answers 404."""
    today = timezone.localdate()
    day = date_param(request.GET, "day", default=today)
    assert day is not None
    return render(
        request,
        "visits/plans/versus_day.html",
        {"person": person_day(user=request.user, salesperson_id=salesperson_pk, day=day, today=today), "today": today},
    )

"""Pages of the follow-up 业务跟进: my week, an entry's plan, the Monday meeting, joint visits."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.customers.models import Customer
from crm.dates import local_today, week_start
from crm.errors import ApplicationError
from crm.models import User
from crm.params import id_param, week_param
from crm.permissions import role_required
from crm.replica import replica_view
from crm.spreadsheets import xlsx_response
from visits.key_accounts import services as key_accounts
from visits.key_accounts.forms import (
    JointVisitAnswerForm,
    JointVisitLogForm,
    JointVisitRequestForm,
    KeyAccountOutcomeForm,
    KeyAccountPlanForm,
)
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.key_accounts.selectors import (
    FOLLOW_UP_KINDS,
    entries_for_week,
    monday_meeting,
    monday_sections,
    my_week,
    obstacle_labels,
    salesperson_shortlist,
)
from visits.models import Visit
from visits.selectors import with_photos

PAGE_SIZE = 25


def _week_from(value: str | None) -> date:
    """Any ``YYYY-MM-DD`` of the week from the query string; this week when absent. A bad value is a 400."""
    return week_param({"week": value or ""}, "week") or week_start(local_today())


def _form_errors(error: ValidationError | ApplicationError) -> str:
    from crm.htmx import refusal_message

    return refusal_message(error)


@role_required(User.Role.SALESPERSON)
def my_week_page(request: HttpRequest) -> HttpResponse:
    """The salesperson's shortlist for the week, with the plan for each; due second visits first."""
    week = _week_from(request.GET.get("week"))
    page = Paginator(my_week(salesperson=request.user, week=week), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.obstacle_labels = obstacle_labels(entry.obstacles)
    return render(
        request,
        "key_accounts/keyaccountentry_week.html",
        {
            "week": week,
            "page_obj": page,
            "today": local_today(),
            "previous_week": week.fromordinal(week.toordinal() - 7),
            "next_week": week.fromordinal(week.toordinal() + 7),
        },
    )


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry: the plan (editable), the outcome, the visits that followed, joint-visit requests."""
    entry = get_object_or_404(
        KeyAccountEntry.objects.visible_to(request.user).select_related("customer", "salesperson"), pk=pk
    )
    initial = {
        "obstacles": entry.obstacles,
        "obstacle_detail": entry.obstacle_detail,
        "prepared_answer": entry.prepared_answer,
        "planned_on": entry.planned_on,
        "version": entry.version,
    }
    form = KeyAccountPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            key_accounts.update_key_account_plan(entry_id=entry.pk, user=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            messages.error(request, _form_errors(error))
        else:
            messages.success(request, _("Plan saved."))
            return redirect(entry.get_absolute_url())
    follow_ups = (
        with_photos(Visit.objects.visible_to(request.user))
        .filter(customer_id=entry.customer_id, kind__in=FOLLOW_UP_KINDS, visited_on__gte=entry.week)
        .select_related("salesperson", "joint_manager")
        .order_by("visited_at")[:20]
    )
    requests = JointVisitRequest.objects.visible_to(request.user).filter(customer_id=entry.customer_id)[:10]
    return render(
        request,
        "key_accounts/keyaccountentry_detail.html",
        {
            "entry": entry,
            "form": form,
            "outcome_form": KeyAccountOutcomeForm(),
            "follow_ups": follow_ups,
            "joint_requests": requests,
            "obstacle_labels": obstacle_labels(entry.obstacles),
            "is_own": entry.salesperson_id == request.user.pk,
            "can_ask_manager": entry.salesperson_id == request.user.pk
            and request.user.team is not None
            and request.user.team.manager_id is not None,
        },
    )


@require_POST
def entry_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome; won moves the customer to "customer" and opens the deal form when it exists."""
    entry = get_object_or_404(KeyAccountEntry.objects.visible_to(request.user), pk=pk)
    form = KeyAccountOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return redirect(entry.get_absolute_url())
    try:
        entry = key_accounts.record_key_account_outcome(
            entry_id=entry.pk, user=request.user, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(entry.get_absolute_url())
    if entry.outcome == KeyAccountEntry.Outcome.WON:
        deal_url = key_accounts.deal_form_url(customer_id=entry.customer_id)
        if deal_url:
            messages.success(request, _("Marked won. The customer is now a customer: enter the deal."))
            return redirect(deal_url)
        messages.success(
            request,
            _("Marked won. The customer is now a customer. Deals cannot be entered here yet; record it later."),
        )
    else:
        messages.success(request, _("Outcome saved: %(outcome)s.") % {"outcome": entry.get_outcome_display()})
    return redirect(entry.get_absolute_url())


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def monday_meeting_page(request: HttpRequest) -> HttpResponse:
    """The Monday meeting: every salesperson's shortlist (their figures, the first cards; ``?person=`` shows all of
    one salesperson's, and an htmx request for it gets that shortlist alone), obstacles by type, last week's
    outcomes."""
    week = _week_from(request.GET.get("week"))
    show_all_of = id_param(request.GET, "person")
    if request.htmx and show_all_of is not None:
        shortlist = salesperson_shortlist(viewer=request.user, week=week, salesperson_id=show_all_of)
        if shortlist is None:
            raise Http404
        for entry in shortlist.entries:
            entry.obstacle_labels = obstacle_labels(entry.obstacles)
        return render(request, "key_accounts/_meeting_shortlist.html", {"shortlist": shortlist, "week": week})
    meeting = monday_meeting(viewer=request.user, week=week, show_all_of=show_all_of)
    for shortlist in meeting.shortlists:
        for entry in shortlist.entries:
            entry.obstacle_labels = obstacle_labels(entry.obstacles)
    return render(
        request,
        "key_accounts/keyaccountentry_meeting.html",
        {
            "meeting": meeting,
            "sections": monday_sections(viewer=request.user, week=week),
            "week": week,
            "previous_week": week.fromordinal(week.toordinal() - 7),
            "next_week": week.fromordinal(week.toordinal() + 7),
            "obstacle_max": max([count for _code, _label, count in meeting.obstacle_counts] + [1]),
        },
    )


@role_required(User.Role.MANAGER, User.Role.ADMIN)
@replica_view
def monday_meeting_export(request: HttpRequest) -> HttpResponse:
    """The week's shortlists as an Excel file, streamed (write-only workbook)."""
    week = _week_from(request.GET.get("week"))
    header = [
        _("Salesperson"),
        _("Customer"),
        _("Intent"),
        _("Obstacles"),
        _("Obstacle detail"),
        _("Answer prepared"),
        _("Planned on"),
        _("Outcome"),
        _("Second visit happened"),
        _("Origin"),
    ]

    def rows():
        # Each cell is made formula-safe by the writer (crm.spreadsheets), once.
        for entry in entries_for_week(viewer=request.user, week=week).iterator(chunk_size=1000):
            yield [
                str(entry.salesperson),
                entry.customer.unit_name,
                entry.intent,
                "、".join(obstacle_labels(entry.obstacles)),
                entry.obstacle_detail,
                entry.prepared_answer,
                entry.planned_on,
                str(entry.get_outcome_display()),
                _("yes") if entry.has_follow_up else _("no"),
                str(entry.get_origin_display()),
            ]

    return xlsx_response(
        filename=f"key-accounts-{week.isoformat()}.xlsx",
        sheet_title=_("Key accounts"),
        header=header,
        rows=rows(),
    )


# --- joint visits ------------------------------------------------------------------------------------


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def joint_visit_list(request: HttpRequest) -> HttpResponse:
    requests = (
        JointVisitRequest.objects.visible_to(request.user)
        .select_related("customer", "salesperson", "manager")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status")
    if status == "open":
        requests = requests.open()
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "key_accounts/jointvisitrequest_list.html", {"page_obj": page, "status": status})


@role_required(User.Role.SALESPERSON)
def joint_visit_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """A salesperson asks their manager for a joint visit, or to receive the customer at the office."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=customer_pk)
    entry = None
    if request.GET.get("entry") or request.POST.get("entry"):
        entry = (
            KeyAccountEntry.objects.visible_to(request.user)
            .filter(pk=request.GET.get("entry") or request.POST.get("entry"), customer=customer)
            .first()
        )
    team = request.user.team
    manager = team.manager if team is not None else None
    initial_mode = request.GET.get("mode") or JointVisitRequest.Mode.JOINT_VISIT
    form = JointVisitRequestForm(request.POST or None, initial={"mode": initial_mode})
    if request.method == "POST" and form.is_valid():
        if manager is None:
            messages.error(request, _("You have no manager to ask. Ask the admin to put you in a team."))
        else:
            try:
                joint_request = key_accounts.request_joint_visit(
                    salesperson=request.user, customer=customer, manager=manager, entry=entry, **form.cleaned_data
                )
            except (ApplicationError, ValidationError) as error:
                messages.error(request, _form_errors(error))
            else:
                messages.success(request, _("Request sent to %(manager)s.") % {"manager": manager})
                return redirect(joint_request.get_absolute_url())
    return render(
        request,
        "key_accounts/jointvisitrequest_form.html",
        {"form": form, "customer": customer, "entry": entry, "manager": manager},
    )


def joint_visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    joint_request = get_object_or_404(
        JointVisitRequest.objects.visible_to(request.user).select_related("customer", "salesperson", "manager"),
        pk=pk,
    )
    return render(
        request,
        "key_accounts/jointvisitrequest_detail.html",
        {
            "joint_request": joint_request,
            "answer_form": JointVisitAnswerForm(),
            "log_form": JointVisitLogForm(initial={"visited_at": joint_request.scheduled_at}),
            "is_manager": joint_request.manager_id == request.user.pk,
            "is_salesperson": joint_request.salesperson_id == request.user.pk,
        },
    )


def _visible_request(request: HttpRequest, pk: int) -> JointVisitRequest:
    return get_object_or_404(JointVisitRequest.objects.visible_to(request.user), pk=pk)


def _run(request: HttpRequest, joint_request: JointVisitRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except (ApplicationError, ValidationError) as error:
        messages.error(request, _form_errors(error))
    else:
        messages.success(request, success)
    return redirect(joint_request.get_absolute_url())


@require_POST
def joint_visit_answer(request: HttpRequest, pk: int) -> HttpResponse:
    joint_request = _visible_request(request, pk)
    form = JointVisitAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(joint_request.get_absolute_url())
    return _run(
        request,
        joint_request,
        lambda: key_accounts.answer_joint_visit(request_id=joint_request.pk, manager=request.user, **form.cleaned_data),
        _("Answer sent."),
    )


@require_POST
def joint_visit_take_time(request: HttpRequest, pk: int) -> HttpResponse:
    joint_request = _visible_request(request, pk)
    return _run(
        request,
        joint_request,
        lambda: key_accounts.accept_manager_time(request_id=joint_request.pk, salesperson=request.user),
        _("Time agreed."),
    )


@require_POST
def joint_visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    joint_request = _visible_request(request, pk)
    return _run(
        request,
        joint_request,
        lambda: key_accounts.cancel_joint_visit(request_id=joint_request.pk, salesperson=request.user),
        _("Request cancelled."),
    )


@require_POST
def joint_visit_log(request: HttpRequest, pk: int) -> HttpResponse:
    joint_request = _visible_request(request, pk)
    form = JointVisitLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the time of the visit."))
        return redirect(joint_request.get_absolute_url())
    return _run(
        request,
        joint_request,
        lambda: key_accounts.log_joint_visit(request_id=joint_request.pk, user=request.user, **form.cleaned_data),
        _("Visit logged with both of you."),
    )

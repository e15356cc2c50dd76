"""Pages of the visits app: thin views over the selectors and services."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.customers.models import Customer
from accounts.customers.selectors import duplicates_for, routed_elsewhere_message
from accounts.customers.services import register_customer
from crm.approvals.selectors import approvals_requested_by
from crm.errors import ApplicationError, NotFound
from crm.htmx import add_refusal_to_form, answers_refusals, render_error
from crm.media import protected_file_response
from crm.models import Approval, User
from crm.pagination import CappedPaginator
from crm.params import date_param
from crm.permissions import role_required
from crm.phones import normalise_phone
from crm.replica import replica_view
from crm.spreadsheets import xlsx_response
from visits.day import amendments_by_submission, day_progress, forms_status, manager_asks, next_planned_visits
from visits.filters import VisitFilter
from visits.forms import LeaveRequestForm, QuickCustomerForm, RatingForm, VisitForm
from visits.geo import navigation_links
from visits.models import Material, Obstacle, QuotaShortfall, RouteStop, TalkingPoint, Visit, VisitPhoto
from visits.nearby import (
    DEFAULT_RADIUS_M,
    RADIUS_CHOICES_M,
    customers_in_district,
    districts_for,
    nearby_customers,
    nearby_query,
    radius_label,
)
from visits.plans.selectors import day_plan
from visits.plans.services import save_route_plan
from visits.reports.views import my_day_report_context
from visits.selectors import (
    RouteCandidate,
    customer_timeline,
    day_counts,
    intent_choices,
    route_candidates,
    route_plan_of,
    route_plans_for,
    submission_status_for,
    visits_for_list,
    visits_of_day,
    with_photos,
)
from visits.services import (
    LEAVE_APPROVAL,
    disown_check_in_position,
    explain_shortfall,
    rate_visit,
    record_visit,
    request_leave,
    review_shortfall,
    submit_forms,
    update_visit,
)
from visits.trust import (
    FarCheckInNeedsReason,
    RepeatVisit,
    default_visit_kind,
    gave_customer_position,
    saved_message,
    trust_flags,
    trust_settings_for,
    with_default_kind,
    with_trust,
)

PAGE_SIZE = 25
SEARCH_LIMIT = 8


def _review_context(request: HttpRequest, day: date) -> dict:
    forms = forms_status(salesperson=request.user, day=day)
    return {
        "intent_choices": intent_choices(),
        "obstacle_choices": Obstacle.choices,
        "day": day,
        "forms": forms,
        "submission": forms.submission,
    }


# --- my day: log, review, submit -------------------------------------------------------------------


@role_required(User.Role.SALESPERSON)
def today(request: HttpRequest) -> HttpResponse:
    """The salesperson's start page: today's visits, the end-of-day rating, the forms to submit."""
    day = timezone.localdate()
    visits = list(visits_of_day(salesperson=request.user, day=day))
    context = _review_context(request, day) | {
        "visits": visits,
        "visit_count": len(visits),
        "unrated": sum(1 for visit in visits if not visit.intent),
        "progress": day_progress(salesperson=request.user, day=day),
        "next_visits": next_planned_visits(salesperson=request.user, day=day),
        "asks": manager_asks(salesperson=request.user),
        # Today's plan in route order (visits.plans): its own section of the page.
        "today_plan": day_plan(salesperson=request.user, day=day, today=day),
    }
    forms = context["forms"]
    # A section of its own (visits.reports): today's report, and the comments on one's reports.
    context |= my_day_report_context(
        salesperson=request.user, day=day, with_forms=forms.period_start == forms.period_end
    )
    return render(request, "visits/visit_today.html", context)


@role_required(User.Role.SALESPERSON)
def visit_create(request: HttpRequest) -> HttpResponse:
    """Log a visit: one form, one round trip. The page carries a fresh client_id, so a double-tapped
    or re-sent submit stores one visit."""
    customer = None
    far = repeat = None
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["update_visit"]:
                    return _update_repeated_visit(request, data)
                visit = record_visit(salesperson=request.user, **form.visit_kwargs())
            except FarCheckInNeedsReason as error:
                far = error  # the page asks why, with the distance; the same client_id sends it again
                form.add_error("far_reason", error.message_text)
            except RepeatVisit as error:
                repeat = error  # the page offers to update that visit instead
            except (ValidationError, ApplicationError) as error:
                add_refusal_to_form(form, error)
            else:
                if not visit.replayed:
                    messages.success(request, _saved_message_with_undo(visit))
                return redirect("visits:today")
        if form.cleaned_data.get("customer"):
            customer = Customer.objects.visible_to(request.user).filter(pk=form.cleaned_data["customer"]).first()
    else:
        initial = {"client_id": uuid.uuid4()}
        if request.GET.get("customer", "").isdigit():
            customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=request.GET["customer"])
            initial["kind"] = default_visit_kind(customer.pk, request.user)
        form = VisitForm(initial=initial)
    return render(
        request,
        "visits/visit_form.html",
        {
            "form": form,
            "customer": customer,
            "customer_form": QuickCustomerForm(),
            "far": far,
            "repeat": repeat,
            "radius_m": trust_settings_for(request.user).radius_m,
        },
    )


def _saved_message_with_undo(visit: Visit) -> str:
    """The saved message; when the check-in gave the customer its position, with the way back."""
    text = saved_message(visit, set_location=visit.sets_location)
    if not visit.sets_location:
        return text
    return format_html(
        '{} <a class="alert-link" href="{}#position">{}</a>',
        text,
        reverse("visits:visit_detail", args=[visit.pk]),
        _("Not at the customer?"),
    )


def _update_repeated_visit(request: HttpRequest, data: dict) -> HttpResponse:
    """The salesperson chose to add this submit to the visit it repeats (visits.services.update_visit)."""
    visit = update_visit(
        salesperson=request.user,
        visit_id=data["update_visit"],
        materials=data["materials"],
        talking_points=data["talking_points"],
        notes=data["notes"],
        next_step=data["next_step"],
        next_step_on=data["next_step_on"],
        photos=data["photos"],
    )
    messages.success(
        request,
        _("The %(time)s visit to %(customer)s is updated.")
        % {"time": timezone.localtime(visit.visited_at).strftime("%H:%M"), "customer": visit.customer},
    )
    return redirect("visits:today")


@role_required(User.Role.SALESPERSON)
def customer_search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type over the customers the salesperson may see (name or phone), a few at a time."""
    query = request.GET.get("q", "").strip()
    customers: list[Customer] = []
    if len(query) >= 1:
        condition = Q(unit_name__icontains=query)
        phone = normalise_phone(query)
        if phone:
            condition |= Q(phone=phone)
        customers = list(
            with_default_kind(Customer.objects.visible_to(request.user).filter(condition), request.user)
            .only("pk", "unit_name", "district", "intent", "latitude", "longitude")
            .order_by("unit_name", "pk")[:SEARCH_LIMIT]
        )
    return render(request, "visits/visit_form.html#customer-results", {"customers": customers, "query": query})


@require_POST
@role_required(User.Role.SALESPERSON)
@answers_refusals
def customer_register(request: HttpRequest) -> HttpResponse:
    """Register a new customer from the visit form; it comes back selected. A likely duplicate is
    offered instead (or, outside the salesperson's scope, reported without its details)."""
    form = QuickCustomerForm(request.POST)
    if not form.is_valid():
        return render_error(request, ApplicationError(_("Give at least the unit name.")))
    data = form.cleaned_data
    matches = duplicates_for(
        user=request.user, phone=data["mobile"], unit_name=data["unit_name"], district=data["district"]
    )
    if matches:
        visible = [match.customer for match in matches if match.customer is not None]
        if visible:
            return render(
                request,
                "visits/visit_form.html#customer-results",
                {"customers": visible, "duplicate": True, "selected": visible[0].pk},
            )
        return render_error(
            request, ApplicationError(_("This customer is already registered by a colleague. Ask your manager."))
        )
    customer = register_customer(created_by=request.user, data=form.customer_data(), contacts=form.contacts())
    if customer.owner != request.user:
        # Routed to a colleague's territory (or the queue): the visit cannot be logged against it here.
        return render_error(request, ApplicationError(routed_elsewhere_message(customer)), status=200)
    return render(
        request,
        "visits/visit_form.html#customer-results",
        {"customers": [customer], "selected": customer.pk, "registered": True},
    )


@require_POST
@role_required(User.Role.SALESPERSON)
@answers_refusals(status=403)
def visit_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: the intent of a visit (and the obstacles, when given). Returns the visit's card."""
    visit = get_object_or_404(Visit.objects.visible_to(request.user).select_related("customer"), pk=pk)
    form = RatingForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    visit = rate_visit(
        visit_id=visit.pk,
        salesperson=request.user,
        intent=request.POST.get("intent", ""),
        obstacles=data.get("obstacles", request.POST.getlist("obstacles")),
        obstacle_detail=request.POST.get("obstacle_detail", ""),
    )
    if not request.htmx:
        return redirect("visits:today")
    visit = Visit.objects.select_related("customer").get(pk=visit.pk)
    html = render_to_string(
        "visits/visit_today.html#visit-card",
        {"visit": visit, "intent_choices": intent_choices(), "obstacle_choices": Obstacle.choices},
        request,
    )
    if visit.visited_on == timezone.localdate():
        # "My day" counts what is left to rate above the cards: it changes with this rating too.
        visit_count, unrated = day_counts(salesperson=request.user, day=visit.visited_on)
        html += render_to_string(
            "visits/visit_today.html#day-summary",
            {"visit_count": visit_count, "unrated": unrated, "oob": True},
            request,
        )
    return HttpResponse(html)


@require_POST
@role_required(User.Role.SALESPERSON)
@answers_refusals(redirect_to="visits:today")
def forms_submit(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    submit_forms(salesperson=request.user, day=day)
    if not request.htmx:
        return redirect("visits:today")
    context = _review_context(request, day)
    # The status line at the top of "my day" changes with it.
    html = render_to_string("visits/visit_today.html#submission", context, request)
    html += render_to_string("visits/visit_today.html#forms-status", context | {"oob": True}, request)
    return HttpResponse(html)


# --- lists ------------------------------------------------------------------------------------------


def _filtered_visits(request: HttpRequest) -> VisitFilter:
    return VisitFilter(request.GET or None, queryset=with_trust(visits_for_list(user=request.user)), request=request)


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@role_required(User.Role.SALESPERSON)
def my_visits(request: HttpRequest) -> HttpResponse:
    """The salesperson's own visits, newest first."""
    visits = VisitFilter(
        request.GET or None,
        queryset=with_photos(with_trust(visits_for_list(user=request.user).filter(salesperson=request.user))),
        request=request,
    )
    page = CappedPaginator(visits.qs.order_by("-visited_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/visit_list.html",
        {"filter": visits, "page_obj": page, "query_string": _query_string(request), "mine": True},
    )


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def visit_list(request: HttpRequest) -> HttpResponse:
    """The team's visits (admin: everyone's), filtered by person, dates, intent, kind and territory.

    Counted up to COUNT_CAP (crm.pagination): past it the page says "more than 1000" and pages on.
    """
    visits = _filtered_visits(request)
    page = CappedPaginator(with_photos(visits.qs.order_by("-visited_at", "-id")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "visits/visit_list.html",
        {"filter": visits, "page_obj": page, "query_string": _query_string(request), "mine": False},
    )


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
@replica_view
def visit_export(request: HttpRequest) -> HttpResponse:
    """The filtered visit list as an Excel file, streamed; text that looks like a formula stays text."""
    visits = _filtered_visits(request).qs.order_by("-visited_at", "-id")
    if request.user.is_salesperson:
        visits = visits.filter(salesperson=request.user)
    kinds = dict(Visit.Kind.choices)
    materials = dict(Material.choices)
    points = dict(TalkingPoint.choices)
    obstacles = dict(Obstacle.choices)
    header = [
        _("Day"),
        _("Time"),
        _("Salesperson"),
        _("Customer"),
        _("Territory"),
        _("Kind of visit"),
        _("Handed over"),
        _("Points covered"),
        _("Notes"),
        _("Next step"),
        _("Next step on"),
        _("Intent"),
        _("Obstacles"),
        _("Obstacle detail"),
        _("Distance (m)"),
        _("Far from the customer"),
        _("Why checked in far away"),
        _("Flags"),
    ]
    rows = (
        [
            visit.visited_on,
            timezone.localtime(visit.visited_at).strftime("%H:%M"),
            str(visit.salesperson),
            visit.customer.unit_name,
            visit.customer.territory.name if visit.customer.territory else "",
            str(kinds.get(visit.kind, visit.kind)),
            "、".join(str(materials.get(value, value)) for value in visit.materials),
            "、".join(str(points.get(value, value)) for value in visit.talking_points),
            visit.notes,
            visit.next_step,
            visit.next_step_on,
            visit.intent,
            "、".join(str(obstacles.get(value, value)) for value in visit.obstacles),
            visit.obstacle_detail,
            visit.distance_m,
            _("yes") if visit.far_from_customer else "",
            visit.far_reason,
            " ".join(flag.text for flag in trust_flags(visit)),
        ]
        for visit in visits.iterator(chunk_size=2000)
    )
    filename = f"visits-{timezone.localdate().isoformat()}.xlsx"
    return xlsx_response(filename=filename, header=header, rows=rows, sheet_title=_("Visits"))


@require_safe
def visit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit's photo (stamped), only for those who see the visit (404 otherwise, as if missing)."""
    photo = get_object_or_404(VisitPhoto.objects.visible_to(request.user), pk=pk)
    return protected_file_response(request, photo.image)


@require_safe
def visit_photo_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit photo's thumbnail; the stamped photo itself until the worker has made it."""
    photo = get_object_or_404(VisitPhoto.objects.visible_to(request.user), pk=pk)
    return protected_file_response(request, photo.thumbnail or photo.image)


@require_safe
def visit_photo_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo as received (cleaned, before the stamp), kept as the evidence; same visibility."""
    photo = get_object_or_404(VisitPhoto.objects.visible_to(request.user), pk=pk)
    return protected_file_response(request, photo.original)


@require_safe
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One visit with its photos full width: for those who see the visit, 404 for anyone else."""
    # The same flags as the team review, with their reasons (with_trust: the team's radius, the previous check-in).
    visit = get_object_or_404(with_photos(with_trust(visits_for_list(user=request.user))), pk=pk)
    gave_position = gave_customer_position(visit)
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "gave_position": gave_position,
            "may_undo_position": gave_position and visit.salesperson_id == request.user.pk,
        },
    )


@require_POST
@role_required(User.Role.SALESPERSON)
def visit_not_at_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in that gave the customer its position was not at the customer: take it back."""
    try:
        visit = disown_check_in_position(salesperson=request.user, visit_id=pk)
    except NotFound:
        raise
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The position of %(customer)s is forgotten: the next check-in at the door sets it.")
            % {"customer": visit.customer},
        )
    return redirect("visits:visit_detail", pk=pk)


@require_safe
@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def nearby(request: HttpRequest) -> HttpResponse:
    """Customers near me: from the phone's position (``?latitude=&longitude=&radius=``, sent by the page's
    script), nearest first; without a position, the customers of a district picked by hand."""
    query = nearby_query(request.GET)
    district = request.GET.get("district", "").strip()[:50]
    context: dict = {
        "query": query,
        "district": district,
        "radius_choices": [(meters, radius_label(meters)) for meters in RADIUS_CHOICES_M],
        "radius": query.radius_m if query else DEFAULT_RADIUS_M,
        "max_radius": RADIUS_CHOICES_M[-1],
        "rows": None,
        "districts": [],
    }
    if query is not None:
        context["rows"] = nearby_customers(user=request.user, query=query)
    else:
        if district:
            context["rows"] = customers_in_district(user=request.user, district=district)
        context["districts"] = districts_for(user=request.user)
    return render(request, "visits/nearby.html", context)


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def customer_visits(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """A customer's visit timeline (also included on the customer's page)."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=customer_pk)
    page = Paginator(customer_timeline(user=request.user, customer_id=customer.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "visits/visit_timeline.html", {"customer": customer, "page_obj": page})


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def submission_list(request: HttpRequest) -> HttpResponse:
    """Who has and has not submitted the forms covering a day (default: the last working day)."""
    from visits.tasks import default_quota_day

    day = date_param(request.GET, "day") or default_quota_day()
    people = list(submission_status_for(user=request.user, day=day))
    amended = amendments_by_submission(
        submission_ids=[person.submission_id for person in people if person.amendment_count]
    )
    for person in people:
        person.amendments = amended.get(person.submission_id, [])
    missing = [person for person in people if person.submitted_at is None]
    return render(
        request,
        "visits/formsubmission_list.html",
        {"day": day, "people": people, "missing": len(missing), "late": sum(1 for p in people if p.late)},
    )


# --- shortfalls -----------------------------------------------------------------------------------


def _shortfalls_for(user: User):
    # What needs the viewer's action comes first: explanations for salespeople, reviews for managers.
    first = QuotaShortfall.Review.AWAITING_EXPLANATION if user.is_salesperson else QuotaShortfall.Review.AWAITING_REVIEW
    return (
        QuotaShortfall.objects.visible_to(user)
        .select_related("salesperson", "reviewed_by")
        .annotate(needs_me=Case(When(status=first, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("needs_me", "-day", "salesperson__username")
    )


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def shortfall_list(request: HttpRequest) -> HttpResponse:
    """Shortfalls to explain (salesperson) or to review (manager), most urgent first."""
    page = Paginator(_shortfalls_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "visits/quotashortfall_list.html", {"page_obj": page})


def _row(request: HttpRequest, shortfall: QuotaShortfall) -> HttpResponse:
    return render(request, "visits/quotashortfall_list.html#shortfall-row", {"shortfall": shortfall})


@require_POST
@role_required(User.Role.SALESPERSON)
@answers_refusals
def shortfall_explain(request: HttpRequest, pk: int) -> HttpResponse:
    shortfall = get_object_or_404(QuotaShortfall.objects.visible_to(request.user), pk=pk)
    shortfall = explain_shortfall(
        shortfall=shortfall, salesperson=request.user, explanation=request.POST.get("explanation", "")
    )
    return _row(request, shortfall)


@require_POST
@role_required(User.Role.MANAGER, User.Role.ADMIN)
@answers_refusals
def shortfall_review(request: HttpRequest, pk: int) -> HttpResponse:
    shortfall = get_object_or_404(QuotaShortfall.objects.visible_to(request.user), pk=pk)
    shortfall = review_shortfall(
        shortfall=shortfall,
        manager=request.user,
        decision=request.POST.get("decision", ""),
        note=request.POST.get("note", ""),
    )
    return _row(request, shortfall)


# --- today's route 顺路规划 ----------------------------------------------------------------------


def _start_point(request: HttpRequest) -> tuple[float, float] | None:
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return lat, lng
    return None


@role_required(User.Role.SALESPERSON)
@answers_refusals(redirect_to="visits:route")
def route(request: HttpRequest) -> HttpResponse:
    """Today's route: the proposed stops ordered from the start point, each opening the phone's
    navigation app; saving keeps the plan for the manager to compare with the visits."""
    day = timezone.localdate()
    if request.method == "POST":
        ids = [int(pk) for pk in request.POST.getlist("customers") if pk.isdigit()]
        reasons = {
            int(key.removeprefix("reason-")): value
            for key, value in request.POST.items()
            if key.startswith("reason-") and key.removeprefix("reason-").isdigit()
        }
        save_route_plan(
            salesperson=request.user,
            day=day,
            customer_ids=ids,
            reasons={pk: reason for pk, reason in reasons.items() if reason in RouteStop.Reason.values},
            start_latitude=request.POST.get("lat") or None,
            start_longitude=request.POST.get("lng") or None,
        )
        messages.success(request, _("Today's route is saved."))
        return redirect("visits:route")
    start = _start_point(request)
    plan = route_plan_of(salesperson=request.user, day=day)
    context = {
        "day": day,
        "plan": plan,
        "stops": [
            {
                "stop": stop,
                "links": navigation_links(stop.customer.latitude, stop.customer.longitude, stop.customer.unit_name)
                if stop.customer.latitude is not None
                else None,
            }
            for stop in (plan.stops.all() if plan else [])
        ],
        "candidates": _route_choices(plan, route_candidates(salesperson=request.user, day=day, start=start)),
        "start": start,
    }
    return render(request, "visits/routeplan_detail.html", context)


def _route_choices(plan, proposals: list[RouteCandidate]) -> list[RouteCandidate]:
    """What "plan again" offers: today's planned stops first (the week plan's included, so that saving again
    keeps them unless unticked), then the customers due that are not planned yet."""
    stops = list(plan.stops.all()) if plan else []
    planned = {stop.customer_id for stop in stops}
    kept = [
        RouteCandidate(
            customer=stop.customer,
            reason=stop.reason,
            distance_from_previous_m=stop.distance_from_previous_m,
            visited_today=stop.visited,
        )
        for stop in stops
    ]
    return kept + [candidate for candidate in proposals if candidate.customer.pk not in planned]


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def route_list(request: HttpRequest) -> HttpResponse:
    """The team's plans for a day against the visits made: each stop visited or not, and the visits
    made off the plan."""
    day = date_param(request.GET, "day") or timezone.localdate()
    page = Paginator(route_plans_for(user=request.user, day=day), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/routeplan_list.html",
        {"page_obj": page, "day": day, "query_string": f"day={day.isoformat()}"},
    )


# --- leave 请假 ------------------------------------------------------------------------------------


@role_required(User.Role.SALESPERSON)
def leave_request(request: HttpRequest) -> HttpResponse:
    """Ask for leave from the phone; the requests asked so far and what became of them."""
    form = LeaveRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        start_day = form.cleaned_data["start_day"]
        try:
            approval = request_leave(
                salesperson=request.user,
                start_day=start_day,
                end_day=form.cleaned_data["end_day"] or start_day,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, ApplicationError) as error:
            add_refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _("Leave asked for: %(summary)s. Awaiting approval by %(name)s.")
                % {"summary": approval.summary, "name": approval.approver},
            )
            return redirect("visits:leave_request")
    asked = approvals_requested_by(user=request.user).filter(kind=LEAVE_APPROVAL)[:20]
    return render(
        request,
        "visits/leave_request.html",
        {"form": form, "asked": asked, "pending": Approval.State.PENDING},
        status=400 if request.method == "POST" else 200,
    )

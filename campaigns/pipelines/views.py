"""The pipeline pages: agent recruitment 代理人加盟 and government tenders 政府招投标. A board (counts per
stage) over the list, a record's page with its history and the next stages, a create form. Owners,
their managers and the admin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.pipelines import selectors, services
from campaigns.pipelines.forms import CandidateForm, StageForm, TenderForm
from campaigns.pipelines.models import CandidateStage, TenderStage
from crm.dates import local_today
from crm.errors import ApplicationError
from crm.htmx import add_refusal_to_form
from crm.models import User
from crm.params import BadParameter
from crm.permissions import role_required

PAGE_SIZE = 25
FIELD = (User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)


def _stage_param(request: HttpRequest, choices: type) -> str:
    stage = request.GET.get("stage", "").strip()
    if stage and stage not in choices.values:
        raise BadParameter("stage", gettext_lazy("Choose a stage from the list."))
    return stage


def _next_stages(moves: dict[str, tuple[str, ...]], stage: str, choices: type) -> list[tuple[str, str]]:
    return [(value, choices(value).label) for value in moves[stage]]


@role_required(*FIELD)
def candidate_list(request: HttpRequest) -> HttpResponse:
    stage = _stage_param(request, CandidateStage)
    rows = selectors.candidates_for(viewer=request.user, stage=stage)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/candidate_list.html",
        {
            "board": selectors.candidate_board(viewer=request.user),
            "page_obj": page,
            "stage": stage,
            "query_string": f"stage={stage}" if stage else "",
        },
    )


def _create_page(request: HttpRequest, *, form_class, create, template: str, saved: str) -> HttpResponse:
    """A pipeline's create page: the form, saved through the pipeline's one create service."""
    form = form_class(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record = create(created_by=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(request, saved)
            return redirect(record.get_absolute_url())
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


def _stage_page(
    request: HttpRequest, *, record, moves, stage_choices, move, template: str, context: dict
) -> HttpResponse:
    """A record's page with the stages it may go to next; a stage change goes through ``move`` (the
    pipeline's one stage service, given ``to_stage``, ``reason`` and ``changed_by``)."""
    stages = _next_stages(moves, record.stage, stage_choices)
    form = StageForm(request.POST or None, stages=stages)
    if request.method == "POST" and form.is_valid():
        try:
            move(to_stage=form.cleaned_data["stage"], reason=form.cleaned_data["reason"], changed_by=request.user)
        except (ValidationError, ApplicationError) as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(request, _("Stage changed."))
            return redirect(record.get_absolute_url())
    return render(request, template, {**context, "form": form, "stages": stages}, status=400 if form.errors else 200)


@role_required(*FIELD)
def candidate_create(request: HttpRequest) -> HttpResponse:
    return _create_page(
        request,
        form_class=CandidateForm,
        create=services.create_candidate,
        template="campaigns/candidate_form.html",
        saved=_("Candidate saved."),
    )


@role_required(*FIELD)
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(selectors.candidates_for(viewer=request.user), pk=pk)
    return _stage_page(
        request,
        record=candidate,
        moves=services.CANDIDATE_MOVES,
        stage_choices=CandidateStage,
        move=lambda **change: services.move_candidate(candidate_id=candidate.pk, **change),
        template="campaigns/candidate_detail.html",
        context={"candidate": candidate, "history": selectors.candidate_history(candidate=candidate)},
    )


@role_required(*FIELD)
def tender_list(request: HttpRequest) -> HttpResponse:
    stage = _stage_param(request, TenderStage)
    overdue = request.GET.get("overdue", "") == "1"
    today = local_today()
    rows = selectors.tenders_for(viewer=request.user, stage=stage, overdue_on=today if overdue else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "&".join(part for part in (f"stage={stage}" if stage else "", "overdue=1" if overdue else "") if part)
    return render(
        request,
        "campaigns/tender_list.html",
        {
            "board": selectors.tender_board(viewer=request.user, today=today),
            "page_obj": page,
            "stage": stage,
            "overdue": overdue,
            "today": today,
            "query_string": query,
        },
    )


@role_required(*FIELD)
def tender_create(request: HttpRequest) -> HttpResponse:
    return _create_page(
        request,
        form_class=TenderForm,
        create=services.create_tender,
        template="campaigns/tender_form.html",
        saved=_("Tender saved."),
    )


@role_required(*FIELD)
def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tender = get_object_or_404(selectors.tenders_for(viewer=request.user), pk=pk)
    return _stage_page(
        request,
        record=tender,
        moves=services.TENDER_MOVES,
        stage_choices=TenderStage,
        move=lambda **change: services.move_tender(tender_id=tender.pk, **change),
        template="campaigns/tender_detail.html",
        context={"tender": tender, "history": selectors.tender_history(tender=tender)},
    )

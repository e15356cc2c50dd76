"""Segment pages: build a saved filter over customers with its live count (htmx), change it, use it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns import selectors, services
from campaigns.forms import SegmentCriteriaForm, SegmentForm
from campaigns.models import Segment
from campaigns.segments import clean_criteria, segment_count, segments_for_list
from campaigns.views import DESK_ROLES, _form_error, _page
from crm.models import User
from crm.permissions import has_role, role_required

# Who may open the customer list and its export with a segment (info staff see no customer list).
LIST_ROLES = (User.Role.MANAGER, User.Role.ADMIN)


def _count(request: HttpRequest, form: SegmentCriteriaForm) -> int | None:
    """The live count of what the form says, or None when the form does not say it clearly (its errors show)."""
    if not form.is_valid():
        return None
    try:
        criteria = clean_criteria(form.criteria())
    except ValidationError as error:
        _form_error(form, error)
        return None
    return segment_count(user=request.user, criteria=criteria)


def _render(request: HttpRequest, form: SegmentForm, *, segment: Segment | None = None, status: int = 200):
    # The count of the filters as they stand, whatever else the form still lacks (its name).
    counted = SegmentCriteriaForm(form.data if form.is_bound else {}, campaigns=_campaigns(request))
    return render(
        request,
        "campaigns/segment_form.html",
        {
            "form": form,
            "segment": segment,
            "count": _count(request, counted),
            "may_list": has_role(request.user, *LIST_ROLES),
        },
        status=status,
    )


def _campaigns(request: HttpRequest):
    return selectors.campaigns_for_list(user=request.user)


@role_required(*DESK_ROLES)
def segment_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, segments_for_list(user=request.user))
    return render(request, "campaigns/segment_list.html", {"page_obj": page})


@role_required(*DESK_ROLES)
def segment_create(request: HttpRequest) -> HttpResponse:
    """A new segment: its filters, with the count of matching customers updated as they are chosen."""
    form = SegmentForm(request.POST or None, campaigns=_campaigns(request))
    if request.method == "POST" and form.is_valid():
        try:
            segment = services.save_segment(
                saved_by=request.user, name=form.cleaned_data["name"], criteria=form.criteria()
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Segment saved."))
            return redirect(segment)
    return _render(request, form, status=400 if request.method == "POST" else 200)


@role_required(*DESK_ROLES)
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved segment: its filters (changed here) and count as the viewer may see it, and what uses it."""
    segment = get_object_or_404(segments_for_list(user=request.user), pk=pk)
    data = request.POST if request.method == "POST" else {"name": segment.name, **_as_data(segment.criteria)}
    form = SegmentForm(data, campaigns=_campaigns(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_segment(
                saved_by=request.user, name=form.cleaned_data["name"], criteria=form.criteria(), segment=segment
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Segment saved."))
            return redirect(segment)
    return _render(request, form, segment=segment, status=400 if request.method == "POST" else 200)


def _as_data(criteria: dict) -> dict:
    """A saved segment's criteria as the form's data (so that the page opens with its count)."""
    data: dict = {}
    for key, value in SegmentCriteriaForm.initial_from(criteria).items():
        data[key] = [str(item) for item in value] if isinstance(value, list) else str(value)
    return data


@role_required(*DESK_ROLES)
@require_GET
def segment_count_view(request: HttpRequest) -> HttpResponse:
    """htmx: the count of customers the filters being chosen select (one COUNT query)."""
    form = SegmentCriteriaForm(request.GET, campaigns=_campaigns(request))
    return render(request, "campaigns/segment_form.html#count", {"form": form, "count": _count(request, form)})

"""The approvals pages: the inbox (to decide, and one's own requests) and one approval with its decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.approvals.selectors import (
    approvals_decided_by,
    approvals_requested_by,
    approvals_to_decide,
    visible_approvals,
)
from crm.approvals.services import decide_approval, kind_label, may_decide, withdraw_approval
from crm.htmx import answers_refusals
from crm.models import User
from crm.permissions import role_required

DECISIONS = {"approve": True, "reject": False}
PAGE_SIZE = 25


@require_GET
@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def inbox(request: HttpRequest) -> HttpResponse:
    """What waits for me (managers, admin), what I decided lately, and what I asked for."""
    user = request.user
    decides = user.is_manager or user.sees_everything
    to_decide = list(approvals_to_decide(user=user)[:PAGE_SIZE]) if decides else []
    decided = list(approvals_decided_by(user=user)[:10]) if decides else []
    mine = Paginator(approvals_requested_by(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    for approval in [*to_decide, *decided, *mine]:
        approval.kind_label = kind_label(approval.kind)
    return render(
        request,
        "crm/approval_inbox.html",
        {"decides": decides, "to_decide": to_decide, "decided": decided, "page_obj": mine},
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(
        visible_approvals(user=request.user).select_related("requester", "approver", "decided_by"), pk=pk
    )
    approval.kind_label = kind_label(approval.kind)
    history = list(approval.history.select_related("history_user").order_by("history_date", "history_id"))
    return render(
        request,
        "crm/approval_detail.html",
        {
            "approval": approval,
            "history": history,
            "can_decide": approval.state == approval.State.PENDING and may_decide(approval=approval, user=request.user),
            "can_withdraw": approval.state == approval.State.PENDING and approval.requester_id == request.user.pk,
        },
    )


@require_POST
@answers_refusals(redirect_to="approvals:inbox")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        messages.error(request, _("Choose approve or reject."))
        return redirect("approvals:detail", pk=pk)
    approval = decide_approval(
        approval_id=pk, user=request.user, approve=DECISIONS[decision], comment=request.POST.get("comment", "")
    )
    if approval.state == approval.State.APPROVED:
        messages.success(request, _("Approved: %(summary)s") % {"summary": approval.summary})
    else:
        messages.success(request, _("Rejected: %(summary)s") % {"summary": approval.summary})
    return redirect("approvals:inbox")


@require_POST
@answers_refusals(redirect_to="approvals:inbox")
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    approval = withdraw_approval(approval_id=pk, user=request.user)
    messages.success(request, _("Withdrawn: %(summary)s") % {"summary": approval.summary})
    return redirect("approvals:inbox")

"""Reads of the approvals engine: the approver's inbox, a person's requests, one approval."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.models import Approval, User


def visible_approvals(*, user: User) -> QuerySet[Approval]:
    """What ``user`` may open: their own requests, what they decide; an administrator everything."""
    approvals = Approval.objects.all()
    if user.sees_everything:
        return approvals
    return approvals.filter(Q(requester=user) | Q(approver=user))


def approvals_to_decide(*, user: User) -> QuerySet[Approval]:
    """Pending approvals waiting for ``user``, oldest first."""
    return (
        Approval.objects.filter(approver=user, state=Approval.State.PENDING)
        .select_related("requester")
        .order_by("created_at", "pk")
    )


def approvals_requested_by(*, user: User) -> QuerySet[Approval]:
    return (
        Approval.objects.filter(requester=user).select_related("approver", "decided_by").order_by("-created_at", "-pk")
    )


def approvals_decided_by(*, user: User) -> QuerySet[Approval]:
    return (
        Approval.objects.filter(approver=user)
        .exclude(state=Approval.State.PENDING)
        .select_related("requester", "decided_by")
        .order_by("-decided_at", "-pk")
    )


def pending_approval_count(*, user: User) -> int:
    """The count on the approver's start page and in the menu (one indexed query)."""
    if not (user.is_manager or user.sees_everything):
        return 0
    return Approval.objects.filter(approver=user, state=Approval.State.PENDING).count()

"""API of the approvals: mine or those to decide, one approval, decide, withdraw (the services of the pages)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from crm.approvals.selectors import visible_approvals
from crm.approvals.services import decide_approval, kind_label, withdraw_approval
from crm.models import Approval


class ApprovalSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    requester_name = serializers.CharField(source="requester.__str__", read_only=True)
    approver_name = serializers.CharField(source="approver.__str__", read_only=True)

    class Meta:
        model = Approval
        fields = [
            "id",
            "kind",
            "kind_label",
            "state",
            "summary",
            "comment",
            "payload",
            "requester",
            "requester_name",
            "approver",
            "approver_name",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
        ]
        read_only_fields = fields

    def get_kind_label(self, approval: Approval) -> str:
        return kind_label(approval.kind)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ApprovalFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(
        choices=[("to_decide", _("Waiting for me to decide")), ("mine", _("Asked for by me"))],
        method="filter_box",
        label=_("Which approvals"),
    )
    state = django_filters.ChoiceFilter(choices=Approval.State.choices)

    class Meta:
        model = Approval
        fields = ["box", "state"]

    def filter_box(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(approver=user) if value == "to_decide" else queryset.filter(requester=user)


class ApprovalViewSet(viewsets.ReadOnlyModelViewSet):
    """Approvals the user may see (their requests, what they decide; the admin all). ``box=to_decide``: waiting
    for the user; ``box=mine``: asked for by the user. Deciding: the approver or the admin, else 404; twice: 409."""

    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Approval.objects.none()
        return (
            visible_approvals(user=self.request.user)
            .select_related("requester", "approver")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=DecisionSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def decide(self, request, pk=None):
        approval = get_object_or_404(self.get_queryset(), pk=pk)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = decide_approval(
            approval_id=approval.pk,
            user=request.user,
            approve=data.validated_data["decision"] == "approve",
            comment=data.validated_data.get("comment", ""),
        )
        return Response(ApprovalSerializer(approval).data)

    @extend_schema(request=None, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        approval = get_object_or_404(self.get_queryset(), pk=pk)
        approval = withdraw_approval(approval_id=approval.pk, user=request.user)
        return Response(ApprovalSerializer(approval).data)

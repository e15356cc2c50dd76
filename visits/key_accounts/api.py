"""API of the follow-up: shortlist entries and joint-visit requests, within visibility."""

from __future__ import annotations

from django.db.models import Exists
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a ValueError
from rest_framework.response import Response

from accounts.customers.models import Customer
from visits.key_accounts import services as key_accounts
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.key_accounts.selectors import follow_up_visits
from visits.models import Obstacle


class KeyAccountEntrySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.unit_name", read_only=True)
    salesperson_name = serializers.CharField(source="salesperson.__str__", read_only=True)
    has_follow_up = serializers.BooleanField(read_only=True)

    class Meta:
        model = KeyAccountEntry
        fields = [
            "id",
            "week",
            "salesperson",
            "salesperson_name",
            "customer",
            "customer_name",
            "origin",
            "intent",
            "rated_at",
            "obstacles",
            "obstacle_detail",
            "prepared_answer",
            "planned_on",
            "outcome",
            "outcome_note",
            "outcome_at",
            "has_follow_up",
            "version",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    obstacles = serializers.ListField(child=serializers.ChoiceField(choices=Obstacle.choices), required=False)
    obstacle_detail = serializers.CharField(max_length=300, required=False, allow_blank=True)
    prepared_answer = serializers.CharField(required=False, allow_blank=True)
    planned_on = serializers.DateField(required=False, allow_null=True)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c in KeyAccountEntry.Outcome.choices if c[0] != "open"])
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class KeyAccountEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Shortlist entries the user may see. Filter with ?week=YYYY-MM-DD (a Monday), ?salesperson=, ?outcome=."""

    serializer_class = KeyAccountEntrySerializer
    filterset_fields = ["week", "salesperson", "outcome", "customer"]
    ordering_fields = ["week", "planned_on", "id"]

    def get_queryset(self):
        return (
            KeyAccountEntry.objects.visible_to(self.request.user)
            .select_related("customer", "salesperson")
            .annotate(has_follow_up=Exists(follow_up_visits()))
            .order_by("-week", "salesperson_id", "id")
        )

    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        entry = self.get_object()
        data = PlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {
            "obstacles": entry.obstacles,
            "obstacle_detail": entry.obstacle_detail,
            "prepared_answer": entry.prepared_answer,
            "planned_on": entry.planned_on,
            **data.validated_data,
        }
        key_accounts.update_key_account_plan(entry_id=entry.pk, user=request.user, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data)

    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        entry = self.get_object()
        data = OutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key_accounts.record_key_account_outcome(
            entry_id=entry.pk,
            user=request.user,
            outcome=data.validated_data["outcome"],
            note=data.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data)


class JointVisitRequestSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    entry = serializers.PrimaryKeyRelatedField(queryset=KeyAccountEntry.objects.none(), required=False, allow_null=True)

    class Meta:
        model = JointVisitRequest
        fields = [
            "id",
            "customer",
            "entry",
            "salesperson",
            "manager",
            "mode",
            "reason",
            "proposed_at",
            "alternative_at",
            "manager_proposed_at",
            "scheduled_at",
            "response_note",
            "responded_at",
            "status",
            "visit",
            "created_at",
        ]
        read_only_fields = [
            "salesperson",
            "manager",
            "manager_proposed_at",
            "scheduled_at",
            "response_note",
            "responded_at",
            "status",
            "visit",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only customers and entries the user can see can be named: others do not exist for them.
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)
            self.fields["entry"].queryset = KeyAccountEntry.objects.visible_to(request.user)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=key_accounts.Answer.ALL)
    time_chosen = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class JointVisitRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Joint-visit requests the user may see; a salesperson creates one for their own manager."""

    serializer_class = JointVisitRequestSerializer
    filterset_fields = ["status", "mode", "customer"]

    def get_queryset(self):
        return JointVisitRequest.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        if not user.is_salesperson:
            raise PermissionDenied
        manager = user.team.manager if user.team is not None else None
        if manager is None:
            raise key_accounts.NotYourManager
        data = serializer.validated_data
        joint_request = key_accounts.request_joint_visit(
            salesperson=user,
            customer=data["customer"],
            manager=manager,
            mode=data.get("mode", JointVisitRequest.Mode.JOINT_VISIT),
            reason=data["reason"],
            proposed_at=data["proposed_at"],
            alternative_at=data.get("alternative_at"),
            entry=data.get("entry"),
        )
        return Response(self.get_serializer(joint_request).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        joint_request = get_object_or_404(self.get_queryset(), pk=pk)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        joint_request = key_accounts.answer_joint_visit(
            request_id=joint_request.pk, manager=request.user, **data.validated_data
        )
        return Response(self.get_serializer(joint_request).data)

"""The pipelines over the API: list and read in the pages' scope (a hidden record answers 404), create and
move a stage through the same services as the pages. Writes are the field's (salespeople, managers, admin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns.pipelines import selectors, services
from campaigns.pipelines.serializers import (
    CandidateCreateSerializer,
    CandidateSerializer,
    CandidateStageSerializer,
    TenderCreateSerializer,
    TenderSerializer,
    TenderStageSerializer,
)
from crm.models import User
from crm.permissions import has_role

FIELD_ROLES = (User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)


class FieldWritesOnly(permissions.BasePermission):
    """Everyone signed in reads what ``visible_to`` gives them (info staff: nothing); the field writes."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or has_role(request.user, *FIELD_ROLES)


# A pipeline's records: the list and a record in the pages' scope, created and moved through the pipeline's
# services. A subclass names its serializers and the two services; its schema (per operation) is its own. (A
# comment, not a docstring: drf-spectacular would take a docstring for every operation's description.)
class _PipelineViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [permissions.IsAuthenticated, FieldWritesOnly]
    create_serializer_class: type[serializers.Serializer]
    stage_serializer_class: type[serializers.Serializer]

    def create_record(self, *, created_by: User, **data):
        raise NotImplementedError

    def move_record(self, *, record_id: int, to_stage: str, reason: str, changed_by: User):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        data = self.create_serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        record = self.create_record(created_by=request.user, **data.validated_data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        record = self.get_object()
        data = self.stage_serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        moved = self.move_record(
            record_id=record.pk,
            to_stage=data.validated_data["stage"],
            reason=data.validated_data["reason"],
            changed_by=request.user,
        )
        return Response(self.get_serializer(moved).data)


@extend_schema_view(
    create=extend_schema(request=CandidateCreateSerializer, responses={201: CandidateSerializer}),
    stage=extend_schema(
        request=CandidateStageSerializer,
        responses=CandidateSerializer,
        description="Move the candidate one stage on (or dropped, with a reason); 400 with a message otherwise.",
    ),
)
class CandidateViewSet(_PipelineViewSet):
    serializer_class = CandidateSerializer
    create_serializer_class = CandidateCreateSerializer
    stage_serializer_class = CandidateStageSerializer
    filterset_fields = ["stage", "owner", "source_channel"]
    ordering_fields = ["stage_changed_at", "id"]

    def get_queryset(self):
        return selectors.candidates_for(viewer=self.request.user)

    def create_record(self, *, created_by: User, **data):
        return services.create_candidate(created_by=created_by, **data)

    def move_record(self, *, record_id: int, to_stage: str, reason: str, changed_by: User):
        return services.move_candidate(candidate_id=record_id, to_stage=to_stage, reason=reason, changed_by=changed_by)


@extend_schema_view(
    create=extend_schema(request=TenderCreateSerializer, responses={201: TenderSerializer}),
    stage=extend_schema(
        request=TenderStageSerializer,
        responses=TenderSerializer,
        description="Move the tender one stage on (won once opened; lost from any open stage, with a reason).",
    ),
)
class TenderViewSet(_PipelineViewSet):
    serializer_class = TenderSerializer
    create_serializer_class = TenderCreateSerializer
    stage_serializer_class = TenderStageSerializer
    filterset_fields = ["stage", "owner", "territory"]
    ordering_fields = ["submission_deadline", "id"]

    def get_queryset(self):
        return selectors.tenders_for(viewer=self.request.user)

    def create_record(self, *, created_by: User, **data):
        return services.create_tender(created_by=created_by, **data)

    def move_record(self, *, record_id: int, to_stage: str, reason: str, changed_by: User):
        return services.move_tender(tender_id=record_id, to_stage=to_stage, reason=reason, changed_by=changed_by)

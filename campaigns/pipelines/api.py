"""The pipelines over the API: list and read in the pages' scope (a hidden record answers 404), create and
move a stage through the same services as the pages. Writes are the field's (salespeople, managers, admin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
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


class CandidateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = CandidateSerializer
    permission_classes = [permissions.IsAuthenticated, FieldWritesOnly]
    filterset_fields = ["stage", "owner", "source_channel"]
    ordering_fields = ["stage_changed_at", "id"]

    def get_queryset(self):
        return selectors.candidates_for(viewer=self.request.user)

    @extend_schema(request=CandidateCreateSerializer, responses={201: CandidateSerializer})
    def create(self, request, *args, **kwargs):
        data = CandidateCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        candidate = services.create_candidate(created_by=request.user, **data.validated_data)
        return Response(CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CandidateStageSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        """Move the candidate one stage on (or dropped, with a reason); 400 with a message otherwise."""
        candidate = self.get_object()
        data = CandidateStageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.move_candidate(
            candidate_id=candidate.pk,
            to_stage=data.validated_data["stage"],
            reason=data.validated_data["reason"],
            changed_by=request.user,
        )
        return Response(CandidateSerializer(moved).data)


class TenderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = TenderSerializer
    permission_classes = [permissions.IsAuthenticated, FieldWritesOnly]
    filterset_fields = ["stage", "owner", "territory"]
    ordering_fields = ["submission_deadline", "id"]

    def get_queryset(self):
        return selectors.tenders_for(viewer=self.request.user)

    @extend_schema(request=TenderCreateSerializer, responses={201: TenderSerializer})
    def create(self, request, *args, **kwargs):
        data = TenderCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        tender = services.create_tender(created_by=request.user, **data.validated_data)
        return Response(TenderSerializer(tender).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TenderStageSerializer, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        """Move the tender one stage on (won once opened; lost from any open stage, with a reason)."""
        tender = self.get_object()
        data = TenderStageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.move_tender(
            tender_id=tender.pk,
            to_stage=data.validated_data["stage"],
            reason=data.validated_data["reason"],
            changed_by=request.user,
        )
        return Response(TenderSerializer(moved).data)

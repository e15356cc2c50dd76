"""REST API of the publicity desk: the same selectors and services as the pages."""

from __future__ import annotations

import hmac

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from campaigns import selectors, services
from campaigns.serializers import (
    CallEntrySerializer,
    CallListSerializer,
    CallOutcomeSerializer,
    CampaignSerializer,
    CompetitorReportSerializer,
    ImportRowIssueSerializer,
    PhoneInquirySerializer,
    ProspectImportSerializer,
    SmsReplySerializer,
)
from crm.models import User
from crm.parsers import JSONParser
from crm.permissions import has_role

DESK_ROLES = (User.Role.INFO_STAFF, User.Role.MANAGER, User.Role.ADMIN)


class IsDeskStaff(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *DESK_ROLES)


class DeskWritesOnly(permissions.BasePermission):
    """Everyone signed in reads what ``visible_to`` gives them; only desk roles write."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or has_role(request.user, *DESK_ROLES)


class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = CampaignSerializer
    permission_classes = [permissions.IsAuthenticated, IsDeskStaff]
    filterset_fields = ["kind"]
    ordering_fields = ["starts_on", "id"]

    def get_queryset(self):
        return selectors.campaigns_for_list(user=self.request.user).order_by("-starts_on", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.create_campaign(created_by=self.request.user, data=serializer.validated_data)


class PhoneInquiryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = PhoneInquirySerializer
    permission_classes = [permissions.IsAuthenticated, DeskWritesOnly]
    filterset_fields = ["status", "campaign", "salesperson"]
    ordering_fields = ["received_at", "id"]

    def get_queryset(self):
        return selectors.inquiries_for_list(user=self.request.user).order_by("-received_at", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.register_phone_inquiry(
            entered_by=self.request.user,
            data={**data, "phone": str(data["phone"])},
            campaign=data.get("campaign"),
            partner=data.get("partner"),
        )


class ProspectImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Upload (POST multipart ``file``), then ``check`` with a mapping, poll the status, ``commit``."""

    serializer_class = ProspectImportSerializer
    permission_classes = [permissions.IsAuthenticated, IsDeskStaff]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.imports_for_list(user=self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.start_prospect_import(
            created_by=self.request.user,
            uploaded_file=serializer.validated_data["file"],
            campaign=serializer.validated_data.get("campaign"),
            partner=serializer.validated_data.get("partner"),
        )

    @extend_schema(request=None, responses=ProspectImportSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Body: optional ``mapping`` {field: column index}; runs the dry run."""
        prospect_import = self.get_object()
        mapping = request.data.get("mapping")
        if mapping is not None:
            try:
                mapping = serializers.DictField(child=serializers.IntegerField(min_value=0)).run_validation(mapping)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"mapping": error.detail}) from None
            services.set_import_mapping(prospect_import=prospect_import, mapping=mapping)
        prospect_import = services.request_import_check(prospect_import=prospect_import)
        return Response(self.get_serializer(prospect_import).data)

    @extend_schema(request=None, responses=ProspectImportSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        prospect_import = services.request_import_commit(prospect_import=self.get_object())
        return Response(self.get_serializer(prospect_import).data)

    @extend_schema(responses=ImportRowIssueSerializer(many=True))
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        issues = selectors.import_issues(prospect_import=self.get_object())
        page = self.paginate_queryset(issues)
        return self.get_paginated_response(ImportRowIssueSerializer(page, many=True).data)


class CompetitorReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = CompetitorReportSerializer
    filterset_fields = ["product", "competitor"]
    ordering_fields = ["seen_on", "id"]

    def get_queryset(self):
        return selectors.competitor_reports_for_list(user=self.request.user).order_by("-seen_on", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.report_competitor(reported_by=self.request.user, data=serializer.validated_data)


class CallListViewSet(viewsets.ReadOnlyModelViewSet):
    """The call lists the desk sees, with their progress (numbers, called, reached, interested, do not call,
    callbacks due today)."""

    serializer_class = CallListSerializer
    permission_classes = [permissions.IsAuthenticated, IsDeskStaff]
    filterset_fields = ["status", "campaign"]

    def get_queryset(self):
        return selectors.call_lists_for_list(user=self.request.user)


class CallEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller app: the numbers given to the caller (the desk sees those of its lists); ``next`` puts the
    next number on the caller's screen, ``outcome`` says what came of its call."""

    serializer_class = CallEntrySerializer
    filterset_fields = ["call_list", "status"]

    def get_queryset(self):
        return selectors.call_entries_for(user=self.request.user)

    @extend_schema(
        request=None,
        responses={200: CallEntrySerializer, 204: OpenApiResponse(description="Nothing to call now.")},
    )
    @action(detail=False, methods=["post"])
    def next(self, request):
        """The number on the caller's screen, or the next one due (callbacks first, then retries, then new)."""
        entry = services.next_call(caller=request.user)
        if entry is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(entry).data)

    @extend_schema(request=CallOutcomeSerializer, responses=CallEntrySerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """What came of the call of the number on the screen; 409 when it is no longer there (saved already)."""
        entry = self.get_object()
        data = CallOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entry = services.record_call_outcome(
            caller=request.user,
            entry_id=entry.pk,
            outcome=values["outcome"],
            callback_at=values.get("callback_at"),
            note=values.get("note", ""),
            details={key: values[key] for key in CallOutcomeSerializer.DETAILS if key in values},
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data)


@extend_schema(
    request=SmsReplySerializer,
    responses={200: inline_serializer("SmsReplyResult", fields={"opted_out": serializers.BooleanField()})},
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
def sms_reply_webhook(request):
    """The SMS gateway reports a reply. Authenticated by the shared secret in ``X-Webhook-Secret``."""
    secret = settings.CRM["SMS_WEBHOOK_SECRET"]
    given = request.headers.get("X-Webhook-Secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        raise exceptions.PermissionDenied  # a JSON body, like every other answer of the API
    serializer = SmsReplySerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    opted_out = services.handle_sms_reply(**serializer.validated_data)
    return Response({"opted_out": opted_out})

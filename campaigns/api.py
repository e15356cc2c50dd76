"""REST API of the publicity desk: the same selectors and services as the pages."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, authentication_classes, parser_classes, permission_classes
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.response import Response

from campaigns import selectors, services
from campaigns.segments import clean_criteria, segment_count, segments_for_list
from campaigns.serializers import (
    CallEntrySerializer,
    CallListSerializer,
    CallOutcomeSerializer,
    CampaignSerializer,
    CompetitorReportSerializer,
    ImportRowIssueSerializer,
    PhoneInquirySerializer,
    ProspectImportSerializer,
    SegmentCountSerializer,
    SegmentDetailSerializer,
    SegmentSerializer,
    SmsMessageSerializer,
    SmsReplySerializer,
)
from campaigns.sms import SmsPayloadError, get_sms_backend
from crm.models import User
from crm.parsers import JSONParser
from crm.permissions import has_role


class RawBodyParser(BaseParser):
    """Any body, read by the SMS backend from ``request.body`` (its provider's format, JSON or not)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


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


class SmsReplyViewSet(viewsets.ReadOnlyModelViewSet):
    """SMS replies: those of the customers one sees (``?customer=``), and for the desk those from unknown numbers
    (``?customer__isnull=true``)."""

    serializer_class = SmsReplySerializer
    filterset_fields = {"customer": ["exact", "isnull"], "opted_out": ["exact"]}

    def get_queryset(self):
        return selectors.sms_replies_for(user=self.request.user)


class SmsMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """The SMS sent to the customers one sees (``?customer=``), with their delivery status."""

    serializer_class = SmsMessageSerializer
    filterset_fields = ["customer", "status", "mailing"]

    def get_queryset(self):
        return selectors.sms_messages_for(user=self.request.user)


class SegmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Saved segments, as on the segments page (the campaign desk). One segment answers its live ``count``: the
    customers it selects now within the viewer's scope; ``POST count/`` counts filters being built."""

    permission_classes = [permissions.IsAuthenticated, IsDeskStaff]

    def get_queryset(self):
        return segments_for_list(user=self.request.user).order_by("name", "id")

    def get_serializer_class(self):
        return SegmentDetailSerializer if self.action == "retrieve" else SegmentSerializer

    def retrieve(self, request, *args, **kwargs):
        segment = self.get_object()
        segment.count = segment_count(user=request.user, criteria=segment.criteria or {})
        return Response(self.get_serializer(segment).data)

    @extend_schema(
        request=SegmentCountSerializer,
        responses=inline_serializer("SegmentCountResult", fields={"count": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def count(self, request):
        """The live count of filters being built (nothing is saved); refused filters: 400 with the reason."""
        data = SegmentCountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criteria = clean_criteria(data.validated_data["criteria"])
        return Response({"count": segment_count(user=request.user, criteria=criteria)})


def _check_webhook_signature(request) -> None:
    """The gateway signs each call with the shared secret ``SMS_WEBHOOK_SECRET``: ``X-Signature: sha256=<hex
    HMAC-SHA256 of the raw body>``, or (gateways that cannot sign) the secret itself in ``X-Webhook-Secret``.
    Compared in constant time; no secret configured, none given or a wrong one: 403, nothing read."""
    secret = settings.CRM["SMS_WEBHOOK_SECRET"].encode()
    if not secret:
        raise exceptions.PermissionDenied
    signature = request.headers.get("X-Signature", "")
    if signature:
        expected = "sha256=" + hmac.new(secret, request.body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected.encode(), signature.strip().encode()):
            return
        raise exceptions.PermissionDenied
    if not hmac.compare_digest(secret, request.headers.get("X-Webhook-Secret", "").encode()):
        raise exceptions.PermissionDenied  # a JSON body, like every other answer of the API


def _parsed(read, body: bytes):
    try:
        return read(body)
    except SmsPayloadError as error:
        raise exceptions.ValidationError(
            {"detail": _("This is not what the SMS gateway sends: %(reason)s") % {"reason": error}}
        ) from None


_WEBHOOK = extend_schema(
    request={"application/json": OpenApiTypes.OBJECT},
    responses={
        200: OpenApiResponse(description="Taken (the body is the one the provider expects)."),
        400: OpenApiResponse(description="A body that is not the provider's format: nothing stored."),
        403: OpenApiResponse(description="Not signed with the shared secret: nothing stored."),
    },
)


@_WEBHOOK
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@parser_classes([RawBodyParser])
def sms_reply_webhook(request):
    """The SMS gateway reports the replies people sent, in its provider's format (read by the SMS backend).
    Stored once per gateway message id (a retry stores nothing twice); "TD"/"退订" opts the number out."""
    _check_webhook_signature(request)
    backend = get_sms_backend()
    taken = services.receive_sms_replies(replies=_parsed(backend.parse_replies, request.body))
    return Response({**backend.webhook_answer(), "stored": taken.stored, "opted_out": taken.opted_out})


@_WEBHOOK
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@parser_classes([RawBodyParser])
def sms_receipt_webhook(request):
    """The SMS gateway reports what became of messages we sent (delivered, failed with its code). A receipt for
    a message we did not send: 404 and none of the call's receipts applied."""
    _check_webhook_signature(request)
    backend = get_sms_backend()
    changed = services.record_delivery_receipts(receipts=_parsed(backend.parse_receipts, request.body))
    return Response({**backend.webhook_answer(), "updated": changed})

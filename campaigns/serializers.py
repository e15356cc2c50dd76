from rest_framework import serializers

from campaigns.models import (
    CallEntry,
    CallList,
    Campaign,
    CompetitorReport,
    ImportRowIssue,
    MailingRecipient,
    PhoneInquiry,
    ProspectImport,
    Segment,
    SmsReply,
)
from campaigns.partners.models import Partner


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "kind", "starts_on", "ends_on", "budget", "segment", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


class PhoneInquirySerializer(serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(), required=False, allow_null=True, write_only=True,
        help_text="The partner company that sent the caller: a caller registered now is its lead.",
    )  # fmt: skip

    class Meta:
        model = PhoneInquiry
        fields = [
            "id",
            "received_at",
            "channel",
            "unit_name",
            "caller_name",
            "phone",
            "district",
            "address",
            "topic",
            "campaign",
            "partner",
            "event",
            "entered_by",
            "territory",
            "salesperson",
            "customer",
            "status",
            "assigned_at",
            "visited_at",
            "overdue_flagged_at",
        ]
        read_only_fields = [
            "id", "received_at", "channel", "event", "entered_by", "territory", "salesperson", "customer", "status",
            "assigned_at", "visited_at", "overdue_flagged_at",
        ]  # fmt: skip


class ProspectImportSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProspectImport
        fields = [
            "id",
            "file",
            "original_name",
            "file_format",
            "encoding",
            "headers",
            "mapping",
            "campaign",
            "partner",
            "call_list",
            "status",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "valid_rows",
            "error_rows",
            "duplicate_rows",
            "empty_rows",
            "created_count",
            "message",
            "created_at",
            "validated_at",
            "committed_at",
            "heartbeat_at",
            "stopped_at",
        ]
        read_only_fields = [name for name in fields if name not in ("file", "campaign", "partner")]  # fmt: skip


class ImportRowIssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowIssue
        fields = ["row_number", "kind", "column", "message", "value"]


class CompetitorReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetitorReport
        fields = [
            "id",
            "competitor",
            "product",
            "price",
            "price_note",
            "way_of_operating",
            "policy",
            "seen_where",
            "seen_on",
            "reported_by",
            "created_at",
        ]
        read_only_fields = ["id", "reported_by", "created_at"]  # fmt: skip


class SmsReplySerializer(serializers.ModelSerializer):
    """A reply someone sent by SMS, matched to a customer (empty: an unknown number) and to the last message we
    sent to that number (``in_reply_to``, an id of /api/sms-messages/)."""

    class Meta:
        model = SmsReply
        fields = ["id", "phone", "text", "received_at", "customer", "in_reply_to", "opted_out"]
        read_only_fields = fields


class SmsMessageSerializer(serializers.ModelSerializer):
    """An SMS we sent to a customer (one recipient of an SMS mailing) and what its delivery receipt said."""

    campaign = serializers.IntegerField(source="mailing.campaign_id", read_only=True)
    campaign_name = serializers.CharField(source="mailing.campaign.name", read_only=True)
    phone = serializers.CharField(source="address", read_only=True)

    class Meta:
        model = MailingRecipient
        fields = [
            "id", "mailing", "campaign", "campaign_name", "customer", "phone", "status", "provider_id",
            "provider_code", "error", "sent_at", "receipt_at",
        ]  # fmt: skip
        read_only_fields = fields


class SegmentSerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField()

    class Meta:
        model = Segment
        fields = ["id", "name", "criteria", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class SegmentDetailSerializer(SegmentSerializer):
    count = serializers.IntegerField(
        read_only=True, help_text="How many customers the segment selects now, within the viewer's scope."
    )

    class Meta(SegmentSerializer.Meta):
        fields = [*SegmentSerializer.Meta.fields, "count"]
        read_only_fields = fields


class SegmentCountSerializer(serializers.Serializer):
    criteria = serializers.DictField(help_text="The filters of a segment being built (as a saved segment's).")


class CallEntrySerializer(serializers.ModelSerializer):
    """A number of a call list as its caller sees it, with the list's script."""

    call_list_name = serializers.CharField(source="call_list.name", read_only=True)
    script = serializers.CharField(source="call_list.script", read_only=True)

    class Meta:
        model = CallEntry
        fields = [
            "id",
            "call_list",
            "call_list_name",
            "position",
            "phone",
            "name",
            "unit_name",
            "district",
            "address",
            "business_type",
            "customer",
            "caller",
            "status",
            "outcome",
            "attempts",
            "next_call_at",
            "last_called_at",
            "reached_at",
            "note",
            "claimed_at",
            "inquiry",
            "script",
        ]
        read_only_fields = fields


class CallOutcomeSerializer(serializers.Serializer):
    """What came of a call (``campaigns.services.calls.record_call_outcome``)."""

    outcome = serializers.ChoiceField(choices=CallEntry.Outcome.choices)
    callback_at = serializers.DateTimeField(required=False, allow_null=True, help_text="For a callback: when.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    unit_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    district = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    business_type = serializers.CharField(max_length=100, required=False, allow_blank=True)
    topic = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    DETAILS = ("name", "unit_name", "district", "address", "business_type", "topic")


class CallListSerializer(serializers.ModelSerializer):
    """A call list with its progress."""

    numbers = serializers.IntegerField(read_only=True)
    called = serializers.IntegerField(read_only=True)
    reached = serializers.IntegerField(read_only=True)
    interested = serializers.IntegerField(read_only=True)
    do_not_call = serializers.IntegerField(read_only=True)
    callbacks_due = serializers.IntegerField(read_only=True)

    class Meta:
        model = CallList
        fields = [
            "id",
            "name",
            "status",
            "campaign",
            "segment",
            "channel_type",
            "script",
            "max_attempts",
            "retry_after_minutes",
            "created_at",
            "numbers",
            "called",
            "reached",
            "interested",
            "do_not_call",
            "callbacks_due",
        ]
        read_only_fields = fields

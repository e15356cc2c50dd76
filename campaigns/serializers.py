from rest_framework import serializers

from campaigns.models import Campaign, CompetitorReport, ImportRowIssue, PhoneInquiry, ProspectImport


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "kind", "starts_on", "ends_on", "budget", "segment", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


class PhoneInquirySerializer(serializers.ModelSerializer):
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
        read_only_fields = [name for name in fields if name not in ("file", "campaign")]  # fmt: skip


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


class SmsReplySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    text = serializers.CharField(max_length=500, allow_blank=True)

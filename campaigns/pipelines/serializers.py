from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.pipelines.models import Candidate, CandidateStage, Tender, TenderStage
from campaigns.pipelines.selectors import territories_for_pipeline


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = [
            "id",
            "name",
            "phone",
            "territory",
            "source_channel",
            "owner",
            "stage",
            "stage_changed_at",
            "note",
            "drop_reason",
            "contacted_on",
            "interviewed_on",
            "signed_on",
            "licensed_on",
            "first_policy_on",
            "dropped_on",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _TerritoryField(serializers.PrimaryKeyRelatedField):
    tenders = False

    def get_queryset(self):
        return territories_for_pipeline(viewer=self.context["request"].user, tenders=self.tenders)


class _TenderTerritoryField(_TerritoryField):
    tenders = True


class CandidateCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30)
    territory = _TerritoryField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TenderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tender
        fields = [
            "id",
            "title",
            "buyer",
            "territory",
            "owner",
            "amount_estimate",
            "announced_on",
            "documents_deadline",
            "submission_deadline",
            "opening_on",
            "stage",
            "stage_changed_at",
            "note",
            "lost_reason",
            "documents_bought_on",
            "submitted_on",
            "opened_on",
            "decided_on",
        ]
        read_only_fields = fields


class TenderCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    buyer = serializers.CharField(max_length=200)
    territory = _TenderTerritoryField()
    amount_estimate = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    announced_on = serializers.DateField()
    documents_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    submission_deadline = serializers.DateField()
    opening_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CandidateStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=CandidateStage.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TenderStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=TenderStage.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

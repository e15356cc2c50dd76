"""API shapes of visits and shortfalls."""

from __future__ import annotations

from rest_framework import serializers

from visits.models import Material, Obstacle, QuotaShortfall, TalkingPoint, Visit


class VisitSerializer(serializers.ModelSerializer):
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)
    customer_name = serializers.CharField(source="customer.unit_name", read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "salesperson",
            "customer",
            "customer_name",
            "kind",
            "visited_at",
            "visited_on",
            "materials",
            "talking_points",
            "notes",
            "next_step",
            "next_step_on",
            "latitude",
            "longitude",
            "accuracy_m",
            "distance_m",
            "far_from_customer",
            "far_reason",
            "intent",
            "obstacles",
            "obstacle_detail",
            "rated_at",
            "client_id",
            "created_at",
        ]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    """What a client sends; checked again, with the scope, by the record_visit service."""

    customer = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Visit.Kind.choices, default=Visit.Kind.FIRST)
    visited_at = serializers.DateTimeField(required=False)
    materials = serializers.ListField(child=serializers.ChoiceField(choices=Material.choices), required=False)
    talking_points = serializers.ListField(child=serializers.ChoiceField(choices=TalkingPoint.choices), required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    next_step_on = serializers.DateField(required=False, allow_null=True)
    latitude = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    longitude = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    accuracy_m = serializers.FloatField(required=False, allow_null=True)
    client_id = serializers.UUIDField(required=False, allow_null=True)
    far_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Required when the check-in is beyond the team's radius: the first try answers 400 with "
        "code far_reason_required, distance_m and radius_m.",
    )


class RatingSerializer(serializers.Serializer):
    intent = serializers.CharField(help_text="A, B, C or D")
    obstacles = serializers.ListField(child=serializers.ChoiceField(choices=Obstacle.choices), required=False)
    obstacle_detail = serializers.CharField(required=False, allow_blank=True, default="")


class QuotaShortfallSerializer(serializers.ModelSerializer):
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None)

    class Meta:
        model = QuotaShortfall
        fields = [
            "id",
            "salesperson",
            "day",
            "required",
            "actual",
            "explanation",
            "explained_at",
            "status",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "withdrawn_at",
            "withdrawal_reason",
            "counted_at_withdrawal",
        ]
        read_only_fields = fields

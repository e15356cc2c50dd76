from __future__ import annotations

from rest_framework import serializers

from campaigns.churn.models import ChurnRisk


class ChurnRiskSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.unit_name", read_only=True)
    explanation = serializers.CharField(read_only=True)

    class Meta:
        model = ChurnRisk
        fields = [
            "id",
            "customer",
            "customer_name",
            "salesperson",
            "reason",
            "explanation",
            "key_date",
            "last_contact_on",
            "usual_interval_days",
            "found_on",
            "checked_on",
        ]
        read_only_fields = fields

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.partners.models import Partner


class PartnerResultsSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    leads = serializers.IntegerField()
    converted = serializers.IntegerField()
    visits = serializers.IntegerField()
    deals = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    conversion = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class PartnerSerializer(serializers.ModelSerializer):
    results = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = ["id", "name", "kind", "contact_name", "phone", "address", "salesperson", "materials", "results"]
        read_only_fields = fields

    @extend_schema_field(PartnerResultsSerializer)
    def get_results(self, partner: Partner) -> dict:
        results = self.context["results"][partner.pk]
        return PartnerResultsSerializer(
            {
                "quarter": str(self.context["quarter"]),
                "leads": results.leads,
                "converted": results.converted,
                "visits": results.visits,
                "deals": results.deals,
                "amount": results.amount,
                "conversion": results.conversion,
            }
        ).data

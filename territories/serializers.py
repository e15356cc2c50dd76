from __future__ import annotations

from rest_framework import serializers

from territories.models import Territory


class TerritorySerializer(serializers.ModelSerializer):
    product_line_name = serializers.CharField(source="product_line.name", default=None, read_only=True)
    channel_type_name = serializers.CharField(source="channel_type.name", default=None, read_only=True)
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Territory
        fields = [
            "id",
            "parent",
            "kind",
            "name",
            "code",
            "product_line",
            "product_line_name",
            "channel_type",
            "channel_type_name",
            "districts",
            "path",
            "depth",
            "is_active",
            "owner",
        ]
        read_only_fields = fields

    def get_owner(self, territory: Territory) -> dict | None:
        assignments = territory.current_assignments
        if not assignments:
            return None
        person = assignments[0].salesperson
        return {"id": person.pk, "username": person.username, "name": str(person), "since": assignments[0].started_at}

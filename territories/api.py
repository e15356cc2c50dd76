"""REST API of the territory tree (read-only: owners change on the console, where work moves with them)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.routers import SimpleRouter

from territories.models import Territory, TerritoryAssignment
from territories.serializers import TerritorySerializer


class TerritoryFilter(django_filters.FilterSet):
    class Meta:
        model = Territory
        fields = ["kind", "parent", "channel_type", "product_line", "is_active"]


class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilter
    ordering_fields = ["path", "name", "code"]
    ordering = ["path"]

    def get_queryset(self):
        return (
            Territory.objects.visible_to(self.request.user)
            .select_related("product_line", "channel_type")
            .prefetch_related(
                Prefetch(
                    "assignments",
                    queryset=TerritoryAssignment.objects.current().select_related("salesperson"),
                    to_attr="current_assignments",
                )
            )
            .order_by("path")
        )


router = SimpleRouter()
router.register("territories", TerritoryViewSet, basename="territory")

"""The churn list over the API: read only, the same scope as the page (a hidden risk answers 404)."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from campaigns.churn.selectors import churn_risks_for
from campaigns.churn.serializers import ChurnRiskSerializer


class ChurnRiskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ChurnRiskSerializer
    filterset_fields = ["reason", "salesperson"]
    ordering_fields = ["key_date", "id"]

    def get_queryset(self):
        return churn_risks_for(viewer=self.request.user)

"""Partners over the API: read only, the same scope and the same quarter figures as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from campaigns.partners import selectors
from campaigns.partners.serializers import PartnerSerializer
from crm.dates import local_today

QUARTER = OpenApiParameter(
    "quarter",
    OpenApiTypes.STR,
    description="YYYY-Qn; this quarter when absent",
    pattern=r"^(20[0-9]{2}|2100)-[Qq][1-4]$",
)


@extend_schema_view(list=extend_schema(parameters=[QUARTER]), retrieve=extend_schema(parameters=[QUARTER]))
class PartnerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PartnerSerializer
    filterset_fields = ["kind", "salesperson"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.partners_for(viewer=self.request.user)

    def _quarter(self) -> selectors.Quarter:
        return selectors.quarter_param(
            self.request.query_params.get("quarter", ""), default=selectors.quarter_of(local_today())
        )

    def list(self, request, *args, **kwargs):
        quarter = self._quarter()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        partners = list(page if page is not None else self.filter_queryset(self.get_queryset()))
        context = {
            **self.get_serializer_context(),
            "quarter": quarter,
            "results": selectors.partner_results(partner_ids=[partner.pk for partner in partners], quarter=quarter),
        }
        data = PartnerSerializer(partners, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else self._response(data)

    def retrieve(self, request, *args, **kwargs):
        partner = self.get_object()
        quarter = self._quarter()
        context = {
            **self.get_serializer_context(),
            "quarter": quarter,
            "results": selectors.partner_results(partner_ids=[partner.pk], quarter=quarter),
        }
        return self._response(PartnerSerializer(partner, context=context).data)

    @staticmethod
    def _response(data) -> Response:
        return Response(data)

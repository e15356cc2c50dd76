"""REST API of the service tools: /api/products/, /api/quotes/, /api/policy-checkups/.

Quotes and check-ups start from ``visible_to(request.user)``; creates call the same services as the pages.
Products are a catalogue (active products with their coverages and the rate tables in force today).
"""

from __future__ import annotations

import django_filters
from django import forms
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.customers.models import Customer
from accounts.deals.models import Product
from accounts.service_tools.models import CheckedPolicy, Coverage, PolicyCheckup, Quote, RateBand, RateTable
from accounts.service_tools.selectors import checkups_for_list, products_with_price_tables, quotes_for_list
from accounts.service_tools.services import create_policy_checkup, create_quote
from crm.dates import local_today


class RateBandSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateBand
        fields = ("lower", "upper", "base_premium", "rate_percent", "unit_premium")


class RateTableSerializer(serializers.ModelSerializer):
    bands = RateBandSerializer(many=True, read_only=True)

    class Meta:
        model = RateTable
        fields = ("id", "input", "valid_from", "valid_until", "bands")


class CoverageSerializer(serializers.ModelSerializer):
    rate_tables = RateTableSerializer(many=True, read_only=True)

    class Meta:
        model = Coverage
        fields = ("id", "code", "name", "is_required", "rate_tables")


class ProductSerializer(serializers.ModelSerializer):
    coverages = CoverageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ("id", "code", "name", "coverages")


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProductSerializer

    def get_queryset(self):
        return products_with_price_tables(on=local_today())


def _visible_customers(serializer) -> None:
    request = serializer.context.get("request")
    if request is not None:
        serializer.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class QuoteSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    coverages = serializers.ListField(child=serializers.CharField(), write_only=True, required=False)

    class Meta:
        model = Quote
        fields = (
            "id",
            "customer",
            "product",
            "quoted_on",
            "coverages",
            "inputs",
            "lines",
            "subtotal",
            "agreement",
            "discount",
            "total",
            "deal",
            "created_by",
        )
        read_only_fields = ("quoted_on", "lines", "subtotal", "agreement", "discount", "total", "deal", "created_by")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _visible_customers(self)


class QuoteFilter(django_filters.FilterSet):
    class Meta:
        model = Quote
        fields = {"customer": ["exact"], "product": ["exact"], "quoted_on": ["gte", "lte"]}


class QuoteViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A quote is priced by the server from ``product``, ``coverages`` (codes) and ``inputs``
    (``vehicle_value``, ``seats``, ``sums`` by coverage code)."""

    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter

    def get_queryset(self):
        return quotes_for_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quote = create_quote(
            created_by=request.user,
            customer_id=data["customer"].pk,
            product=data["product"],
            coverages=data.get("coverages", []),
            inputs=data.get("inputs") or {},
        )
        return Response(self.get_serializer(quote).data, status=status.HTTP_201_CREATED)


class CheckedPolicySerializer(serializers.ModelSerializer):
    sums = serializers.DictField(child=serializers.CharField(allow_blank=True), required=True)

    class Meta:
        model = CheckedPolicy
        fields = ("insurer", "number", "expires_on", "premium", "sums")
        extra_kwargs = {"insurer": {"allow_blank": True}}


class PolicyCheckupSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    policies = CheckedPolicySerializer(many=True)

    class Meta:
        model = PolicyCheckup
        fields = ("id", "customer", "checked_on", "score", "gaps", "policies", "created_by")
        read_only_fields = ("checked_on", "score", "gaps", "created_by")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _visible_customers(self)


class WholeNumberFilter(django_filters.NumberFilter):
    """A filter on a whole-number field: ``0.5`` is refused, as the schema (integer) says, not read as a decimal."""

    field_class = forms.IntegerField


class PolicyCheckupFilter(django_filters.FilterSet):
    score__lte = WholeNumberFilter(field_name="score", lookup_expr="lte")
    score__gte = WholeNumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = PolicyCheckup
        fields = {"customer": ["exact"], "checked_on": ["gte", "lte"]}


class PolicyCheckupViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicyCheckupSerializer
    filterset_class = PolicyCheckupFilter

    def get_queryset(self):
        return checkups_for_list(user=self.request.user).prefetch_related("policies")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        checkup = create_policy_checkup(
            created_by=request.user, customer_id=data["customer"].pk, policies=data["policies"]
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=checkup.pk)).data, status=status.HTTP_201_CREATED
        )

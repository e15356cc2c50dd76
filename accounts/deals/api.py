"""REST API of deals, the ledger and payments: /api/deals/, /api/ledger-entries/, /api/payments/.

Every queryset starts from ``visible_to(request.user)``; creates call the same services as the pages.
A create repeated by the same user with the same ``Idempotency-Key`` header (or ``idempotency_key`` field)
creates one entry and answers it again, also when the retry races the first request; keys are per user.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a ValueError
from rest_framework.response import Response

from accounts.customers.models import Customer
from accounts.deals.models import Deal, LedgerEntry, Product
from accounts.deals.selectors import deals_for_list, deals_seen_by
from accounts.deals.services import PriceNeedsApproval, create_deal, record_payment, request_deal_price_approval
from crm.bounds import validate_date_in_window, validate_deal_amount, validate_note_length


def _idempotency_key(request, data) -> str | None:
    return request.headers.get("Idempotency-Key") or data.get("idempotency_key") or None


class DealSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    instalments = serializers.ListField(child=serializers.DictField(), write_only=True, required=False)
    confirm_price = serializers.BooleanField(write_only=True, required=False, default=False)
    # Below the customer's agreed price the deal waits for the manager: with this, the request is sent (202).
    ask_approval = serializers.BooleanField(write_only=True, required=False, default=False)
    idempotency_key = serializers.CharField(write_only=True, required=False, max_length=64)

    class Meta:
        model = Deal
        fields = (
            "id",
            "customer",
            "product",
            "number",
            "amount",
            "salesperson",
            "source",
            "status",
            "issued_on",
            "delivered_on",
            "paid_on",
            "renewal_on",
            "next_need",
            "balance",
            "instalments",
            "confirm_price",
            "ask_approval",
            "idempotency_key",
        )
        read_only_fields = ("salesperson", "source", "status", "delivered_on", "paid_on")
        # Bounds (crm/bounds.py): the amount below the ceiling per deal, dates in the window.
        extra_kwargs = {
            "amount": {"validators": [validate_deal_amount]},
            "issued_on": {"validators": [validate_date_in_window]},
            "renewal_on": {"validators": [validate_date_in_window]},
        }
        # The service checks the number and replays an idempotent repeat; a model validator would refuse it.
        validators = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class DealFilter(django_filters.FilterSet):
    class Meta:
        model = Deal
        fields = {"customer": ["exact"], "status": ["exact"], "salesperson": ["exact"], "renewal_on": ["gte", "lte"]}


class DealViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DealSerializer
    filterset_class = DealFilter
    ordering_fields = ("issued_on", "id", "renewal_on")

    def get_queryset(self):
        # A list reads the deals twice (its count and its page): their ids once, then by primary key.
        deals = deals_seen_by(user=self.request.user) if self.action == "list" else None
        return deals_for_list(user=self.request.user, deals=deals).order_by("-issued_on", "-id")

    @extend_schema(
        responses={
            201: DealSerializer,
            202: inline_serializer(
                "DealWaitsForApproval",
                {
                    "detail": serializers.CharField(),
                    "approval": serializers.IntegerField(),
                    "state": serializers.CharField(),
                },
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = [
            (row.get("amount"), serializers.DateField().to_internal_value(row.get("due_on")))
            for row in data.get("instalments", [])
        ]
        entry = {
            "created_by": request.user,
            "customer_id": data["customer"].pk,
            "product": data["product"],
            "number": data["number"],
            "amount": data["amount"],
            "issued_on": data["issued_on"],
            "instalments": plan or None,
            "renewal_on": data.get("renewal_on"),
            "next_need": data.get("next_need", ""),
        }
        try:
            deal = create_deal(
                **entry,
                confirm_price=data.get("confirm_price", False),
                idempotency_key=_idempotency_key(request, data),
            )
        except PriceNeedsApproval:
            if not data.get("ask_approval"):
                raise
            approval = request_deal_price_approval(**entry)
            detail = gettext("Deal %(number)s at ¥%(amount)s waits for the approval of %(approver)s.") % {
                "number": approval.payload["number"],
                "amount": approval.payload["amount"],
                "approver": approval.approver,
            }
            return Response(
                {"detail": detail, "approval": approval.pk, "state": approval.state}, status=status.HTTP_202_ACCEPTED
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=deal.pk)).data, status=status.HTTP_201_CREATED)


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = (
            "id",
            "customer",
            "deal",
            "kind",
            "amount",
            "effect",
            "entry_on",
            "counts_on",
            "note",
            "reverses",
            "carried_from",
            "created_by",
            "created_at",
        )
        read_only_fields = fields


class LedgerEntryFilter(django_filters.FilterSet):
    class Meta:
        model = LedgerEntry
        fields = {"customer": ["exact"], "deal": ["exact"], "kind": ["exact"], "entry_on": ["gte", "lte"]}


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only: entries are appended by the services (deals, payments) and corrected by reversal."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    ordering_fields = ("entry_on", "id")

    def get_queryset(self):
        return LedgerEntry.objects.visible_to(self.request.user).order_by("entry_on", "id")


class PaymentSerializer(serializers.ModelSerializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.none())
    paid_on = serializers.DateField(source="entry_on", validators=[validate_date_in_window])
    confirm_overpayment = serializers.BooleanField(write_only=True, required=False, default=False)
    idempotency_key = serializers.CharField(required=False, max_length=64, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = (
            "id",
            "customer",
            "deal",
            "amount",
            "paid_on",
            "note",
            "confirm_overpayment",
            "idempotency_key",
            "created_at",
        )
        read_only_fields = ("customer", "created_at")
        extra_kwargs = {
            "amount": {"validators": [validate_deal_amount]},
            "note": {"validators": [validate_note_length]},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["deal"].queryset = Deal.objects.visible_to(request.user)


class PaymentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PaymentSerializer
    filterset_class = LedgerEntryFilter
    ordering_fields = ("entry_on", "id")

    def get_queryset(self):
        return (
            LedgerEntry.objects.visible_to(self.request.user)
            .filter(kind=LedgerEntry.Kind.PAYMENT)
            .order_by("-entry_on", "-id")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = record_payment(
            deal_id=data["deal"].pk,
            amount=data["amount"],
            paid_on=data["entry_on"],
            recorded_by=request.user,
            note=data.get("note", ""),
            confirm_overpayment=data.get("confirm_overpayment", False),
            idempotency_key=_idempotency_key(request, data),
        )
        entry = get_object_or_404(self.get_queryset(), pk=entry.pk)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

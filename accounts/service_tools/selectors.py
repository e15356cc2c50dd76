"""Reads of the service tools. Quotes and check-ups start from ``visible_to(user)``; products are a catalogue
every signed-in person may read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from accounts.deals.models import Product
from accounts.service_tools.models import Coverage, PolicyCheckup, Quote, RateTable
from accounts.service_tools.services import PolicyInput, Pricing, price_quote, score_policies
from crm.models import User


def products_with_price_tables(*, on: date | None = None) -> QuerySet[Product]:
    """Active products that have coverages, with coverages and their tables (those in force on ``on`` when
    given) and bands prefetched: four queries whatever the size."""
    tables = RateTable.objects.prefetch_related("bands").order_by("-valid_from")
    if on is not None:
        tables = tables.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    coverages = Coverage.objects.prefetch_related(Prefetch("rate_tables", queryset=tables)).order_by("position", "id")
    return (
        Product.objects.filter(is_active=True, coverages__isnull=False)
        .distinct()
        .select_related("line")
        .prefetch_related(Prefetch("coverages", queryset=coverages))
        .order_by("name")
    )


def quotes_for_list(*, user: User) -> QuerySet[Quote]:
    return (
        Quote.objects.visible_to(user)
        .select_related("customer", "product", "created_by", "deal")
        .order_by("-quoted_on", "-id")
    )


def checkups_for_list(*, user: User) -> QuerySet[PolicyCheckup]:
    return (
        PolicyCheckup.objects.visible_to(user).select_related("customer", "created_by").order_by("-checked_on", "-id")
    )


def checkup_coverages() -> QuerySet[Coverage]:
    """The coverages a check-up asks about: those of active products."""
    coverages = Coverage.objects.filter(product__is_active=True).select_related("product")
    return coverages.order_by("product__name", "position", "id")


def recompute_quote(*, quote: Quote) -> Pricing:
    """The quote priced again from its saved inputs and date (the tables and agreement in force then)."""
    return price_quote(
        customer_id=quote.customer_id,
        product=quote.product,
        coverages=quote.inputs.get("coverages", []),
        inputs=quote.inputs,
        on=quote.quoted_on,
    )


def rescore_checkup(*, checkup: PolicyCheckup) -> tuple[int, list[dict]]:
    """The check-up scored again from its saved policies and the checklist it used."""
    policies = [
        PolicyInput(
            insurer=policy.insurer,
            number=policy.number,
            expires_on=policy.expires_on,
            premium=policy.premium,
            sums={int(key): Decimal(value) for key, value in policy.sums.items()},
        )
        for policy in checkup.policies.all()
    ]
    return score_policies(policies=policies, rules=checkup.rules, on=checkup.checked_on)

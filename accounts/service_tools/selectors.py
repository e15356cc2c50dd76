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


def catalogue_products(*, user: User, on: date) -> QuerySet[Product]:
    """The product list: for the admin every product (not sold, no coverage yet included), for the others the
    products on sale with coverages; coverages and the tables in force on ``on`` with their bands. Four
    queries whatever the size."""
    if not user.sees_everything:
        return products_with_price_tables(on=on)
    tables = (
        RateTable.objects.filter(valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .prefetch_related("bands")
        .order_by("-valid_from")
    )
    coverages = Coverage.objects.prefetch_related(Prefetch("rate_tables", queryset=tables)).order_by("position", "id")
    return (
        Product.objects.select_related("line")
        .prefetch_related(Prefetch("coverages", queryset=coverages))
        .order_by("-is_active", "name")
    )


def catalogue_product(*, user: User) -> QuerySet[Product]:
    """One product's page: its coverages with every rate table (past, in force, to come) and their bands. The
    admin opens any product, the others the products on sale (else 404). Four queries."""
    tables = RateTable.objects.prefetch_related("bands").order_by("-valid_from")
    coverages = Coverage.objects.prefetch_related(Prefetch("rate_tables", queryset=tables)).order_by("position", "id")
    products = Product.objects.select_related("line").prefetch_related(Prefetch("coverages", queryset=coverages))
    return products if user.sees_everything else products.filter(is_active=True)


def rate_table_for_editing() -> QuerySet[RateTable]:
    return RateTable.objects.select_related("coverage__product").prefetch_related("bands")


def rate_table_sheet(*, table: RateTable) -> list[tuple[Decimal | None, ...]]:
    """The table's bands as the spreadsheet holds them (an empty part stays an empty cell)."""
    return [
        (band.lower, band.upper, band.base_premium, band.rate_percent, band.unit_premium)
        for band in table.bands.order_by("lower")
    ]


def rate_table_changes(*, table: RateTable, limit: int = 5) -> list:
    """The latest saves of the table (who, when, which version), newest first."""
    return list(table.history.select_related("history_user").order_by("-history_date")[:limit])


def quotes_for_list(*, user: User) -> QuerySet[Quote]:
    return (
        Quote.objects.visible_to(user)
        .select_related("customer", "product", "created_by", "deal", "approval__approver", "approval__decided_by")
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

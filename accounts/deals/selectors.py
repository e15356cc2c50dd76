"""Reads of deals and the ledger. Every read starts from ``visible_to(user)``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.customers.models import Customer
from accounts.deals.models import ZERO, Deal, Instalment, LedgerEntry, PriceAgreement, Product, ShowcasePhoto
from crm.dates import local_today
from crm.models import Approval, Team, User

Kind = LedgerEntry.Kind
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
CLOSED = (Deal.Status.CANCELLED, Deal.Status.RETURNED)


def deal_ids_seen_by(*, user: User) -> list[int] | None:
    """The ids of the deals ``user`` sees, read now (one query); None for admin (everything) and for those who
    see none (``DealQuerySet.ids_seen_by``). Passed as ``deal_ids=`` where another table is read by deal."""
    return Deal.objects.ids_seen_by(user)


def deals_seen_by(*, user: User, ids: list[int] | None = None) -> QuerySet[Deal]:
    """The deals ``user`` may see, their ids read now in one query (``DealQuerySet.seen_by``): for a page that
    reads them more than once, passed as ``deals=`` to the selectors below. ``ids``: those already read
    (``deal_ids_seen_by``), not read again."""
    return Deal.objects.seen_by(user) if ids is None else Deal.objects.filter(pk__in=ids)


def deals_for_list(*, user: User, deals: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """The deals ``user`` may see, with what the list, export and API show joined (``balance`` is stored).
    ``deals``: those ``user`` sees, already worked out (``deals_seen_by``)."""
    return (Deal.objects.visible_to(user) if deals is None else deals).select_related(
        "customer", "product", "salesperson"
    )


def deal_credits(
    *, user: User, customer: Customer | None = None, deals: QuerySet[Deal] | None = None
) -> QuerySet[Deal]:
    """The deals ``user`` sees on which the customer has money to get back (a balance below zero, e.g. a
    cancelled part-paid deal), with ``credit`` (the positive amount) annotated; by customer, oldest first."""
    deals = deals_for_list(user=user, deals=deals).filter(balance__lt=0)
    if customer is not None:
        deals = deals.filter(customer=customer)
    return deals.annotate(credit=ExpressionWrapper(Value(ZERO) - F("balance"), output_field=MONEY_FIELD)).order_by(
        "customer__unit_name", "customer_id", "issued_on", "id"
    )


def deals_to_carry_credit_to(*, deal: Deal) -> QuerySet[Deal]:
    """The customer's other deals a credit can be carried to: not cancelled, with something still to pay."""
    return (
        Deal.objects.filter(customer_id=deal.customer_id)
        .exclude(pk=deal.pk)
        .exclude(status__in=[Deal.Status.CANCELLED, Deal.Status.RETURNED, Deal.Status.PAID])
        .filter(balance__gt=0)
        .select_related("product")
        .order_by("issued_on", "id")
    )


def deal_for_detail(*, user: User) -> QuerySet[Deal]:
    return deals_for_list(user=user).select_related("created_by", "customer__owner")


def instalments_of(*, deal: Deal) -> QuerySet[Instalment]:
    return deal.instalments.order_by("sequence")


def products_for_entry() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).select_related("line")


# --- the ledger ---------------------------------------------------------------------------------------


def ledger_of(*, customer: Customer) -> QuerySet[LedgerEntry]:
    """The customer's entries in date order, each with the running ``balance`` (issued − collected − returned
    + refunded) computed by the database over the whole ledger, so a page of it still carries the right figure."""
    order = [F("entry_on").asc(), F("id").asc()]
    return (
        LedgerEntry.objects.filter(customer=customer)
        .select_related("deal__product", "created_by", "reverses")
        .annotate(balance=Window(Sum("effect"), order_by=order, output_field=MONEY_FIELD))
        .order_by(*order)
    )


@dataclass(frozen=True)
class MonthTotal:
    month: date
    volume: Decimal
    returns: Decimal
    collected: Decimal
    orders: int


@dataclass
class LedgerSummary:
    balance: Decimal
    ordered: Decimal
    collected: Decimal
    returned: Decimal
    refunded: Decimal
    months: list[MonthTotal] = field(default_factory=list)
    order_dates: list[date] = field(default_factory=list)

    @property
    def intervals(self) -> list[int]:
        """Days between consecutive orders."""
        return [(later - earlier).days for earlier, later in zip(self.order_dates, self.order_dates[1:], strict=False)]

    @property
    def average_interval(self) -> int | None:
        intervals = self.intervals
        return round(sum(intervals) / len(intervals)) if intervals else None

    @property
    def last_order(self) -> date | None:
        return self.order_dates[-1] if self.order_dates else None


def _sum_of(kind: str, sign: int = 1):
    total = Coalesce(Sum("effect", filter=Q(kind=kind)), Value(ZERO), output_field=MONEY_FIELD)
    return total if sign > 0 else -total


def ledger_summary(*, customer: Customer) -> LedgerSummary:
    """Totals, monthly figures (volume, returns, collected, number of orders) and order dates: three queries."""
    entries = LedgerEntry.objects.filter(customer=customer).order_by()
    totals = entries.aggregate(
        balance=Coalesce(Sum("effect"), Value(ZERO), output_field=MONEY_FIELD),
        ordered=_sum_of(Kind.ORDER),
        collected=_sum_of(Kind.PAYMENT, -1),
        returned=_sum_of(Kind.RETURN, -1),
        refunded=_sum_of(Kind.REFUND),
    )
    live_orders = Q(kind=Kind.ORDER, reverses__isnull=True, reversed_by__isnull=True)
    months = [
        MonthTotal(
            month=row["month"],
            volume=row["volume"],
            returns=row["returns"],
            collected=row["collected"],
            orders=row["orders"],
        )
        for row in entries.annotate(month=TruncMonth("entry_on"))
        .values("month")
        .annotate(
            volume=_sum_of(Kind.ORDER),
            returns=_sum_of(Kind.RETURN, -1),
            collected=_sum_of(Kind.PAYMENT, -1),
            orders=Count("id", filter=live_orders),
        )
        .order_by("month")
    ]
    order_dates = list(entries.filter(live_orders).order_by("entry_on").values_list("entry_on", flat=True))
    return LedgerSummary(**totals, months=months, order_dates=order_dates)


# --- receivables and renewals -----------------------------------------------------------------------


@dataclass
class ReceivableLine:
    salesperson: User
    outstanding: Decimal = ZERO
    credit: Decimal = ZERO
    overdue: Decimal = ZERO
    overdue_count: int = 0
    open_deals: int = 0


@dataclass
class TeamReceivables:
    team: Team | None
    lines: list[ReceivableLine]

    @property
    def outstanding(self) -> Decimal:
        return sum((line.outstanding for line in self.lines), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((line.overdue for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def receivables_by_salesperson(
    *, user: User, today: date, deals: QuerySet[Deal] | None = None, deal_ids: list[int] | None = None
) -> list[TeamReceivables]:
    """What each salesperson's customers still owe, how much of it is overdue and what they have to get
    back (``credit``: deals with a balance below zero, cancelled ones included), grouped by team. What is
    owed and what is to be given back are summed apart, never netted.

    Three queries whatever the number of deals, none reading the ledger (``Deal.balance`` is stored):
    balances per salesperson, overdue instalments per salesperson, and the people (and one more for the
    ids of the deals ``user`` sees unless ``deals`` brings them). ``deal_ids``: the ids behind ``deals``
    (``deal_ids_seen_by``), for the overdue instalments.
    """
    if deals is None:
        deal_ids = deal_ids_seen_by(user=user)
        deals = deals_seen_by(user=user, ids=deal_ids)
    balances = {
        row["salesperson"]: row
        for row in deals.order_by()
        .values("salesperson")
        .annotate(
            outstanding=Coalesce(Sum("balance", filter=Q(balance__gt=0)), Value(ZERO), output_field=MONEY_FIELD),
            owed_back=Coalesce(Sum("balance", filter=Q(balance__lt=0)), Value(ZERO), output_field=MONEY_FIELD),
            open_deals=Count("pk", filter=~Q(status__in=[Deal.Status.PAID, *CLOSED])),
            deals=Count("pk", filter=~Q(status=Deal.Status.CANCELLED) | Q(balance__lt=0)),
        )
    }
    balances = {person: row for person, row in balances.items() if row["deals"]}
    overdue = {
        row["deal__salesperson"]: row
        for row in overdue_instalments(user=user, today=today, deals=deals, deal_ids=deal_ids)
        .order_by()
        .values("deal__salesperson")
        .annotate(amount=Sum(F("amount") - F("collected")), count=Count("id"))
    }
    people = (
        User.objects.filter(pk__in=set(balances) | set(overdue))
        .select_related("team")
        .order_by("team__name", "username")
    )
    teams: dict[int | None, TeamReceivables] = {}
    for person in people:
        line = ReceivableLine(salesperson=person)
        if person.pk in balances:
            line.outstanding = balances[person.pk]["outstanding"]
            line.credit = -balances[person.pk]["owed_back"] + 0
            line.open_deals = balances[person.pk]["open_deals"]
        if person.pk in overdue:
            line.overdue = overdue[person.pk]["amount"]
            line.overdue_count = overdue[person.pk]["count"]
        teams.setdefault(person.team_id, TeamReceivables(team=person.team, lines=[])).lines.append(line)
    return list(teams.values())


def overdue_instalments(
    *,
    user: User,
    today: date,
    salesperson: User | None = None,
    deals: QuerySet[Deal] | None = None,
    deal_ids: list[int] | None = None,
) -> QuerySet[Instalment]:
    """Instalments past their due date and not fully collected, of the deals ``user`` sees (``deals``: those,
    already worked out; ``deal_ids``: their ids, when read).

    With the ids, the instalments are filtered on them directly: PostgreSQL reads the instalments of these
    deals by the (deal, sequence) index, then their deals by key. Through a subquery on the deals it
    joined every deal of the company with every instalment due before today (51,000 of the large data
    set's 55,000) to keep the team's 241 (issue #24)."""
    if deal_ids is not None:
        instalments = Instalment.objects.filter(deal_id__in=deal_ids).exclude(deal__status__in=CLOSED)
    else:
        seen: QuerySet[Deal] = Deal.objects.visible_to(user) if deals is None else deals
        instalments = Instalment.objects.filter(deal__in=seen.exclude(status__in=CLOSED).values("pk"))
    instalments = instalments.filter(due_on__lt=today, collected__lt=F("amount"))
    if salesperson is not None:
        instalments = instalments.filter(deal__salesperson=salesperson)
    return instalments.select_related("deal__customer", "deal__salesperson", "deal__product").order_by("due_on", "id")


def renewals_due(*, user: User, today: date, days: int, deals: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """Deals whose next need or renewal falls in the next ``days`` days (or fell in the last 30), soonest first."""
    return (
        deals_for_list(user=user, deals=deals)
        .filter(renewal_on__gte=today - timedelta(days=30), renewal_on__lte=today + timedelta(days=days))
        .exclude(status__in=CLOSED)
        .order_by("renewal_on", "id")
    )


# --- prices and showcase ---------------------------------------------------------------------------------


def agreed_prices_of(*, customer: Customer, on: date | None = None) -> QuerySet[PriceAgreement]:
    """The customer's agreements (those in force on ``on`` when given), by product."""
    agreements = PriceAgreement.objects.filter(customer=customer).select_related("product", "created_by")
    if on is not None:
        agreements = agreements.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    return agreements.order_by("product__name", "-valid_from")


def showcase_photos_of(*, user: User, customer: Customer) -> QuerySet[ShowcasePhoto]:
    return ShowcasePhoto.objects.visible_to(user).filter(customer=customer).select_related("created_by")


def won_deals_of(*, customer: Customer) -> QuerySet[Deal]:
    return customer.deals.exclude(status__in=CLOSED).select_related("product").order_by("-issued_on")


def deals_waiting_for_approval(*, customer: Customer) -> list[Approval]:
    """Deals of this customer entered below its agreed price that wait for the manager (oldest first), each
    with ``product_name``."""
    waiting = list(
        Approval.objects.filter(
            kind="deal_price",  # accounts.deals.services.DEAL_PRICE_APPROVAL
            state=Approval.State.PENDING,
            payload__customer_id=customer.pk,
        )
        .select_related("approver")
        .order_by("created_at", "pk")
    )
    if waiting:
        ids = {approval.payload["product_id"] for approval in waiting}
        names = dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))
        for approval in waiting:
            approval.product_name = names.get(approval.payload["product_id"], "")  # type: ignore[attr-defined]
    return waiting


# --- the overdue instalments' export (registered with crm.exports from AppConfig.ready) ------------------


def overdue_export_header() -> list[Any]:
    return [
        _("Salesperson"),
        _("Customer"),
        _("Order or policy number"),
        _("Instalment"),
        _("Due on"),
        _("Days overdue"),
        _("Amount (CNY)"),
        _("Collected (CNY)"),
        _("Outstanding (CNY)"),
    ]


def overdue_instalments_for_export(user: User, query: QueryDict) -> QuerySet[Instalment]:
    """What the receivables page lists for ``user`` today (it has no filters)."""
    return overdue_instalments(user=user, today=local_today())


def overdue_export_rows(instalments: QuerySet[Instalment]) -> Iterator[tuple[Any, ...]]:
    today = local_today()
    for instalment in instalments.iterator(chunk_size=2000):
        yield (
            str(instalment.deal.salesperson),
            str(instalment.deal.customer),
            instalment.deal.number,
            instalment.sequence,
            instalment.due_on,
            (today - instalment.due_on).days,
            instalment.amount,
            instalment.collected,
            instalment.outstanding,
        )

"""Reads of partners: each partner's results for a quarter (leads, visits, deals count and amount,
conversion), for the list and the partner's page, set-based: a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from accounts.customers.models import Customer
from accounts.deals.models import Deal
from campaigns.partners.models import Partner, PartnerLead
from crm.models import User
from crm.params import BadParameter
from visits.models import Visit

ZERO = Decimal("0.00")
COUNTED = ~Q(status__in=(Deal.Status.CANCELLED, Deal.Status.RETURNED))


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> date:
        """The first day after the quarter."""
        return date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def quarter_param(value: str, *, default: Quarter) -> Quarter:
    """``YYYY-Qn`` from the address; a bad value is a 400 with a message."""
    value = (value or "").strip().upper()
    if not value:
        return default
    year, _sep, number = value.partition("-Q")
    if not (year.isdigit() and len(year) == 4 and number in {"1", "2", "3", "4"} and 2000 <= int(year) <= 2100):
        from django.utils.translation import gettext_lazy as _

        raise BadParameter("quarter", _("Write the quarter as 2026-Q4."))
    return Quarter(int(year), int(number))


@dataclass
class PartnerResults:
    leads: int = 0
    converted: int = 0
    visits: int = 0
    deals: int = 0
    amount: Decimal = ZERO

    @property
    def conversion(self) -> Decimal | None:
        """Leads of the quarter with an order by its end, in percent (two places); None without leads."""
        if not self.leads:
            return None
        return (Decimal(self.converted) * 100 / self.leads).quantize(Decimal("0.01"))


def partners_for(*, viewer: User) -> QuerySet[Partner]:
    return Partner.objects.visible_to(viewer).select_related("salesperson").order_by("name", "id")


def partner_results(*, partner_ids: list[int], quarter: Quarter) -> dict[int, PartnerResults]:
    """Three queries whatever the number of partners, leads, visits or deals. A visit or deal counts for the
    partner when it falls in the quarter, on or after the day its customer came through the partner; a lead
    of the quarter is converted when it has an order by the quarter's end."""
    results = {pk: PartnerResults() for pk in partner_ids}
    start, end = quarter.starts_on, quarter.ends_on
    lead_deal = Deal.objects.filter(COUNTED, customer_id=OuterRef("customer_id"), issued_on__lt=end)
    leads = (
        PartnerLead.objects.filter(partner_id__in=partner_ids, came_on__gte=start, came_on__lt=end)
        .annotate(has_deal=Exists(lead_deal.filter(issued_on__gte=OuterRef("came_on"))))
        .values("partner_id")
        .annotate(leads=Count("id"), converted=Count("id", filter=Q(has_deal=True)))
        .order_by()
    )
    for row in leads:
        results[row["partner_id"]].leads = row["leads"]
        results[row["partner_id"]].converted = row["converted"]
    visits = (
        Visit.objects.filter(
            customer__partner_lead__partner_id__in=partner_ids, visited_on__gte=start, visited_on__lt=end
        )
        .filter(visited_on__gte=F("customer__partner_lead__came_on"))
        .values(partner_id=F("customer__partner_lead__partner_id"))
        .annotate(count=Count("id"))
        .order_by()
    )
    for visit_row in visits:
        results[visit_row["partner_id"]].visits = visit_row["count"]
    deals = Deal.objects.filter(
        COUNTED,
        customer__partner_lead__partner_id__in=partner_ids,
        issued_on__gte=start,
        issued_on__lt=end,
    ).filter(issued_on__gte=F("customer__partner_lead__came_on"))
    totals = deals.values(partner_id=F("customer__partner_lead__partner_id")).annotate(
        count=Count("id"), amount=Sum("amount")
    )
    for deal_row in totals.order_by():
        results[deal_row["partner_id"]].deals = deal_row["count"]
        results[deal_row["partner_id"]].amount = (deal_row["amount"] or ZERO).quantize(ZERO)
    return results


def partner_leads(*, viewer: User, partner: Partner, limit: int = 50) -> list[PartnerLead]:
    """The partner's leads the viewer may see (the customer's own visibility), newest first."""
    visible = Customer.objects.visible_to(viewer).values("pk")
    return list(
        PartnerLead.objects.filter(partner=partner, customer__in=visible)
        .select_related("customer")
        .order_by("-came_on", "-id")[:limit]
    )


def partner_deals(*, viewer: User, partner: Partner, quarter: Quarter, limit: int = 50) -> list[Deal]:
    """The quarter's deals attributed to the partner that the viewer may see."""
    return list(
        Deal.objects.visible_to(viewer)
        .filter(
            COUNTED,
            customer__partner_lead__partner=partner,
            issued_on__gte=quarter.starts_on,
            issued_on__lt=quarter.ends_on,
        )
        .filter(issued_on__gte=F("customer__partner_lead__came_on"))
        .select_related("customer", "product")
        .order_by("-issued_on", "-id")[:limit]
    )


def partner_events(*, viewer: User, partner: Partner) -> list:
    """The joint events (campaigns' events linked to the partner) the viewer sees."""
    return list(partner.events.visible_to(viewer).order_by("-held_on", "-id")[:20])

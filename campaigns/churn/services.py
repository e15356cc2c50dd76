"""The churn job and what resolves a risk at once. Every write to churn risks is here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_noop

from accounts.customers.models import Customer
from accounts.deals.models import Deal
from campaigns.churn.models import DEFAULT_WINDOWS, ChurnRisk, ChurnSettings
from crm.dates import local_today
from crm.services import Message, Note, notify_many
from visits.models import Visit

# Who can be lost: customers who bought (or are followed as key accounts), not those already lost.
WATCHED_STATUSES = (Customer.Status.CUSTOMER, Customer.Status.KEY_ACCOUNT)
# A customer who stopped buying had an order within this many days (the last year).
BUYING_LOOKBACK_DAYS = 365
UPDATED_FIELDS = ("salesperson_id", "key_date", "last_contact_on", "usual_interval_days", "checked_on")
COUNTED_DEALS = ~Q(deals__status__in=(Deal.Status.CANCELLED, Deal.Status.RETURNED))


@dataclass(frozen=True)
class Finding:
    customer_id: int
    salesperson_id: int | None
    reason: str
    key_date: date
    last_contact_on: date | None = None
    usual_interval_days: int | None = None


def next_renewal(month: int, today: date) -> date:
    """The next renewal of a policy renewing in ``month``: this month's counts as today (it is due now)."""
    if month == today.month:
        return today
    year = today.year if month > today.month else today.year + 1
    return date(year, month, 1)


def _windows_by_team() -> dict[int, ChurnSettings]:
    return {row.team_id: row for row in ChurnSettings.objects.all()}


def find_churn_risks(*, today: date) -> list[Finding]:
    """Who is at risk on ``today`` and why, set-based: three queries whatever the number of customers.

    (a) A policy renewing within the team's renewal window (the customer's renewal month, or an order's
    renewal date) and no visit, call or order within the team's contact window. (b) A customer with orders on at
    least two days, the last within the last year, and none within their usual interval (the average gap
    between their order days) plus the team's grace."""
    windows = _windows_by_team()
    longest_renewal = max([w.renewal_window_days for w in windows.values()] + [DEFAULT_WINDOWS.renewal_window_days])
    findings: list[Finding] = []

    last_contact = (
        Visit.objects.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(last=Max("visited_on"))
    )
    last_order = (
        Deal.objects.filter(customer=OuterRef("pk"))
        .exclude(status__in=(Deal.Status.CANCELLED, Deal.Status.RETURNED))
        .order_by()
        .values("customer")
        .annotate(last=Max("issued_on"))
    )
    first_deal_renewal = (
        Deal.objects.filter(
            customer=OuterRef("pk"), renewal_on__gte=today, renewal_on__lte=today + timedelta(days=longest_renewal)
        )
        .exclude(status__in=(Deal.Status.CANCELLED, Deal.Status.RETURNED))
        .order_by()
        .values("customer")
        .annotate(first=Min("renewal_on"))
    )
    renewing = (
        Customer.objects.filter(status__in=WATCHED_STATUSES)
        .annotate(
            last_contact_on=Subquery(last_contact.values("last")[:1]),
            deal_renewal_on=Subquery(first_deal_renewal.values("first")[:1]),
            last_order_on=Subquery(last_order.values("last")[:1]),
        )
        .filter(Q(renewal_month__isnull=False) | Q(deal_renewal_on__isnull=False))
        .values_list(
            "pk", "owner_id", "owner__team_id", "renewal_month", "deal_renewal_on", "last_contact_on", "last_order_on"
        )
    )
    for row in renewing.iterator(chunk_size=2000):
        pk, owner_id, team_id, month, deal_renewal_on, last_contact_on, last_order_on = row
        team = windows.get(team_id, DEFAULT_WINDOWS)
        dates = [d for d in (deal_renewal_on, next_renewal(month, today) if month else None) if d is not None]
        due = min(dates)
        if due > today + timedelta(days=team.renewal_window_days):
            continue
        # An order is contact too: the salesperson spoke with the customer to write it.
        if last_order_on is not None and (last_contact_on is None or last_order_on > last_contact_on):
            last_contact_on = last_order_on
        if last_contact_on is not None and last_contact_on >= today - timedelta(days=team.contact_window_days):
            continue
        findings.append(
            Finding(pk, owner_id, ChurnRisk.Reason.RENEWAL_NO_CONTACT, key_date=due, last_contact_on=last_contact_on)
        )

    buyers = (
        Customer.objects.filter(status__in=WATCHED_STATUSES)
        .annotate(
            order_days=Count("deals__issued_on", filter=COUNTED_DEALS, distinct=True),
            first_order_on=Min("deals__issued_on", filter=COUNTED_DEALS),
            last_order_on=Max("deals__issued_on", filter=COUNTED_DEALS),
        )
        .filter(order_days__gte=2, last_order_on__gte=today - timedelta(days=BUYING_LOOKBACK_DAYS))
        .values_list("pk", "owner_id", "owner__team_id", "order_days", "first_order_on", "last_order_on")
    )
    for pk, owner_id, team_id, order_days, first_order_on, last_order_on in buyers.iterator(chunk_size=2000):
        team = windows.get(team_id, DEFAULT_WINDOWS)
        usual = (last_order_on - first_order_on).days // (order_days - 1)
        if (today - last_order_on).days <= usual + team.buying_grace_days:
            continue
        findings.append(
            Finding(pk, owner_id, ChurnRisk.Reason.STOPPED_BUYING, key_date=last_order_on, usual_interval_days=usual)
        )
    return findings


@transaction.atomic
def refresh_churn_risks(*, today: date | None = None) -> int:
    """The nightly job: the risk rows become exactly the findings of ``today``. A risk still true keeps its
    row (and the day it was found); one no longer true is deleted; a new one is added. Run twice, same rows.
    Returns the number of risks."""
    today = today or local_today()
    findings = {(f.customer_id, f.reason): f for f in find_churn_risks(today=today)}
    existing = {(row.customer_id, row.reason): row for row in ChurnRisk.objects.select_for_update()}
    stale = [row.pk for key, row in existing.items() if key not in findings]
    if stale:
        ChurnRisk.objects.filter(pk__in=stale).delete()
    changed, added = [], []
    for key, finding in findings.items():
        values = {field: getattr(finding, field) for field in UPDATED_FIELDS if field != "checked_on"}
        values["checked_on"] = today
        row = existing.get(key)
        if row is None:
            added.append(ChurnRisk(customer_id=finding.customer_id, reason=finding.reason, found_on=today, **values))
            continue
        if any(getattr(row, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            changed.append(row)
    if changed:
        ChurnRisk.objects.bulk_update(changed, list(UPDATED_FIELDS), batch_size=1000)
    ChurnRisk.objects.bulk_create(added, batch_size=1000)
    _notify_new_risks(added)
    return len(findings)


def _notify_new_risks(added: list[ChurnRisk]) -> None:
    """Each salesperson hears once of the risks newly found among their customers (a rerun finds none new)."""
    counts = Counter(risk.salesperson_id for risk in added if risk.salesperson_id is not None)
    link = reverse("campaigns:churn_list")
    notify_many(
        notes=[
            Note(
                recipient_id=salesperson_id,
                kind="churn_risk",
                text=Message(
                    gettext_noop("%(count)d of your customers is newly at risk of churning."),
                    {"count": count},
                    plural="%(count)d of your customers are newly at risk of churning.",
                    count=count,
                ),
                link=link,
            )
            for salesperson_id, count in sorted(counts.items())
        ]
    )


def resolve_risks_by_visit(*, visit: Visit) -> int:
    """Visit follower: a visit or call is the contact a renewal waited for; that risk goes at once."""
    deleted, _ = ChurnRisk.objects.filter(
        customer_id=visit.customer_id, reason=ChurnRisk.Reason.RENEWAL_NO_CONTACT
    ).delete()
    return deleted


def resolve_risks_by_deal(*, deal: Deal) -> int:
    """Deal follower: an order is the customer buying again (and a renewal done): every risk goes at once."""
    deleted, _ = ChurnRisk.objects.filter(customer_id=deal.customer_id).delete()
    return deleted


@transaction.atomic
def set_churn_windows(
    *, team_id: int, renewal_window_days: int, contact_window_days: int, buying_grace_days: int
) -> ChurnSettings:
    """A team's windows (validated by the fields); the next nightly run uses them."""
    row = ChurnSettings.objects.filter(team_id=team_id).first() or ChurnSettings(team_id=team_id)
    row.renewal_window_days = renewal_window_days
    row.contact_window_days = contact_window_days
    row.buying_grace_days = buying_grace_days
    row.full_clean(exclude=["team"])
    row.save()
    return row

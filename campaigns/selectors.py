"""Reads of the campaigns app. Every list starts from ``<Model>.objects.visible_to(user)``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.customers.models import Customer
from accounts.customers.querysets import visible_customer
from accounts.deals.models import Deal
from campaigns.models import (
    CallAttempt,
    CallEntry,
    CallList,
    Campaign,
    CompetitorReport,
    Event,
    ImportedCustomer,
    ImportRowIssue,
    Mailing,
    MailingRecipient,
    PhoneInquiry,
    ProspectImport,
    SmsReply,
)
from crm.models import User
from territories.models import ChannelType, TerritoryAssignment

ZERO = Decimal("0.00")


# --- campaigns and their segment ----------------------------------------------------------------


def campaigns_for_list(*, user: User) -> QuerySet[Campaign]:
    return Campaign.objects.visible_to(user).select_related("created_by")


def segment_customers(*, campaign: Campaign) -> QuerySet[Customer]:
    """The customers and prospects the campaign's saved filter selects.

    Used only to address mailings (name, address, e-mail, phone), which info staff prepare although
    ``Customer.objects.visible_to`` shows them no customers: this is the "minimum of customer data"
    of DESIGN §4, and it never leaves the mailing pages and the labels export.
    """
    segment = campaign.segment or {}
    customers = Customer.objects.filter(pooled_at__isnull=True).exclude(status=Customer.Status.LOST)
    if segment.get("district"):
        customers = customers.filter(district=segment["district"])
    if segment.get("channel_type"):
        value = segment["channel_type"]
        customers = customers.filter(
            Q(channel_type__code=value)
            | Q(channel_type__name=value)
            | Q(channel_type_id=value if value.isdigit() else None)
        )
    if segment.get("business_type"):
        customers = customers.filter(business_type__icontains=segment["business_type"])
    if segment.get("status"):
        customers = customers.filter(status=segment["status"])
    if segment.get("source"):
        customers = customers.filter(source=segment["source"])
    if segment.get("intent"):
        customers = customers.filter(intent=segment["intent"])
    return customers.order_by("pk")


def mailings_of(*, campaign: Campaign) -> QuerySet[Mailing]:
    return campaign.mailings.select_related("sms_template").annotate(
        recipient_count=Count("recipients"),
        sent_count=Count("recipients", filter=Q(recipients__status__in=MailingRecipient.SENT_STATUSES)),
        failed_count=Count("recipients", filter=Q(recipients__status=MailingRecipient.Status.FAILED)),
        opted_out_count=Count("recipients", filter=Q(recipients__status=MailingRecipient.Status.SKIPPED_OPTED_OUT)),
    )


def delivery_log(*, mailing: Mailing) -> QuerySet[MailingRecipient]:
    return mailing.recipients.order_by("pk")


# --- two-way SMS ----------------------------------------------------------------------------------


def sms_messages_for(*, user: User) -> QuerySet[MailingRecipient]:
    """The SMS messages sent to customers ``user`` sees (sent, delivered or failed; none queued or opted out),
    newest first, with their mailing's campaign."""
    return (
        MailingRecipient.objects.filter(mailing__channel=Mailing.Channel.SMS, sent_at__isnull=False)
        .filter(customer__isnull=False)
        .filter(visible_customer(MailingRecipient.objects.all(), user))
        .select_related("mailing__campaign")
        .order_by("-sent_at", "-pk")
    )


def sms_replies_for(*, user: User) -> QuerySet[SmsReply]:
    """The SMS replies ``user`` sees (``SmsReply.objects.visible_to``), newest first."""
    return SmsReply.objects.visible_to(user).select_related("customer").order_by("-received_at", "-pk")


def unmatched_sms_replies(*, user: User) -> QuerySet[SmsReply]:
    """Replies from numbers of no customer, for the desk to find out whose they are."""
    return sms_replies_for(user=user).filter(customer__isnull=True)


@dataclass(frozen=True)
class SmsLine:
    """One line of a customer's SMS history: a message we sent or a reply they sent."""

    at: datetime
    inbound: bool
    text: str
    phone: str
    status: str = ""
    code: str = ""
    campaign: str = ""
    opted_out: bool = False


def customer_sms_history(*, user: User, customer_id: int, limit: int = 20) -> list[SmsLine]:
    """The latest messages sent to the customer and replies from them, newest first, as ``user`` sees them (two
    queries whatever the length). The text of a sent message is its mailing's template, not stored per message."""
    sent = list(
        sms_messages_for(user=user)
        .filter(customer_id=customer_id)
        .select_related("mailing__campaign", "mailing__sms_template")[:limit]
    )
    replies = list(sms_replies_for(user=user).filter(customer_id=customer_id)[:limit])
    lines = [
        SmsLine(
            at=message.sent_at,
            inbound=False,
            text=message.mailing.sms_template.body if message.mailing.sms_template else "",
            phone=message.address,
            status=message.get_status_display(),
            code=message.provider_code,
            campaign=message.mailing.campaign.name,
        )
        for message in sent
        if message.sent_at is not None
    ] + [
        SmsLine(at=reply.received_at, inbound=True, text=reply.text, phone=reply.phone, opted_out=reply.opted_out)
        for reply in replies
    ]
    return sorted(lines, key=lambda line: line.at, reverse=True)[:limit]


# --- imports ------------------------------------------------------------------------------------


def imports_for_list(*, user: User) -> QuerySet[ProspectImport]:
    return ProspectImport.objects.visible_to(user).select_related("created_by", "campaign")


def import_issues(*, prospect_import: ProspectImport) -> QuerySet[ImportRowIssue]:
    return prospect_import.issues.order_by("row_number", "pk")


@dataclass(frozen=True)
class ImportPositions:
    """Where the customers an import created stand with their positions (one query)."""

    customers: int = 0
    positioned: int = 0  # a position from any source (found from the address, imported, a check-in since)
    found: int = 0
    not_found: int = 0
    failed: int = 0
    waiting: int = 0

    @property
    def not_looked_up(self) -> int:
        """No position and no lookup: no address, or no geocoder set up."""
        return self.customers - self.positioned - self.not_found - self.failed - self.waiting


def import_positions(*, prospect_import: ProspectImport) -> ImportPositions:
    lookup = Customer.GeocodeStatus
    rows = ImportedCustomer.objects.filter(prospect_import=prospect_import)
    positioned = Q(customer__latitude__isnull=False)
    counts = rows.aggregate(
        customers=Count("pk"),
        positioned=Count("pk", filter=positioned),
        found=Count("pk", filter=Q(customer__geocode_status=lookup.FOUND)),
        not_found=Count("pk", filter=Q(customer__geocode_status=lookup.NOT_FOUND) & ~positioned),
        failed=Count("pk", filter=Q(customer__geocode_status=lookup.FAILED) & ~positioned),
        waiting=Count("pk", filter=Q(customer__geocode_status=lookup.PENDING) & ~positioned),
    )
    return ImportPositions(**counts)


def import_problems(*, prospect_import: ProspectImport) -> QuerySet[ImportRowIssue]:
    """The rows refused or skipped: errors and duplicates (the possible duplicates are asked about apart)."""
    return import_issues(prospect_import=prospect_import).exclude(kind=ImportRowIssue.Kind.POSSIBLE_DUPLICATE)


def import_possible_duplicates(*, prospect_import: ProspectImport) -> QuerySet[ImportRowIssue]:
    """The good rows that look like a registered customer, for the importer to confirm or not."""
    return import_issues(prospect_import=prospect_import).filter(kind=ImportRowIssue.Kind.POSSIBLE_DUPLICATE)


def import_issue_counts(*, prospect_import: ProspectImport) -> dict[str, int]:
    """Rows per kind of issue (errors, already customers, twice in the file, opted out, on the list): one query."""
    rows = (
        ImportRowIssue.objects.filter(prospect_import=prospect_import)
        .values("kind")
        .annotate(rows=Count("row_number", distinct=True))
        .order_by()
    )
    return {row["kind"]: row["rows"] for row in rows}


# --- inquiries ----------------------------------------------------------------------------------


def inquiries_for_list(*, user: User) -> QuerySet[PhoneInquiry]:
    return PhoneInquiry.objects.visible_to(user).select_related(
        "campaign", "salesperson", "territory", "entered_by", "event"
    )


def events_for_list(*, user: User) -> QuerySet[Event]:
    # Ordered here: a grouped query (the lead count) drops the model's default ordering.
    return (
        Event.objects.visible_to(user)
        .select_related("campaign")
        .annotate(lead_count=Count("leads"))
        .order_by("-held_on", "-id")
    )


# --- deals: the ONE door to accounts.Deal ----------------------------------------------------------


@dataclass
class DealTotals:
    count: int = 0
    amount: Decimal = ZERO


def inquiry_deals() -> QuerySet[Deal]:
    """Deals that came of a phone inquiry: those linked from ``PhoneInquiry.deal``.

    Nothing else in this app reads Deal: attribution and campaign results go through here. The deal's
    ``salesperson`` is the one credited (``record_deal_from_inquiry``), not whoever entered the inquiry.
    """
    return Deal.objects.filter(phone_inquiry__isnull=False)


def _totals(rows: Iterable[Mapping[str, Any]], key: str) -> dict[int, DealTotals]:
    return {row[key]: DealTotals(count=row["n"], amount=row["amount"] or ZERO) for row in rows}


def deal_totals_by_campaign(*, campaign_ids: Iterable[int]) -> dict[int, DealTotals]:
    """Inquiry-sourced deals (count, premium) per campaign of the inquiry; campaigns without any are absent."""
    rows = (
        inquiry_deals()
        .filter(phone_inquiry__campaign_id__in=list(campaign_ids))
        .values("phone_inquiry__campaign_id")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    return _totals(rows, "phone_inquiry__campaign_id")


def deal_totals_by_salesperson(*, campaign_ids: Iterable[int] | None = None) -> dict[int, DealTotals]:
    """Inquiry-sourced deals per credited salesperson (the deal's ``salesperson``)."""
    deals = inquiry_deals()
    if campaign_ids is not None:
        deals = deals.filter(phone_inquiry__campaign_id__in=list(campaign_ids))
    rows = deals.values("salesperson_id").annotate(n=Count("pk"), amount=Sum("amount")).order_by()
    return _totals(rows, "salesperson_id")


# --- campaign results -----------------------------------------------------------------------------


@dataclass
class CampaignResult:
    label: str
    campaign: Campaign | None = None
    budget: Decimal = ZERO
    mailed: int = 0
    inquiries: int = 0
    visited: int = 0
    deals: int = 0
    premium: Decimal = ZERO
    kinds: set = field(default_factory=set)

    @property
    def cost_per_deal(self) -> Decimal | None:
        if not self.deals:
            return None
        return (self.budget / self.deals).quantize(Decimal("0.01"))


def campaign_results(*, user: User) -> tuple[list[CampaignResult], list[CampaignResult]]:
    """(per campaign, per channel): mailed, inquiries, visits, deals, premium, cost per deal.
    Four queries whatever the number of campaigns."""
    campaigns = list(campaigns_for_list(user=user).order_by("-starts_on", "-id"))
    ids = [campaign.pk for campaign in campaigns]
    mailed = dict(
        MailingRecipient.objects.filter(mailing__campaign_id__in=ids, status__in=MailingRecipient.SENT_STATUSES)
        .values("mailing__campaign_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("mailing__campaign_id", "n")
    )
    inquiry_rows = {
        row["campaign_id"]: row
        for row in PhoneInquiry.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            n=Count("pk"),
            visited=Count("pk", filter=Q(status__in=[PhoneInquiry.Status.VISITED, PhoneInquiry.Status.CONVERTED])),
        )
        .order_by()
    }
    deals = deal_totals_by_campaign(campaign_ids=ids)
    per_campaign = []
    per_kind: dict[str, CampaignResult] = defaultdict(lambda: CampaignResult(label=""))
    labels = dict(Campaign.Kind.choices)
    for campaign in campaigns:
        inquiries: Mapping[str, Any] = inquiry_rows.get(campaign.pk, {})
        totals = deals.get(campaign.pk, DealTotals())
        result = CampaignResult(
            label=campaign.name,
            campaign=campaign,
            budget=campaign.budget,
            mailed=mailed.get(campaign.pk, 0),
            inquiries=inquiries.get("n", 0),
            visited=inquiries.get("visited", 0),
            deals=totals.count,
            premium=totals.amount,
        )
        per_campaign.append(result)
        kind = per_kind[campaign.kind]
        kind.label = str(labels[campaign.kind])
        for name in ("budget", "mailed", "inquiries", "visited", "deals", "premium"):
            setattr(kind, name, getattr(kind, name) + getattr(result, name))
    return per_campaign, [per_kind[kind] for kind in labels if kind in per_kind]


# --- competitor intelligence ----------------------------------------------------------------------


def competitor_reports_for_list(*, user: User) -> QuerySet[CompetitorReport]:
    return CompetitorReport.objects.visible_to(user).select_related("reported_by")


def competitor_products(*, user: User) -> list[str]:
    return list(
        CompetitorReport.objects.visible_to(user).order_by("product").values_list("product", flat=True).distinct()
    )


def competitor_comparison(*, user: User, product: str) -> list[CompetitorReport]:
    """Side by side for one product: the latest report of each competitor."""
    reports = competitor_reports_for_list(user=user).filter(product=product).order_by("competitor", "-seen_on", "-id")
    latest: dict[str, CompetitorReport] = {}
    for report in reports:
        latest.setdefault(report.competitor, report)
    return list(latest.values())


def inquiry_backlog(*, user: User) -> dict[str, int]:
    """For the morning meeting: inquiries nobody holds yet, and those flagged as not visited in time."""
    status = PhoneInquiry.Status
    return PhoneInquiry.objects.visible_to(user).aggregate(
        unassigned=Count("pk", filter=Q(salesperson__isnull=True, status=status.NEW)),
        overdue=Count("pk", filter=Q(status=status.ASSIGNED, overdue_flagged_at__isnull=False)),
    )


def inquiry_customers_for_route(*, salesperson: User, day: date) -> QuerySet[PhoneInquiry, int]:
    """Route source of today's route (registered with ``visits.selectors.register_route_source``): the
    customers of the inquiries given to ``salesperson`` and still waiting for a visit (new or assigned)."""
    return (
        PhoneInquiry.objects.filter(
            salesperson=salesperson,
            status__in=(PhoneInquiry.Status.NEW, PhoneInquiry.Status.ASSIGNED),
            customer__isnull=False,
            received_at__lt=timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)),
        )
        .order_by()
        .values_list("customer_id", flat=True)
    )


# --- telemarketing 电话营销 ----------------------------------------------------------------------------


def callers_of_channel(*, channel_type: ChannelType) -> QuerySet[User]:
    """Who may call a list of ``channel_type``: active salespeople owning an active territory of it now (the
    channel's people, DESIGN §2 market planning)."""
    owns = TerritoryAssignment.objects.current().filter(
        salesperson=OuterRef("pk"), territory__channel_type=channel_type, territory__is_active=True
    )
    return User.objects.filter(role=User.Role.SALESPERSON, is_active=True).filter(Exists(owns)).order_by("username")


def _end_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time.min))


def _progress_counts(prefix: str = "") -> dict[str, Count]:
    """The progress figures as aggregates over call entries (``prefix``: the path from the model counted)."""
    status, outcome = CallEntry.Status, CallEntry.Outcome
    field = f"{prefix}pk"

    def where(**lookups: Any) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    return {
        "numbers": Count(field),
        "called": Count(field, filter=where(attempts__gt=0)),
        "reached": Count(field, filter=where(reached_at__isnull=False)),
        "interested": Count(field, filter=where(outcome=outcome.INTERESTED)),
        "do_not_call": Count(field, filter=where(status=status.BARRED)),
        "callbacks_due": Count(field, filter=where(status=status.CALLBACK, next_call_at__lt=_end_of_today())),
    }


def call_lists_for_list(*, user: User) -> QuerySet[CallList]:
    """The call lists ``user`` sees, each with its progress (numbers, called, reached, interested, do not
    call, callbacks due today): one query whatever the number of lists."""
    return (
        CallList.objects.visible_to(user)
        .select_related("segment", "campaign", "channel_type")
        .annotate(**_progress_counts("entries__"))
        .order_by("-created_at", "-pk")
    )


@dataclass
class CallProgress:
    """Progress of a call list or of one caller on it."""

    label: str = ""
    numbers: int = 0
    called: int = 0
    reached: int = 0
    interested: int = 0
    do_not_call: int = 0
    callbacks_due: int = 0

    def add(self, other: CallProgress) -> None:
        for name in ("numbers", "called", "reached", "interested", "do_not_call", "callbacks_due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class CallListProgress:
    call_list_id: int
    name: str
    total: CallProgress
    callers: list[CallProgress] = field(default_factory=list)


def call_list_progress(*, call_lists: QuerySet[CallList]) -> list[CallListProgress]:
    """Progress per list and per caller of ``call_lists`` (already scoped to the viewer): ONE query, grouped
    by list and caller; newest list first, callers by name. Lists without numbers are left out."""
    counts = _progress_counts()
    rows = (
        CallEntry.objects.filter(call_list__in=call_lists.values("pk"))
        .values(
            "call_list_id", "call_list__name", "caller_id", "caller__username", "caller__last_name",
            "caller__first_name",
        )
        .annotate(
            numbers=counts["numbers"],
            called=counts["called"],
            reached=counts["reached"],
            interested=counts["interested"],
            do_not_call=counts["do_not_call"],
            callbacks_due=counts["callbacks_due"],
        )
        .order_by("-call_list_id", "caller__username")
    )  # fmt: skip
    lists: dict[int, CallListProgress] = {}
    for row in rows:
        progress = lists.setdefault(
            row["call_list_id"],
            CallListProgress(call_list_id=row["call_list_id"], name=row["call_list__name"], total=CallProgress()),
        )
        name = f"{row['caller__last_name'] or ''}{row['caller__first_name'] or ''}" or row["caller__username"]
        line = CallProgress(
            label=name or "",
            numbers=row["numbers"],
            called=row["called"],
            reached=row["reached"],
            interested=row["interested"],
            do_not_call=row["do_not_call"],
            callbacks_due=row["callbacks_due"],
        )
        progress.total.add(line)
        progress.callers.append(line)
    return list(lists.values())


def call_progress_for_meeting(*, user: User) -> list[CallListProgress]:
    """The morning meeting's telemarketing section: the active lists ``user`` sees, per list and caller."""
    active = CallList.objects.visible_to(user).exclude(status=CallList.Status.CLOSED)
    return call_list_progress(call_lists=active)


def call_entries_of(*, call_list: CallList, status: str = "") -> QuerySet[CallEntry]:
    """The numbers of a list in its order, with their caller, for its page."""
    entries = call_list.entries.select_related("caller").order_by("position")
    if status in CallEntry.Status.values:
        entries = entries.filter(status=status)
    return entries


def call_entries_for(*, user: User) -> QuerySet[CallEntry]:
    """The numbers ``user`` sees (a caller: their own), for the API."""
    return CallEntry.objects.visible_to(user).select_related("call_list", "caller").order_by("call_list_id", "position")


@dataclass
class CallerQueue:
    """What waits for a caller: due callbacks and retries, numbers never called, callbacks later today."""

    callbacks_due: int = 0
    retries_due: int = 0
    fresh: int = 0
    later_today: list[CallEntry] = field(default_factory=list)

    @property
    def due(self) -> int:
        return self.callbacks_due + self.retries_due + self.fresh


def caller_queue(*, caller: User, now: datetime | None = None) -> CallerQueue:
    """The caller's screen's counts and today's later callbacks: two queries."""
    now = now or timezone.now()
    status = CallEntry.Status
    mine = CallEntry.objects.filter(
        caller=caller, status__in=CallEntry.OPEN_STATUSES, call_list__status=CallList.Status.ACTIVE
    )
    counts = mine.filter(claimed_by__isnull=True).aggregate(
        callbacks_due=Count("pk", filter=Q(status=status.CALLBACK, next_call_at__lte=now)),
        retries_due=Count("pk", filter=Q(status=status.RETRY, next_call_at__lte=now)),
        fresh=Count("pk", filter=Q(status=status.FRESH)),
    )
    later = list(
        mine.filter(status=status.CALLBACK, next_call_at__gt=now, next_call_at__lt=_end_of_today())
        .select_related("call_list")
        .order_by("next_call_at", "pk")[:20]
    )
    return CallerQueue(**counts, later_today=later)


def calls_of_entry(*, entry: CallEntry) -> QuerySet[CallAttempt]:
    """The calls already made to a number, oldest first, with who made them."""
    return CallAttempt.objects.filter(entry=entry).select_related("caller").order_by("called_at", "pk")

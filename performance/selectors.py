"""Reads of the performance app."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from accounts.customers.models import Customer
from crm.models import User
from performance.models import RewardRule, SalesTarget
from visits.calendar import working_days_between
from visits.models import FormSubmission, QuotaShortfall, Visit
from visits.selectors import quota_results_for


@dataclass(frozen=True)
class TargetLine:
    salesperson: User
    amount: Decimal | None


@dataclass(frozen=True)
class TargetBreakdown:
    month: date
    company_amount: Decimal | None
    lines: list[TargetLine]

    @property
    def allocated(self) -> Decimal:
        return sum((line.amount or Decimal("0") for line in self.lines), Decimal("0"))

    @property
    def gap(self) -> Decimal | None:
        """Total minus the parts: positive when parts are missing, negative when they exceed it."""
        return None if self.company_amount is None else self.company_amount - self.allocated

    @property
    def excess(self) -> Decimal:
        """How far the parts exceed the total (0 when they do not)."""
        return -self.gap if self.gap is not None and self.gap < 0 else Decimal("0")

    @property
    def adds_up(self) -> bool:
        return self.gap == 0


def salespeople_for_targets(*, viewer: User) -> QuerySet[User]:
    """The active salespeople whose targets the viewer may see: all for admin, the team's for a manager."""
    people = User.objects.filter(role=User.Role.SALESPERSON, is_active=True).select_related("team")
    if viewer.sees_everything:
        return people.order_by("team__name", "username")
    if viewer.is_manager:
        return people.filter(team__manager=viewer).order_by("username")
    return people.filter(id=viewer.id)


def target_breakdown(*, month: date, viewer: User) -> TargetBreakdown:
    """The company's total for ``month`` and each visible salesperson's part, in two queries."""
    people = list(salespeople_for_targets(viewer=viewer))
    targets = SalesTarget.objects.filter(month=month)
    company = targets.filter(scope=SalesTarget.Scope.COMPANY).values_list("amount", flat=True).first()
    parts = dict(
        targets.filter(scope=SalesTarget.Scope.SALESPERSON, salesperson__in=people).values_list(
            "salesperson_id", "amount"
        )
    )
    return TargetBreakdown(
        month=month,
        company_amount=company,
        lines=[TargetLine(salesperson=person, amount=parts.get(person.id)) for person in people],
    )


@dataclass(frozen=True)
class Reward:
    rule: RewardRule | None
    bonus: Decimal


def reward_for(*, attainment_percent: Decimal, attained_amount: Decimal, rules: list[RewardRule]) -> Reward:
    """The highest active tier reached and its bonus (rate on the attained amount plus the fixed bonus)."""
    reached = [rule for rule in rules if rule.is_active and attainment_percent >= rule.min_attainment_percent]
    if not reached:
        return Reward(rule=None, bonus=Decimal("0.00"))
    rule = max(reached, key=lambda r: r.min_attainment_percent)
    bonus = attained_amount * rule.bonus_rate_percent / Decimal("100") + rule.bonus_amount
    return Reward(rule=rule, bonus=bonus.quantize(Decimal("0.01")))


# The morning meeting 早会: yesterday per salesperson, in a fixed handful of aggregate queries.


@dataclass(frozen=True)
class SalespersonDay:
    salesperson: User
    visits: int  # every visit logged, calls and office visits included
    required: int | None  # None: not counted that day (leave, new starter)
    intent_mix: dict[str, int]
    unrated: int
    new_customers: int
    submitted: bool
    submitted_late: bool
    shortfall: QuotaShortfall | None
    # the visits that count toward the quota (visits.selectors.visits_counted_for_quota), as the check counts
    counted: int = 0

    @property
    def below_quota(self) -> bool:
        return self.required is not None and self.counted < self.required


@dataclass(frozen=True)
class DayVisits:
    day: date
    visits: int
    is_working_day: bool


@dataclass(frozen=True)
class MorningMeeting:
    day: date
    rows: list[SalespersonDay]
    trend: list[DayVisits]

    @property
    def totals(self) -> dict[str, int]:
        mix = {code: sum(row.intent_mix[code] for row in self.rows) for code in INTENT_CODES}
        return {
            "visits": sum(row.visits for row in self.rows),
            "counted": sum(row.counted for row in self.rows if row.required is not None),
            "required": sum(row.required or 0 for row in self.rows),
            "new_customers": sum(row.new_customers for row in self.rows),
            "not_submitted": sum(1 for row in self.rows if not row.submitted),
            "below_quota": sum(1 for row in self.rows if row.below_quota),
            **{f"intent_{code}": count for code, count in mix.items()},
        }

    @property
    def trend_max(self) -> int:
        return max((point.visits for point in self.trend), default=0)

    @property
    def previous_working_day(self) -> date | None:
        """The last working day before ``day`` in the trend's four weeks; None if they hold none."""
        earlier = [point.day for point in self.trend if point.day < self.day and point.is_working_day]
        return earlier[-1] if earlier else None


INTENT_CODES = ("A", "B", "C", "D")
TREND_DAYS = 28
TREND_CACHE_SECONDS = 600


def morning_meeting(*, viewer: User, day: date) -> MorningMeeting:
    """Figures for the morning meeting about ``day`` (usually the previous working day).

    The query count is fixed whatever the number of people or visits: people, quotas, visits
    with their intent mix, new customers, submissions, shortfalls, the four-week trend (none
    while its earlier days are in the cache, see ``_visit_trend``) and the calendar, one query each.
    """
    people = list(salespeople_for_targets(viewer=viewer))
    ids = [person.id for person in people]
    quotas = {
        salesperson_id: (required, actual)
        for salesperson_id, required, actual in quota_results_for(day=day)
        .filter(id__in=ids)
        .values_list("id", "required", "actual")
    }
    # Counting salesperson (never null) rather than id lets PostgreSQL answer from the
    # (visited_on, salesperson, intent) index alone, without reading the day's visits.
    intent_counts = {f"intent_{code}": Count("salesperson", filter=Q(intent=code)) for code in INTENT_CODES}
    visits = {
        row["salesperson_id"]: row
        for row in Visit.objects.filter(visited_on=day, salesperson_id__in=ids)
        .values("salesperson_id")
        .annotate(total=Count("salesperson"), unrated=Count("salesperson", filter=Q(intent="")), **intent_counts)
        .order_by()
    }
    start, end = _day_bounds(day)
    new_customers = dict(
        Customer.objects.filter(created_by_id__in=ids, created_at__gte=start, created_at__lt=end)
        .values("created_by_id")
        .annotate(total=Count("id"))
        .values_list("created_by_id", "total")
        .order_by()
    )
    submissions = dict(
        FormSubmission.objects.filter(salesperson_id__in=ids, period_start__lte=day, period_end__gte=day).values_list(
            "salesperson_id", "late"
        )
    )
    shortfalls = {
        shortfall.salesperson_id: shortfall
        for shortfall in QuotaShortfall.objects.filter(day=day, salesperson_id__in=ids)
    }
    rows = []
    for person in people:
        # The row's intent_<code> keys are built at run time: the type checker cannot list them.
        counted: Mapping[str, Any] = visits.get(person.id, {})
        rows.append(
            SalespersonDay(
                salesperson=person,
                visits=counted.get("total", 0),
                required=quotas.get(person.id, (None, 0))[0],
                counted=quotas.get(person.id, (None, 0))[1],
                intent_mix={code: counted.get(f"intent_{code}", 0) for code in INTENT_CODES},
                unrated=counted.get("unrated", 0),
                new_customers=new_customers.get(person.id, 0),
                submitted=person.id in submissions,
                submitted_late=submissions.get(person.id, False),
                shortfall=shortfalls.get(person.id),
            )
        )
    trend = _visit_trend(ids=ids, last_day=day, last_day_visits=sum(row.visits for row in rows))
    return MorningMeeting(day=day, rows=rows, trend=trend)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _visit_trend(*, ids: list[int], last_day: date, last_day_visits: int) -> list[DayVisits]:
    """Visits per day over the TREND_DAYS days ending ``last_day``, for the salespeople ``ids``.

    ``last_day`` comes from the meeting's own figures (``last_day_visits``), so the chart's last bar
    always matches the table. The earlier days are counted in one query and kept in the cache for
    TREND_CACHE_SECONDS: for the admin that query reads every visit of four weeks (~600,000 at the
    large data set, most of the page's time), and those days hardly change (a visit synced late from
    a phone shows in the chart within TREND_CACHE_SECONDS). A frozen or stopped cache Redis is a
    miss after a short socket timeout (``crm/caching.py``): the days are then counted here.
    """
    first_day = last_day - timedelta(days=TREND_DAYS - 1)
    scope = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:32]
    key = f"performance:visit-trend:{scope}:{first_day.isoformat()}:{last_day.isoformat()}"
    per_day = cache.get(key)
    if per_day is None:
        per_day = dict(
            Visit.objects.filter(visited_on__range=(first_day, last_day - timedelta(days=1)), salesperson_id__in=ids)
            .values("visited_on")
            .annotate(total=Count("salesperson"))  # from an index alone
            .values_list("visited_on", "total")
            .order_by()
        )
        cache.set(key, per_day, TREND_CACHE_SECONDS)
    per_day[last_day] = last_day_visits
    working = set(working_days_between(first_day, last_day))
    return [
        DayVisits(
            day=first_day + timedelta(days=n),
            visits=per_day.get(first_day + timedelta(days=n), 0),
            is_working_day=first_day + timedelta(days=n) in working,
        )
        for n in range(TREND_DAYS)
    ]


# Attainment: what each salesperson has achieved this month against the target, from the ledger.


@dataclass(frozen=True)
class AttainmentLine:
    salesperson: User
    target: Decimal | None
    attained: Decimal
    projected: Decimal
    rank: int | None  # None: nothing counted this month, so no place on the leaderboard
    reward: Reward

    @property
    def percent(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.attained * 100 / self.target).quantize(Decimal("0.1"))


CHANGE_WORDS = {
    # kind of a change entered after its month ended → how the attainment page names it
    "return": lambda: gettext("a return"),
    "cancellation": lambda: gettext("a cancellation"),
    "refund": lambda: gettext("a refund"),
    "reversal": lambda: gettext("a correction"),
    "carry_out": lambda: gettext("a credit carried to another deal"),
}


@dataclass(frozen=True)
class LateChange:
    """Entries dated after the month ended that count against it (reversals, returns, refunds), by day and kind."""

    on: date
    kind: str  # return, cancellation, refund, reversal (of a payment or a return), carry_out
    amount: Decimal  # the change of the month's attained figure

    @property
    def text(self) -> str:
        return gettext("Changed on %(date)s by %(what)s entered later (¥%(amount)s)") % {
            "date": date_format(self.on, "Y-m-d"),
            "what": CHANGE_WORDS[self.kind](),
            "amount": number_format(self.amount, decimal_pos=2, force_grouping=True),
        }


@dataclass(frozen=True)
class Attainment:
    month: date
    basis: str
    lines: list[AttainmentLine]
    company_target: Decimal | None
    company_attained: Decimal
    changed_later: list[LateChange]

    @property
    def target_total(self) -> Decimal:
        return sum((line.target or Decimal("0") for line in self.lines), Decimal("0"))

    @property
    def attained_total(self) -> Decimal:
        return sum((line.attained for line in self.lines), Decimal("0"))

    @property
    def projected_total(self) -> Decimal:
        return sum((line.projected for line in self.lines), Decimal("0"))

    @property
    def percent_total(self) -> Decimal | None:
        total = self.target_total
        return (self.attained_total * 100 / total).quantize(Decimal("0.1")) if total else None


BASIS_KINDS = {
    # Net issued: orders less returns. Net collected: payments less refunds, with a credit carried from
    # one deal to the next as a refund of the first and a payment of the second. Reversals carry the
    # opposite effect of what they reverse, so summing ``effect`` nets them out. Entries count in the
    # month of ``counts_on``: a reversal, a return or a refund in that of what it takes back.
    "issued": ("order", "return"),
    "collected": ("payment", "refund", "carry_in", "carry_out"),
}


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def attained_by_salesperson(*, month: date, basis: str, salesperson_ids: list[int] | None = None) -> dict[int, Decimal]:
    """Net amount per credited salesperson in ``month``, from the ledger: one grouped query."""
    from accounts.deals.models import LedgerEntry

    entries = LedgerEntry.objects.filter(
        kind__in=BASIS_KINDS[basis], counts_on__range=(month, _month_end(month)), deal__isnull=False
    )
    if salesperson_ids is not None:
        entries = entries.filter(deal__salesperson_id__in=salesperson_ids)
    sign = Decimal("1") if basis == "issued" else Decimal("-1")  # a payment lowers the balance
    rows = entries.values("deal__salesperson_id").annotate(total=Sum("effect")).order_by()
    # Adding zero turns the −0.00 of a month that nets out into 0.00.
    return {row["deal__salesperson_id"]: row["total"] * sign + 0 for row in rows}


def changes_entered_later(*, month: date, basis: str, salesperson_ids: list[int]) -> list[LateChange]:
    """What changed ``month``'s figure after it ended, for these salespeople: one grouped query."""
    from accounts.deals.models import LedgerEntry

    end = _month_end(month)
    sign = Decimal("1") if basis == "issued" else Decimal("-1")
    rows = (
        LedgerEntry.objects.filter(
            kind__in=BASIS_KINDS[basis],
            counts_on__range=(month, end),
            entry_on__gt=end,
            deal__salesperson_id__in=salesperson_ids,
        )
        .values("entry_on", "kind", "reverses__kind")
        .annotate(total=Sum("effect"))
        .order_by("entry_on", "kind", "reverses__kind")
    )
    changes: dict[tuple[date, str], Decimal] = {}
    for row in rows:
        if row["reverses__kind"] == "order":
            kind = "cancellation"
        elif row["reverses__kind"] is not None:
            kind = "reversal"
        else:
            kind = row["kind"]
        key = (row["entry_on"], kind)
        changes[key] = changes.get(key, Decimal("0")) + row["total"] * sign
    return [
        LateChange(on=on, kind=kind, amount=amount.quantize(Decimal("0.01")))
        for (on, kind), amount in sorted(changes.items())
        if amount
    ]


def _projection_factor(*, month: date, today: date) -> Decimal:
    """How much month-to-date is scaled to reach month end: the month's working days over those
    elapsed (1 for a past month, 0 for one to come). One calendar query."""
    end = _month_end(month)
    if today > end:
        return Decimal("1")
    if today < month:
        return Decimal("0")
    working = working_days_between(month, end)
    elapsed = sum(1 for day in working if day <= today) or 1
    return Decimal(len(working) or 1) / Decimal(elapsed)


def _competition_ranks(person_ids: list[int], *, key: Callable[[int], tuple]) -> dict[int, int]:
    """Places by ``key``, best first; equal keys share a place and the next place skips ("1, 1, 3")."""
    ranks: dict[int, int] = {}
    previous = None
    for position, person_id in enumerate(sorted(person_ids, key=key), start=1):
        current = key(person_id)
        ranks[person_id] = ranks[previous] if previous is not None and key(previous) == current else position
        previous = person_id
    return ranks


def attainment(*, viewer: User, month: date, today: date | None = None, people: list[User] | None = None) -> Attainment:
    """Targets, attainment, projection, rank and reward for the salespeople the viewer may see.

    Ranks are by attainment percentage (then amount) among all salespeople, so a salesperson sees
    their place in the company: equal figures share a place and the next place skips (1, 1, 3); who has
    nothing counted (zero or less) has no place. A fixed handful of queries whatever the data size. ``people``:
    ``salespeople_for_targets(viewer=viewer)`` when the caller has it already (one query less).
    """
    basis = settings.CRM["ATTAINMENT_BASIS"]
    today = today or timezone.localdate()
    everyone = list(User.objects.filter(role=User.Role.SALESPERSON, is_active=True).values_list("id", flat=True))
    attained = attained_by_salesperson(month=month, basis=basis)
    targets = dict(
        SalesTarget.objects.filter(month=month, scope=SalesTarget.Scope.SALESPERSON).values_list(
            "salesperson_id", "amount"
        )
    )
    company_target = (
        SalesTarget.objects.filter(month=month, scope=SalesTarget.Scope.COMPANY)
        .values_list("amount", flat=True)
        .first()
    )

    def sort_key(person_id: int) -> tuple:
        amount = attained.get(person_id, Decimal("0"))
        target = targets.get(person_id)
        return (-(amount / target) if target else Decimal("0"), -amount)

    ranks = _competition_ranks(
        [person_id for person_id in everyone if attained.get(person_id, Decimal("0")) > 0], key=sort_key
    )
    rules = list(RewardRule.objects.filter(is_active=True))
    factor = _projection_factor(month=month, today=today)
    people = list(people if people is not None else salespeople_for_targets(viewer=viewer))
    lines = []
    for person in people:
        amount = attained.get(person.id, Decimal("0")).quantize(Decimal("0.01"))
        target = targets.get(person.id)
        percent = amount * 100 / target if target else Decimal("0")
        lines.append(
            AttainmentLine(
                salesperson=person,
                target=target,
                attained=amount,
                # A month below zero is not extrapolated: a loss is not expected to repeat every day.
                projected=(amount * factor).quantize(Decimal("0.01")) if amount > 0 else amount,
                rank=ranks.get(person.id),
                reward=reward_for(attainment_percent=percent, attained_amount=amount, rules=rules),
            )
        )
    lines.sort(key=lambda line: (line.rank is None, line.rank or 0))
    company_attained = sum(attained.values(), Decimal("0")).quantize(Decimal("0.01"))
    changed_later = (
        changes_entered_later(month=month, basis=basis, salesperson_ids=[person.id for person in people])
        if today > _month_end(month)
        else []
    )
    return Attainment(
        month=month,
        basis=basis,
        lines=lines,
        company_target=company_target,
        company_attained=company_attained,
        changed_later=changed_later,
    )


def attainment_history(*, viewer: User, last_month: date, months: int = 6) -> list[tuple[date, Decimal, Decimal]]:
    """(month, target, attained) for the viewer's salespeople over the last ``months`` months."""
    from accounts.deals.models import LedgerEntry

    basis = settings.CRM["ATTAINMENT_BASIS"]
    first = last_month
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    ids = list(salespeople_for_targets(viewer=viewer).values_list("id", flat=True))
    sign = Decimal("1") if basis == "issued" else Decimal("-1")
    attained = {
        row["month"]: row["total"] * sign + 0
        for row in LedgerEntry.objects.filter(
            kind__in=BASIS_KINDS[basis], counts_on__range=(first, _month_end(last_month)), deal__salesperson_id__in=ids
        )
        .annotate(month=TruncMonth("counts_on"))
        .values("month")
        .annotate(total=Sum("effect"))
        .order_by()
    }
    targets = {
        row["month"]: row["total"]
        for row in SalesTarget.objects.filter(
            scope=SalesTarget.Scope.SALESPERSON, salesperson_id__in=ids, month__range=(first, last_month)
        )
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    history = []
    month = first
    while month <= last_month:
        history.append((month, targets.get(month, Decimal("0")), attained.get(month, Decimal("0"))))
        month = _month_end(month) + timedelta(days=1)
    return history

"""The figures of a salesperson's day, as a daily report shows them: what the report was written from.

A plain value, read live by ``visits.reports.selectors.day_figures`` and kept as submitted on the
report (``DailyReport.figures``); comparing the two says what changed after the submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.customers.models import Customer
from visits.models import Visit

KINDS: tuple[str, ...] = tuple(Visit.Kind.values)
INTENTS: tuple[str, ...] = tuple(Customer.Intent.values)


@dataclass(frozen=True)
class DayFigures:
    """One salesperson's day: visits by kind, ratings given, new customers, deals and the quota.

    ``visits_by_kind`` and ``intent_counts`` hold every kind and every rating (0 when none), so two
    figures compare key by key. ``quota_required`` is None on a day without a quota (leave, not a
    working day, a new starter's first days); ``quota_counted`` counts as the quota check counts.
    """

    visits_by_kind: Mapping[str, int]
    intent_counts: Mapping[str, int]
    new_customers: int
    deal_count: int
    deal_amount: Decimal
    quota_required: int | None
    quota_counted: int

    @classmethod
    def empty(cls) -> DayFigures:
        return cls(
            visits_by_kind=dict.fromkeys(KINDS, 0),
            intent_counts=dict.fromkeys(INTENTS, 0),
            new_customers=0,
            deal_count=0,
            deal_amount=Decimal("0.00"),
            quota_required=None,
            quota_counted=0,
        )

    @property
    def visit_count(self) -> int:
        return sum(self.visits_by_kind.values())

    @property
    def rated_count(self) -> int:
        return sum(self.intent_counts.values())

    @property
    def shortfall(self) -> int:
        """Visits missing to the quota (0 when met or when the day has no quota)."""
        if self.quota_required is None:
            return 0
        return max(self.quota_required - self.quota_counted, 0)

    @property
    def deal_amount_text(self) -> str:
        return money(self.deal_amount)

    @property
    def kinds(self) -> list[tuple[str, str, int]]:
        """(kind, label, count) of the kinds visited, in the kinds' order."""
        labels = dict(Visit.Kind.choices)
        return [
            (kind, str(labels[kind]), self.visits_by_kind.get(kind, 0))
            for kind in KINDS
            if self.visits_by_kind.get(kind)
        ]

    @property
    def intents(self) -> list[tuple[str, int]]:
        """(rating, count) for A to D, zeros included: the mix reads the same every day."""
        return [(intent, self.intent_counts.get(intent, 0)) for intent in INTENTS]

    def changes_since(self, submitted: DayFigures) -> list[str]:
        """What differs now from the figures as ``submitted``, one short line each ("" when nothing does):
        "visits 5 → 6", "deals 1 → 2 (¥12,000.00 → ¥20,000.00)"."""
        changes = []
        if submitted.visit_count != self.visit_count or submitted.visits_by_kind != self.visits_by_kind:
            changes.append(
                _("visits %(before)d → %(now)d") % {"before": submitted.visit_count, "now": self.visit_count}
            )
        if submitted.intent_counts != self.intent_counts:
            changes.append(
                _("ratings %(before)s → %(now)s")
                % {"before": _mix(submitted.intent_counts), "now": _mix(self.intent_counts)}
            )
        if submitted.new_customers != self.new_customers:
            changes.append(
                _("new customers %(before)d → %(now)d") % {"before": submitted.new_customers, "now": self.new_customers}
            )
        if submitted.deal_count != self.deal_count or submitted.deal_amount != self.deal_amount:
            changes.append(
                _("deals %(before)d → %(now)d (%(amount_before)s → %(amount_now)s)")
                % {
                    "before": submitted.deal_count,
                    "now": self.deal_count,
                    "amount_before": money(submitted.deal_amount),
                    "amount_now": money(self.deal_amount),
                }
            )
        if (submitted.quota_required, submitted.quota_counted) != (self.quota_required, self.quota_counted):
            changes.append(_("quota %(before)s → %(now)s") % {"before": _quota(submitted), "now": _quota(self)})
        return changes


def money(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def _mix(counts: Mapping[str, int]) -> str:
    return " ".join(f"{intent}{counts.get(intent, 0)}" for intent in INTENTS)


def _quota(figures: DayFigures) -> str:
    if figures.quota_required is None:
        return _("no quota")
    return f"{figures.quota_counted}/{figures.quota_required}"

"""Reads of the performance app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from crm.models import User
from performance.models import RewardRule, SalesTarget


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

"""Factories for sales targets and reward tiers (set through the admin and ``performance.services``)."""

from decimal import Decimal

import factory
from django.utils import timezone

from performance.models import RewardRule, SalesTarget
from tests.crm.factories import SalespersonFactory


class SalesTargetFactory(factory.django.DjangoModelFactory):
    """A salesperson's target for this month (first day: the check constraint). For a team's or the
    company's, give ``scope`` with ``team`` and ``salesperson=None`` (the subject must match the scope)."""

    class Meta:
        model = SalesTarget

    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    scope = SalesTarget.Scope.SALESPERSON
    salesperson = factory.SubFactory(SalespersonFactory)
    team = None
    amount = Decimal("50000.00")


class RewardRuleFactory(factory.django.DjangoModelFactory):
    """An active tier; each gets its own threshold (one active tier per threshold)."""

    class Meta:
        model = RewardRule

    name = factory.Sequence(lambda n: f"奖励档{n}")
    min_attainment_percent = factory.Sequence(lambda n: Decimal(100 + n))
    bonus_rate_percent = Decimal("2.00")
    bonus_amount = Decimal("0.00")

"""Factories for the service tools: coverages, rate tables and bands, quotes, the check-up checklist and
check-ups with their policies.

They store rows directly. A quote or a check-up stored here is not priced or scored: ``create_quote`` and
``create_policy_checkup`` (``accounts.services_service_tools``; after the move ``accounts.service_tools.services``)
compute the figures from the rate tables and the checklist; use them when the test is about the figures.
``save_rate_table`` checks that a table's bands run end to end and that two tables do not overlap; the
factories do not (a table from ``RateTableFactory`` has no band until the test adds some).
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.service_tools.models import (
    CheckedPolicy,
    CheckupRule,
    Coverage,
    PolicyCheckup,
    Quote,
    RateBand,
    RateInput,
    RateTable,
)
from tests.accounts.factories import CustomerFactory, ProductFactory
from tests.crm.factories import SalespersonFactory


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"车损险{n}")
    code = factory.Sequence(lambda n: f"coverage-{n}")


class RateTableFactory(factory.django.DjangoModelFactory):
    """An open-ended table priced on the vehicle value, valid from a year ago."""

    class Meta:
        model = RateTable

    coverage = factory.SubFactory(CoverageFactory)
    input = RateInput.VEHICLE_VALUE
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    valid_until = None


class RateBandFactory(factory.django.DjangoModelFactory):
    """One open band from 0: ¥500 plus 1.2 % of the input."""

    class Meta:
        model = RateBand

    table = factory.SubFactory(RateTableFactory)
    lower = Decimal("0.00")
    upper = None
    base_premium = Decimal("500.00")
    rate_percent = Decimal("1.2000")
    unit_premium = Decimal("0.00")


class QuoteFactory(factory.django.DjangoModelFactory):
    """A stored quote with one line and no discount, not priced from any rate table (see the module)."""

    class Meta:
        model = Quote

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    quoted_on = factory.LazyFunction(timezone.localdate)
    inputs = factory.LazyFunction(lambda: {"coverages": ["damage"], "sums": {}, "vehicle_value": "150000"})
    lines = factory.LazyFunction(lambda: [{"coverage": "damage", "name": "车损险", "premium": "2300.00"}])
    subtotal = Decimal("2300.00")
    discount = Decimal("0.00")
    total = Decimal("2300.00")
    created_by = factory.SubFactory(SalespersonFactory)


class CheckupRuleFactory(factory.django.DjangoModelFactory):
    """An "expiring within 30 days" rule: the one kind that needs no coverage (the check constraint)."""

    class Meta:
        model = CheckupRule

    kind = CheckupRule.Kind.EXPIRING
    title = factory.Sequence(lambda n: f"保单即将到期{n}")
    days = 30
    weight = 20
    advice = "请尽快续保，避免脱保。"


class PolicyCheckupFactory(factory.django.DjangoModelFactory):
    """A stored check-up with a full score and no gaps, not scored against the checklist (see the module)."""

    class Meta:
        model = PolicyCheckup

    customer = factory.SubFactory(CustomerFactory)
    checked_on = factory.LazyFunction(timezone.localdate)
    score = 100
    created_by = factory.SubFactory(SalespersonFactory)


class CheckedPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckedPolicy

    checkup = factory.SubFactory(PolicyCheckupFactory)
    insurer = "平安财险"
    number = factory.Sequence(lambda n: f"PDZA2025{n:08d}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    premium = Decimal("3100.00")

"""Demo targets for this month and three reward tiers."""

from __future__ import annotations

from decimal import Decimal

from faker import Faker

from crm.dates import local_today
from crm.models import User
from performance.models import RewardRule
from performance.services import set_targets


def seed_targets(fake: Faker) -> dict[str, int]:
    month = local_today().replace(day=1)
    salespeople = list(User.objects.filter(role=User.Role.SALESPERSON).order_by("username"))
    parts = {person.id: Decimal(20000 + 2500 * (index % 4)) for index, person in enumerate(salespeople)}
    # The breakdown is left ¥5,000 short of the total, so the page shows its gap.
    set_targets(month=month, company_amount=sum(parts.values(), Decimal("0")) + 5000, salesperson_amounts=parts)
    tiers = [("达标", "80", "1", "0"), ("优秀", "100", "2", "500"), ("卓越", "120", "3", "1000")]
    for name, threshold, rate, bonus in tiers:
        RewardRule.objects.create(
            name=name,
            min_attainment_percent=Decimal(threshold),
            bonus_rate_percent=Decimal(rate),
            bonus_amount=Decimal(bonus),
        )
    return {"targets": len(parts) + 1, "reward tiers": len(tiers)}

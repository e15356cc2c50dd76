"""Positions for the "large branch" data set (seed_scale): each branch's customers around a place of 佛山.

Set-based (one UPDATE per branch) and idempotent: only customers without a position get one, so it also
completes a data set loaded before positions existed. `make bench` runs it after loading the data set.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import BigIntegerField, DecimalField, ExpressionWrapper, F, Value
from django.db.models.functions import Cast

from accounts.customers.models import Customer
from territories.models import Territory

# Ten places of 佛山 (WGS-84), one per branch in turn; the first is where bench/cases.py asks "near me".
CENTRES = (
    (Decimal("23.021500"), Decimal("113.121400")),  # 禅城 季华路
    (Decimal("23.040000"), Decimal("113.162000")),  # 南海 桂城
    (Decimal("23.098000"), Decimal("113.142000")),  # 南海 大沥
    (Decimal("22.840000"), Decimal("113.252000")),  # 顺德 大良
    (Decimal("22.962000"), Decimal("113.235000")),  # 顺德 陈村
    (Decimal("22.770000"), Decimal("113.280000")),  # 顺德 容桂
    (Decimal("22.899000"), Decimal("112.892000")),  # 高明 荷城
    (Decimal("23.156000"), Decimal("112.897000")),  # 三水 西南
    (Decimal("23.006000"), Decimal("113.099000")),  # 禅城 石湾
    (Decimal("23.033000"), Decimal("113.108000")),  # 禅城 祖庙
)
# Spread: ±0.03° (about ±3.3 km) around the centre, from the id (a fixed pseudo-random scatter, no Python loop).
STEPS, SCALE = 6001, Decimal("0.00001")


def _scatter(centre: Decimal, factor: int, shift: int, half: int) -> ExpressionWrapper:
    """centre ± 0.03°, from a quadratic hash of the id (a linear one lines each salesperson's customers up
    on a lattice that may miss the centre altogether)."""
    degrees = DecimalField(max_digits=9, decimal_places=6)
    number = Cast(F("id"), BigIntegerField())
    offset = ExpressionWrapper(
        ((number * number * factor + number * shift) % STEPS - half) * Value(SCALE), output_field=degrees
    )
    return ExpressionWrapper(Value(centre, output_field=degrees) + offset, output_field=degrees)


def place_scale_customers(*, prefix: str = "scale") -> int:
    """Give the data set's customers without a position one near their branch's centre; returns how many."""
    placed = 0
    branches = Territory.objects.filter(kind=Territory.Kind.BRANCH, code__startswith=f"{prefix}-branch")
    for branch in branches.order_by("pk"):
        number = int(branch.code.removeprefix(f"{prefix}-branch") or 1)
        latitude, longitude = CENTRES[(number - 1) % len(CENTRES)]
        half = STEPS // 2
        with transaction.atomic():
            placed += Customer.objects.filter(territory__parent=branch, latitude__isnull=True).update(
                latitude=_scatter(latitude, 7919, 31, half),
                longitude=_scatter(longitude, 104729, 17, half),
                location_source=Customer.LocationSource.IMPORTED,
            )
    return placed


class Command(BaseCommand):
    help = "Give the large data set's customers positions around ten places of Foshan (set-based, idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--prefix", default="scale")

    def handle(self, *args, **options) -> None:
        placed = place_scale_customers(prefix=options["prefix"])
        self.stdout.write(f"{placed} customers placed.")

"""The car insurance price tables the service-tools tests price against; every number is written out here so
the tests can check the premiums by hand."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.service_tools.models import CheckupRule, Coverage, RateInput
from accounts.service_tools.services import Band, save_rate_table
from tests.accounts.factories import ProductFactory

D = Decimal
TABLES_FROM = date(2020, 1, 1)


def _band(lower, upper, base=None, rate=None, unit=None):
    def number(value):
        return D(value) if value is not None else None

    return Band(D(lower), number(upper), number(base), number(rate), number(unit))


@pytest.fixture
def car(db):
    """机动车辆保险 with five coverages (rate % of the input, fixed and per-unit premiums in CNY):

    ctp 交强险 (always included), on seats:     [1, 6) 950 · [6, 10) 1100 · [10, 60) 1250
    damage 车损险, on vehicle value:          [0, 100000) 500 + 1.20% · [100000, 300000) 600 + 1.05%
                                             · [300000, 2000000) 800 + 0.95%
    third_party 第三者责任险, on sum insured:  [100000, 500000) 900 · [500000, 1000000) 1100
                                             · [1000000, 2000000) 1350 · [2000000, ∞) 1700
    passengers 车上人员责任险, on seats:       [1, 10) 50 per seat · [10, 60) 45 per seat
    theft 盗抢险, on vehicle value:            [0, ∞) 120 + 0.40%
    """
    product = ProductFactory(name="机动车辆保险", code="motor-package")
    specs = [
        ("ctp", "交强险", True, RateInput.SEATS, [_band(1, 6, "950"), _band(6, 10, "1100"), _band(10, 60, "1250")]),
        (
            "damage",
            "车损险",
            False,
            RateInput.VEHICLE_VALUE,
            [
                _band(0, 100000, "500", "1.20"),
                _band(100000, 300000, "600", "1.05"),
                _band(300000, 2000000, "800", "0.95"),
            ],
        ),
        (
            "third_party",
            "第三者责任险",
            False,
            RateInput.SUM_INSURED,
            [
                _band(100000, 500000, "900"),
                _band(500000, 1000000, "1100"),
                _band(1000000, 2000000, "1350"),
                _band(2000000, None, "1700"),
            ],
        ),
        ("passengers", "车上人员责任险", False, RateInput.SEATS, [_band(1, 10, unit="50"), _band(10, 60, unit="45")]),
        ("theft", "盗抢险", False, RateInput.VEHICLE_VALUE, [_band(0, None, "120", "0.40")]),
    ]
    coverages = {}
    for position, (code, name, required, input_kind, bands) in enumerate(specs):
        coverage = Coverage.objects.create(
            product=product, code=code, name=name, is_required=required, position=position
        )
        save_rate_table(coverage=coverage, input=input_kind, valid_from=TABLES_FROM, bands=bands)
        coverages[code] = coverage
    product.coverage_map = coverages
    return product


@pytest.fixture
def checklist(car):
    """Weights 30 + 20 + 15 + 25 + 10 = 100."""
    c = car.coverage_map
    return [
        CheckupRule.objects.create(
            kind=CheckupRule.Kind.SUM_BELOW,
            title="三者险保额不足",
            coverage=c["third_party"],
            minimum_sum=D("1000000"),
            weight=30,
            advice="建议三者险保额提高到100万元以上。",
            position=1,
        ),
        CheckupRule.objects.create(
            kind=CheckupRule.Kind.COVERAGE_MISSING,
            title="没有车上人员责任险",
            coverage=c["passengers"],
            weight=20,
            advice="建议为司机和乘客投保车上人员责任险。",
            position=2,
        ),
        CheckupRule.objects.create(
            kind=CheckupRule.Kind.COVERAGE_MISSING,
            title="没有车损险",
            coverage=c["damage"],
            weight=15,
            advice="建议投保车损险。",
            position=3,
        ),
        CheckupRule.objects.create(
            kind=CheckupRule.Kind.EXPIRING,
            title="保单即将到期",
            days=30,
            weight=25,
            advice="请在到期前续保，避免脱保。",
            position=4,
        ),
        CheckupRule.objects.create(
            kind=CheckupRule.Kind.COVERAGE_MISSING,
            title="没有盗抢险",
            coverage=c["theft"],
            weight=10,
            advice="车辆停放在露天场所时建议投保盗抢险。",
            position=5,
        ),
    ]

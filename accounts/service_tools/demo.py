"""Demo service tools: the car insurance package with five coverages and their rate tables (realistic-looking,
not official tariffs), the check-up checklist, and one quote and one check-up of sales1's. Built with the
services, so the bands are checked as the admin's would be."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from faker import Faker

from accounts.customers.models import Customer
from accounts.deals.models import Product
from accounts.service_tools.models import CheckupRule, Coverage, RateInput
from accounts.service_tools.services import Band, create_policy_checkup, create_quote, save_rate_table
from crm.dates import local_today
from crm.models import User
from territories.models import ProductLine

D = Decimal


def _band(lower, upper, base=None, rate=None, unit=None) -> Band:
    def number(value):
        return D(value) if value is not None else None

    return Band(D(lower), number(upper), number(base), number(rate), number(unit))


CAR_COVERAGES = (
    # code, name, always included, priced on, bands, description
    (
        "ctp",
        "交强险",
        True,
        RateInput.SEATS,
        [_band(1, 6, "950"), _band(6, 10, "1100"), _band(10, 60, "1250")],
        "机动车交通事故责任强制保险，按座位数定额",
    ),
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
        "车辆损失险：基础保费 + 新车购置价 × 费率",
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
            _band(2000000, 3000000, "1560"),
            _band(3000000, 10000001, "1700"),
        ],
        "按保额档次定额",
    ),
    (
        "passengers",
        "车上人员责任险",
        False,
        RateInput.SEATS,
        [_band(1, 10, unit="50"), _band(10, 60, unit="45")],
        "司机和乘客，每座保额1万元，按座计费",
    ),
    ("theft", "盗抢险", False, RateInput.VEHICLE_VALUE, [_band(0, 2000000, "120", "0.40")], "全车盗抢"),
)


def seed_car_insurance(*, valid_from: date) -> Product:
    line = ProductLine.objects.filter(code="car").first()
    product, _ = Product.objects.get_or_create(
        code="motor-package", defaults={"name": "机动车辆保险（交强险+商业险）", "line": line}
    )
    for position, (code, name, required, input_kind, bands, description) in enumerate(CAR_COVERAGES):
        coverage = Coverage.objects.create(
            product=product, code=code, name=name, is_required=required, position=position, description=description
        )
        save_rate_table(coverage=coverage, input=input_kind, valid_from=valid_from, bands=bands, note="示例费率")
    return product


def seed_checklist(product: Product) -> int:
    coverages = {coverage.code: coverage for coverage in product.coverages.all()}
    rules = [
        CheckupRule(
            kind=CheckupRule.Kind.SUM_BELOW,
            title="三者险保额偏低",
            coverage=coverages["third_party"],
            minimum_sum=D("1000000"),
            weight=30,
            advice="城市道路人伤赔偿标准逐年提高，建议三者险保额不低于100万元。",
        ),
        CheckupRule(
            kind=CheckupRule.Kind.COVERAGE_MISSING,
            title="没有车上人员责任险",
            coverage=coverages["passengers"],
            weight=20,
            advice="交强险不赔本车人员，建议为司机和乘客投保车上人员责任险。",
        ),
        CheckupRule(
            kind=CheckupRule.Kind.COVERAGE_MISSING,
            title="没有车损险",
            coverage=coverages["damage"],
            weight=15,
            advice="自己车辆的损失需要车损险，含涉水、自燃等保障。",
        ),
        CheckupRule(
            kind=CheckupRule.Kind.EXPIRING,
            title="保单30天内到期",
            days=30,
            weight=25,
            advice="请在到期前续保，脱保期间出险无法获得赔偿。",
        ),
        CheckupRule(
            kind=CheckupRule.Kind.COVERAGE_MISSING,
            title="没有盗抢险",
            coverage=coverages["theft"],
            weight=10,
            advice="车辆常停露天或无人看管的停车场时，建议投保盗抢险。",
        ),
    ]
    for position, rule in enumerate(rules, start=1):
        rule.position = position
        rule.save()
    return len(rules)


@transaction.atomic
def seed_service_tools(fake: Faker) -> dict[str, int]:
    today = local_today()
    product = seed_car_insurance(valid_from=date(today.year, 1, 1))
    rules = seed_checklist(product)
    sales1 = User.objects.filter(username="sales1").first()
    customer = Customer.objects.filter(owner=sales1).order_by("pk").first() if sales1 else None
    quotes = checkups = 0
    if customer is not None:
        create_quote(
            created_by=sales1,
            customer_id=customer.pk,
            product=product,
            coverages=["damage", "third_party", "passengers"],
            inputs={"seats": "5", "vehicle_value": "168000", "sums": {"third_party": "1000000"}},
        )
        coverages = {coverage.code: coverage for coverage in product.coverages.all()}
        create_policy_checkup(
            created_by=sales1,
            customer_id=customer.pk,
            policies=[
                {
                    "insurer": "某财险公司",
                    "number": "PDZA2025-8801",
                    "expires_on": today + timedelta(days=21),
                    "premium": "3650",
                    "sums": {
                        str(coverages["ctp"].pk): "200000",
                        str(coverages["damage"].pk): "168000",
                        str(coverages["third_party"].pk): "500000",
                    },
                }
            ],
        )
        quotes = checkups = 1
    return {"coverages": len(CAR_COVERAGES), "checklist rules": rules, "quotes": quotes, "check-ups": checkups}

"""Service tools: rate tables, quotes checked against a hand calculation, policy check-ups."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.customers.models import Customer
from accounts.deals.services import set_price_agreement
from accounts.service_tools.models import Coverage, PolicyCheckup, Quote, RateInput, RateTable
from accounts.service_tools.selectors import recompute_quote, rescore_checkup
from accounts.service_tools.services import (
    Band,
    QuoteAlreadyDeal,
    check_bands,
    convert_quote_to_deal,
    create_policy_checkup,
    create_quote,
    save_rate_table,
)
from crm.dates import local_today
from tests.accounts.factories import CustomerFactory
from tests.accounts.service_tools.fixtures import TABLES_FROM

D = Decimal
TODAY = local_today()
ALL = ["damage", "third_party", "passengers", "theft"]
INPUTS = {"seats": "5", "vehicle_value": "158000", "sums": {"third_party": "1000000"}}

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


def _quote(people, customer, car, coverages=ALL, inputs=INPUTS, **extra):
    return create_quote(
        created_by=people.sales1, customer_id=customer.pk, product=car, coverages=coverages, inputs=inputs, **extra
    )


# --- rate tables ------------------------------------------------------------------------------------------


def test_bands_that_leave_a_gap_are_refused_with_the_gap_named():
    with pytest.raises(ValidationError) as error:
        check_bands([Band(D("0"), D("100000"), D("500")), Band(D("120000"), None, D("600"))])
    assert error.value.messages == ["The bands leave a gap: nothing prices 100000 up to 120000."]


def test_overlapping_bands_are_refused():
    with pytest.raises(ValidationError) as error:
        check_bands([Band(D("0"), D("100000"), D("500")), Band(D("90000"), D("200000"), D("600"))])
    assert error.value.messages == ["The bands from 0 and from 90000 overlap."]


def test_a_band_after_an_open_ended_band_overlaps_it():
    with pytest.raises(ValidationError) as error:
        check_bands([Band(D("0"), None, D("500")), Band(D("5"), D("10"), D("600"))])
    assert error.value.messages == ["The bands from 0 and from 5 overlap."]


def test_a_table_with_a_gap_is_not_saved(car):
    coverage = car.coverage_map["theft"]
    with pytest.raises(ValidationError):
        save_rate_table(
            coverage=coverage,
            input=RateInput.VEHICLE_VALUE,
            valid_from=date(2030, 1, 1),
            bands=[Band(D("0"), D("10"), D("1")), Band(D("11"), None, D("1"))],
        )
    assert RateTable.objects.filter(coverage=coverage).count() == 1


def test_two_tables_of_one_coverage_cannot_be_valid_on_the_same_day(car):
    with pytest.raises(ValidationError) as error:
        save_rate_table(
            coverage=car.coverage_map["theft"],
            input=RateInput.VEHICLE_VALUE,
            valid_from=date(2030, 1, 1),
            bands=[Band(D("0"), None, D("100"))],
        )
    assert error.value.message_dict == {
        "valid_from": ["Another rate table of this coverage is valid from 2020-01-01 to open."]
    }


# --- quotes -------------------------------------------------------------------------------------------------


def test_the_quote_matches_the_hand_calculation(car, customer, people):
    """Hand calculation from the tables in the ``car`` fixture, 5 seats, vehicle ¥158,000, 三者 ¥1,000,000:

    交强险        5 seats in [1, 6)                       950.00
    车损险        600 + 158000 × 1.05% = 600 + 1659       2259.00
    第三者责任险  1000000 in [1000000, 2000000)          1350.00
    车上人员      5 seats × 50                             250.00
    盗抢险        120 + 158000 × 0.40% = 120 + 632         752.00
    subtotal                                             5561.00
    agreed discount 8.5%: 5561 × 0.085 = 472.685 →        472.69 (half up)
    premium                                              5088.31
    """
    set_price_agreement(
        customer_id=customer.pk, product=car, valid_from=TABLES_FROM, created_by=people.admin, discount_percent="8.5"
    )
    quote = _quote(people, customer, car)
    assert [(line["name"], line["premium"]) for line in quote.lines] == [
        ("交强险", "950.00"),
        ("车损险", "2259.00"),
        ("第三者责任险", "1350.00"),
        ("车上人员责任险", "250.00"),
        ("盗抢险", "752.00"),
    ]
    assert (quote.subtotal, quote.discount, quote.total) == (D("5561.00"), D("472.69"), D("5088.31"))
    assert quote.inputs == {
        "coverages": ["ctp", "damage", "third_party", "passengers", "theft"],
        "sums": {"third_party": "1000000"},
        "seats": "5",
        "vehicle_value": "158000",
    }
    again = recompute_quote(quote=Quote.objects.get(pk=quote.pk))
    assert (again.lines, again.subtotal, again.discount, again.total) == (
        quote.lines,
        quote.subtotal,
        quote.discount,
        quote.total,
    )


def test_rate_premiums_round_half_up_to_the_fen(car, customer, people):
    """车损险 on ¥123,456.78: 600 + 123456.78 × 1.05% = 600 + 1296.29619 = 1896.29619 → 1896.30; 交强险 for
    7 seats is in [6, 10) → 1100.00. Total 2996.30, no agreement."""
    quote = _quote(people, customer, car, coverages=["damage"], inputs={"seats": 7, "vehicle_value": "123456.78"})
    assert [line["premium"] for line in quote.lines] == ["1100.00", "1896.30"]
    assert (quote.subtotal, quote.discount, quote.total, quote.agreement) == (
        D("2996.30"),
        D("0.00"),
        D("2996.30"),
        None,
    )


def test_an_agreed_price_replaces_the_tariff(car, customer, people):
    set_price_agreement(
        customer_id=customer.pk, product=car, valid_from=TABLES_FROM, created_by=people.admin, price="5000.00"
    )
    quote = _quote(people, customer, car)
    assert (quote.subtotal, quote.discount, quote.total) == (D("5561.00"), D("561.00"), D("5000.00"))


@pytest.mark.parametrize(
    ("inputs", "errors"),
    [
        (
            {"seats": "5", "sums": {"third_party": "1000000"}},
            {"vehicle_value": ["Enter the Vehicle value (CNY)."]},
        ),
        (
            {"seats": "0", "vehicle_value": "158000", "sums": {"third_party": "1000000"}},
            {
                "seats": [
                    "0 is outside the rate table of 车上人员责任险, which runs from 1 to 60.",
                ]
            },
        ),
        (
            {"seats": "5.5", "vehicle_value": "158000", "sums": {"third_party": "1000000"}},
            {"seats": ["Enter a whole number."]},
        ),
        (
            {"seats": "5", "vehicle_value": "-1", "sums": {"third_party": "50000"}},
            {
                "vehicle_value": ["Enter a number of zero or more."],
                "sum_third_party": ["50000 is outside the rate table of 第三者责任险, which runs from 100000 to ∞."],
            },
        ),
        (
            {"seats": "5", "vehicle_value": "abc", "sums": {"third_party": "1000000"}},
            {"vehicle_value": ["Enter a number."]},
        ),
    ],
)
def test_missing_or_out_of_range_inputs_are_refused_and_nothing_is_saved(car, customer, people, inputs, errors):
    with pytest.raises(ValidationError) as error:
        _quote(people, customer, car, inputs=inputs)
    assert error.value.message_dict == errors
    assert Quote.objects.count() == 0


def test_an_expired_product_cannot_be_quoted(car, customer, people):
    RateTable.objects.filter(coverage=car.coverage_map["theft"]).update(valid_until=TODAY - timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        _quote(people, customer, car)
    assert error.value.messages == [
        f"盗抢险 has no rate in force on {TODAY.isoformat()}: the product has expired or is not on sale yet."
    ]
    car.is_active = False
    car.save()
    with pytest.raises(ValidationError) as error:
        _quote(people, customer, car)
    assert error.value.messages == ["机动车辆保险 is no longer sold."]
    assert Quote.objects.count() == 0


def test_a_quote_becomes_a_deal_once(car, customer, people):
    quote = _quote(people, customer, car)
    deal = convert_quote_to_deal(quote_id=quote.pk, created_by=people.sales1, number="PDAA2026100", issued_on=TODAY)
    quote.refresh_from_db()
    assert (deal.amount, deal.product_id, deal.customer_id, deal.salesperson_id) == (
        D("5561.00"),
        car.pk,
        customer.pk,
        people.sales1.pk,
    )
    assert quote.deal_id == deal.pk
    with pytest.raises(QuoteAlreadyDeal):
        convert_quote_to_deal(quote_id=quote.pk, created_by=people.sales1, number="PDAA2026101", issued_on=TODAY)


# --- policy check-up ------------------------------------------------------------------------------------------


def _policies(car, *, third_party="500000", expires_in=20, passengers=True):
    c = car.coverage_map
    sums = {str(c["ctp"].pk): "200000", str(c["damage"].pk): "150000", str(c["third_party"].pk): third_party}
    if passengers:
        sums[str(c["passengers"].pk)] = "10000"
    return [
        {
            "insurer": "平安财险",
            "number": "P-1",
            "expires_on": TODAY + timedelta(days=expires_in),
            "premium": "4800",
            "sums": sums,
        }
    ]


def test_checkup_scores_the_gaps_and_feeds_the_renewal(car, checklist, customer, people):
    # Fails: 三者 500000 < 1000000 (30), expires in 20 ≤ 30 days (25), no 盗抢险 (10). Score 100 − 65 = 35.
    checkup = create_policy_checkup(
        created_by=people.sales1, customer_id=customer.pk, policies=_policies(car, expires_in=20)
    )
    assert checkup.score == 35
    expiry = TODAY + timedelta(days=20)
    assert [(gap["title"], gap["weight"], gap["detail"]) for gap in checkup.gaps] == [
        ("三者险保额不足", 30, "第三者责任险: ¥500000 insured; ¥1000000 is recommended."),
        ("保单即将到期", 25, f"The 平安财险 policy expires on {expiry:%Y-%m-%d}, in 20 days."),
        ("没有盗抢险", 10, "No current policy includes 盗抢险."),
    ]
    assert checkup.gaps[0]["advice"] == "建议三者险保额提高到100万元以上。"
    customer.refresh_from_db()
    assert (customer.renewal_month, customer.current_insurer, customer.version) == (expiry.month, "平安财险", 2)
    assert rescore_checkup(checkup=PolicyCheckup.objects.get(pk=checkup.pk)) == (35, checkup.gaps)


def test_a_full_cover_far_from_expiry_scores_100(car, checklist, customer, people):
    policies = _policies(car, third_party="2000000", expires_in=200)
    policies[0]["sums"][str(car.coverage_map["theft"].pk)] = "150000"
    checkup = create_policy_checkup(created_by=people.sales1, customer_id=customer.pk, policies=policies)
    assert (checkup.score, checkup.gaps) == (100, [])


def test_an_expired_policy_covers_nothing(car, checklist, customer, people):
    checkup = create_policy_checkup(
        created_by=people.sales1, customer_id=customer.pk, policies=_policies(car, expires_in=-3)
    )
    # Everything that needs cover fails (30 + 20 + 15 + 10) and the expiry rule (25): 0.
    assert checkup.score == 0
    assert checkup.gaps[0]["detail"] == "第三者责任险 is not covered; ¥1000000 is recommended."
    assert checkup.gaps[3]["detail"] == f"The 平安财险 policy expired on {TODAY - timedelta(days=3):%Y-%m-%d}."


def test_the_score_rounds_half_up(car, checklist, customer, people):
    # Re-weight the checklist to 3 rules of 1: missing 盗抢险 alone fails 1 of 3 → 66.67 → 67.
    for rule in checklist[1:3]:
        rule.weight = 1
        rule.save()
    checklist[4].weight = 1
    checklist[4].save()
    for rule in (checklist[0], checklist[3]):
        rule.is_active = False
        rule.save()
    checkup = create_policy_checkup(created_by=people.sales1, customer_id=customer.pk, policies=_policies(car))
    assert checkup.score == 67


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        ([], "Enter at least one current policy."),
        ([{"insurer": "", "expires_on": TODAY, "sums": {"1": "1"}}], "Policy 1: enter the insurer."),
        ([{"insurer": "人保", "expires_on": None, "sums": {"1": "1"}}], "Policy 1: enter the expiry date."),
        ([{"insurer": "人保", "expires_on": TODAY, "sums": {}}], "Policy 1: enter at least one coverage."),
    ],
)
def test_checkup_bad_input_saves_nothing(car, checklist, customer, people, policies, message):
    with pytest.raises(ValidationError) as error:
        create_policy_checkup(created_by=people.sales1, customer_id=customer.pk, policies=policies)
    assert error.value.messages == [message]
    assert PolicyCheckup.objects.count() == 0
    assert Customer.objects.get(pk=customer.pk).renewal_month is None


def test_coverage_fixture_has_five_coverages(car):
    assert list(Coverage.objects.filter(product=car).values_list("code", flat=True)) == [
        "ctp",
        "damage",
        "third_party",
        "passengers",
        "theft",
    ]


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"


def test_a_policy_seen_at_a_check_up_feeds_the_renewal_reminders_once(car, checklist, customer, people, settings):
    from accounts.tasks import send_renewal_reminders
    from crm.models import Notification

    settings.CRM = {**settings.CRM, "RENEWAL_REMINDER_DAYS": 30}
    create_policy_checkup(created_by=people.sales1, customer_id=customer.pk, policies=_policies(car, expires_in=40))

    assert send_renewal_reminders(day=TODAY) == 0  # 40 days away: not yet
    assert send_renewal_reminders(day=TODAY + timedelta(days=10)) == 1
    assert send_renewal_reminders(day=TODAY + timedelta(days=11)) == 0  # once only

    reminder = Notification.objects.get(kind="policy_expiring")
    assert reminder.recipient_id == (customer.owner_id or people.sales1.id)
    expiry = TODAY + timedelta(days=40)
    assert reminder.text == (
        f"{customer.unit_name}: the 平安财险 policy expires on {expiry:%Y-%m-%d}. " + "Offer the renewal."
    )

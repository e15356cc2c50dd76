"""A quote's extra discount beyond the agreed price or the team's limit waits for the manager (crm.approvals).

Pages answer in Chinese, services in English here.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.deals.models import Deal
from accounts.deals.services import set_price_agreement
from accounts.service_tools.models import Quote
from accounts.service_tools.services import convert_quote_to_deal, create_quote
from accounts.service_tools.services.pricing import DiscountNotApproved
from crm.approvals.services import decide_approval
from crm.dates import local_today
from crm.models import Approval, Notification
from tests.accounts.factories import CustomerFactory
from tests.accounts.service_tools.fixtures import TABLES_FROM

D = Decimal
TODAY = local_today()
ALL = ["damage", "third_party", "passengers", "theft"]  # list premium ¥5561.00; team one's limit: 10 %
INPUTS = {"seats": "5", "vehicle_value": "158000", "sums": {"third_party": "1000000"}}
FORM = {"coverages": ALL, "seats": "5", "vehicle_value": "158000", "sum_third_party": "1000000"}

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


def _quote(people, customer, car, special_discount):
    return create_quote(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=car,
        coverages=ALL,
        inputs=INPUTS,
        special_discount=D(special_discount),
    )


def _deal(quote, people, number="PDAA2026300"):
    return convert_quote_to_deal(quote_id=quote.pk, created_by=people.sales1, number=number, issued_on=TODAY)


def test_an_extra_discount_within_the_teams_limit_needs_no_approval(car, customer, people):
    quote = _quote(people, customer, car, "556.10")  # exactly 10 %

    assert (quote.total, quote.approval) == (D("5004.90"), None)
    assert _deal(quote, people).amount == D("5004.90")


def test_a_discount_beyond_the_limit_waits_for_manager1_then_becomes_a_deal(client, car, customer, people):
    quote = _quote(people, customer, car, "1000")

    approval = quote.approval
    assert (approval.kind, approval.state, approval.requester, approval.approver) == (
        "discount",
        "pending",
        people.sales1,
        people.manager1,
    )
    assert approval.summary == "南山车行 · 机动车辆保险 · ¥4561.00 (list ¥5561.00, 17.98% off)"
    assert Notification.objects.get(kind="approval_waiting").recipient == people.manager1
    with pytest.raises(DiscountNotApproved) as refused:
        _deal(quote, people)
    assert str(refused.value) == (
        f"This quote waits for approval of its discount by {people.manager1}; it can become a deal once approved."
    )
    client.force_login(people.sales1)
    page = client.get(reverse("service_tools:quote_detail", args=[quote.pk])).content.decode()
    assert f"折扣等待 {people.manager1} 审批。" in page
    assert reverse("service_tools:quote_deal", args=[quote.pk]) not in page

    decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    deal = _deal(quote, people)
    assert (deal.amount, deal.customer_id) == (D("4561.00"), customer.pk)
    page = client.get(reverse("service_tools:quote_detail", args=[quote.pk])).content.decode()
    assert f"折扣已由 {people.manager1} 批准。" in page


def test_a_rejected_discount_says_so_and_never_becomes_a_deal(client, car, customer, people):
    quote = _quote(people, customer, car, "1000")
    decide_approval(approval_id=quote.approval_id, user=people.manager1, approve=False, comment="太低")

    with pytest.raises(DiscountNotApproved, match=f"was rejected by {people.manager1}: make a new quote"):
        _deal(quote, people)
    client.force_login(people.sales1)
    answer = client.post(
        reverse("service_tools:quote_deal", args=[quote.pk]), {"number": "PDAA2026301", "issued_on": TODAY.isoformat()}
    )
    assert f"此报价的折扣已被 {people.manager1} 驳回，请重新报价。" in answer.content.decode()
    assert Deal.objects.count() == 0
    page = client.get(reverse("service_tools:quote_detail", args=[quote.pk])).content.decode()
    assert f"折扣已被 {people.manager1} 驳回。" in page


def test_any_extra_discount_below_the_agreed_price_waits(car, customer, people):
    set_price_agreement(
        customer_id=customer.pk, product=car, valid_from=TABLES_FROM, created_by=people.admin, discount_percent="5"
    )
    quote = _quote(people, customer, car, "10")  # 5 % agreed + ¥10: under the team's limit, below the agreed price

    assert quote.approval.state == Approval.State.PENDING
    assert quote.total == D("5272.95")


def test_the_teams_limit_is_its_setting(car, customer, people):
    people.team_one.discount_limit_percent = D("20")
    people.team_one.save()
    assert _quote(people, customer, car, "1000").approval is None


@pytest.mark.parametrize(
    ("special", "message"),
    [("-1", "The extra discount cannot be negative."), ("5561", "at most ¥5560.99")],
)
def test_an_impossible_extra_discount_is_refused(car, customer, people, special, message):
    with pytest.raises(ValidationError, match=message):
        _quote(people, customer, car, special)
    assert (Quote.objects.count(), Approval.objects.count()) == (0, 0)


def test_the_quote_page_saves_the_extra_discount_and_the_deal_page_refuses_while_it_waits(
    client, car, customer, people
):
    client.force_login(people.sales1)
    url = reverse("service_tools:quote_create") + f"?customer={customer.pk}&product={car.pk}"
    preview = client.post(
        url, {**FORM, "special_discount": "1000", "action": "preview"}, headers={"HX-Request": "true"}
    )
    assert 'id="special-discount">−¥1000.00' in preview.content.decode()
    client.post(url, {**FORM, "special_discount": "1000", "action": "save"})
    quote = Quote.objects.get()
    assert (quote.special_discount, quote.total, quote.approval.approver) == (
        D("1000.00"),
        D("4561.00"),
        people.manager1,
    )

    answer = client.post(
        reverse("service_tools:quote_deal", args=[quote.pk]), {"number": "PDAA2026302", "issued_on": TODAY.isoformat()}
    )
    assert answer.status_code == 200
    assert f"此报价的折扣正在等待 {people.manager1} 审批，批准后才能成交。" in answer.content.decode()
    assert Deal.objects.count() == 0


@pytest.mark.parametrize("rows", [2, 12])
def test_the_quote_list_shows_what_waits_in_fixed_queries(
    client, car, customer, people, rows, django_assert_max_num_queries
):
    for n in range(rows):
        quote = _quote(people, customer, car, "1000")
        if n % 2:
            decide_approval(approval_id=quote.approval_id, user=people.manager1, approve=False)
    client.force_login(people.sales1)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("service_tools:quote_list")).content.decode()
    assert page.count(f"等待 {people.manager1} 审批") == rows // 2
    assert page.count(">已驳回</span>") == rows // 2

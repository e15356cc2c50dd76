"""Reversals count against the month of the entry they reverse; a closed month changed later says so.

Three months of orders, payments, a return, a cancellation, a reversed payment and a refund across month
ends; the figures per month are computed by hand in the fixture's docstring.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.deals.selectors import ledger_summary
from accounts.deals.services import create_deal, record_payment, record_refund, record_return, reverse_entry
from crm.dates import local_today
from performance.selectors import attainment, attainment_history
from performance.services import set_targets
from tests.accounts.factories import CustomerFactory, ProductFactory

D = Decimal
TODAY = local_today()
THIS = TODAY.replace(day=1)
LAST = (THIS - timedelta(days=1)).replace(day=1)
BEFORE = (LAST - timedelta(days=1)).replace(day=1)

# month → (sales1, sales2): hand-computed from the fixture below
ISSUED = {BEFORE: (D("10000.00"), D("0.00")), LAST: (D("3000.00"), D("0.00")), THIS: (D("2000.00"), D("0.00"))}
COLLECTED = {BEFORE: (D("4000.00"), D("0.00")), LAST: (D("9000.00"), D("0.00")), THIS: (D("500.00"), D("0.00"))}


@pytest.fixture
def three_months(owned_tree, people):
    """sales1: A ¥10,000 issued BEFORE+2, paid 4,000 BEFORE+9 and 6,000 LAST+4; a payment of 1,000 on
    BEFORE+10 entered by mistake and reversed today. B ¥5,000 issued LAST+2, paid 3,000 LAST+19, ¥2,000
    returned today. D ¥2,000 issued today, 500 paid today.
    sales2: C ¥8,000 issued LAST+14, paid in full LAST+15, cancelled today and refunded today.

    issued basis   BEFORE 10,000 | LAST 5,000 − 2,000 = 3,000 (sales2: 8,000 − 8,000 = 0) | THIS 2,000
    collected      BEFORE 4,000 + 1,000 − 1,000 = 4,000 | LAST 6,000 + 3,000 = 9,000 (sales2: 0) | THIS 500
    """
    product = ProductFactory(code="motor")
    mine = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    theirs = CustomerFactory(territory=owned_tree["nanshan_smes"], owner=people.sales2)

    def deal(customer, by, amount, issued_on, number):
        return create_deal(
            created_by=by, customer_id=customer.pk, product=product, number=number, amount=amount, issued_on=issued_on
        )

    def pay(deal, amount, on, by=people.sales1):
        return record_payment(deal_id=deal.pk, amount=amount, paid_on=on, recorded_by=by)

    a = deal(mine, people.sales1, "10000", BEFORE + timedelta(days=2), "A")
    pay(a, "4000", BEFORE + timedelta(days=9))
    wrong = pay(a, "1000", BEFORE + timedelta(days=10))
    pay(a, "5000", LAST + timedelta(days=4))
    b = deal(mine, people.sales1, "5000", LAST + timedelta(days=2), "B")
    pay(b, "3000", LAST + timedelta(days=19))
    c = deal(theirs, people.sales2, "8000", LAST + timedelta(days=14), "C")
    pay(c, "8000", LAST + timedelta(days=15), by=people.sales2)
    d = deal(mine, people.sales1, "2000", TODAY, "D")
    pay(d, "500", TODAY)
    # today: the corrections
    reverse_entry(entry_id=wrong.pk, reversed_by=people.manager1, reason="录重了")
    pay(a, "1000", LAST + timedelta(days=4))  # the rest of A's LAST payment, found on the bank statement
    record_return(deal_id=b.pk, amount="2000", returned_on=TODAY, recorded_by=people.sales1)
    reverse_entry(entry_id=c.ledger_entries.get(kind="order").pk, reversed_by=people.manager1, reason="客户取消")
    record_refund(deal_id=c.pk, amount="8000", refunded_on=TODAY, recorded_by=people.sales2)
    set_targets(
        month=THIS,
        company_amount=D("15000"),
        salesperson_amounts={people.sales1.id: D("10000"), people.sales2.id: D("5000")},
    )
    return {"mine": mine, "theirs": theirs}


def _figures(result):
    lines = {line.salesperson.username: line.attained for line in result.lines}
    return lines["sales1"], lines["sales2"]


@pytest.mark.django_db
@pytest.mark.parametrize(("basis", "expected"), [("issued", ISSUED), ("collected", COLLECTED)])
def test_each_month_matches_the_hand_computed_figure(three_months, people, settings, basis, expected):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": basis}

    for month, figures in expected.items():
        assert _figures(attainment(viewer=people.manager1, month=month, today=TODAY)) == figures, month
    history = attainment_history(viewer=people.manager1, last_month=THIS, months=3)
    assert [(month, attained) for month, _target, attained in history] == [
        (month, sum(figures)) for month, figures in expected.items()
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("basis", "expected"), [("issued", ISSUED), ("collected", COLLECTED)])
def test_the_months_add_up_to_the_ledger(three_months, people, settings, basis, expected):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": basis}
    mine, theirs = (ledger_summary(customer=three_months[key]) for key in ("mine", "theirs"))

    if basis == "issued":
        ledger = (mine.ordered - mine.returned) + (theirs.ordered - theirs.returned)
    else:
        ledger = (mine.collected - mine.refunded) + (theirs.collected - theirs.refunded)

    assert ledger == sum((sum(figures) for figures in expected.values()), D("0"))


@pytest.mark.django_db
def test_this_month_is_not_dragged_below_zero_and_not_projected_negative(three_months, people, settings):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}

    result = attainment(viewer=people.manager1, month=THIS, today=TODAY)

    lines = {line.salesperson.username: line for line in result.lines}
    assert (lines["sales1"].attained, lines["sales1"].percent) == (D("2000.00"), D("20.0"))
    assert (lines["sales2"].attained, lines["sales2"].percent, lines["sales2"].projected) == (
        D("0.00"),
        D("0.0"),
        D("0.00"),
    )
    assert lines["sales1"].projected >= D("2000.00")
    assert result.changed_later == []


@pytest.mark.django_db
def test_a_closed_month_changed_later_says_so(three_months, people, settings, english):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}

    changes = attainment(viewer=people.manager1, month=LAST, today=TODAY).changed_later

    assert [(change.on, change.kind, change.amount) for change in changes] == [
        (TODAY, "cancellation", D("-8000.00")),
        (TODAY, "return", D("-2000.00")),
    ]
    assert changes[1].text == f"Changed on {TODAY:%Y-%m-%d} by a return entered later (¥-2,000.00)"
    assert attainment(viewer=people.manager1, month=BEFORE, today=TODAY).changed_later == []
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "collected"}
    before = attainment(viewer=people.manager1, month=BEFORE, today=TODAY).changed_later
    last = attainment(viewer=people.manager1, month=LAST, today=TODAY).changed_later
    assert [(c.on, c.kind, c.amount) for c in before] == [(TODAY, "reversal", D("-1000.00"))]
    # A payment dated inside the closed month changes nothing "later": the ledger dates it in that month.
    assert [(c.on, c.kind, c.amount) for c in last] == [(TODAY, "refund", D("-8000.00"))]
    # sales3's manager sees none of it
    assert attainment(viewer=people.manager2, month=LAST, today=TODAY).changed_later == []


@pytest.mark.django_db
@pytest.mark.parametrize(("basis", "expected"), [("issued", ISSUED), ("collected", COLLECTED)])
def test_the_meeting_the_page_and_the_api_agree_with_the_ledger(
    client, three_months, people, settings, basis, expected, english
):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": basis}
    client.force_login(people.manager1)
    api = APIClient()
    api.force_authenticate(people.manager1)

    for month, (sales1, sales2) in expected.items():
        day = TODAY if month == THIS else month + timedelta(days=20)
        meeting = client.get("/dashboard/", {"day": day.isoformat()})
        assert meeting.context["month"].attained_total == sales1 + sales2, month
        page = client.get("/dashboard/attainment/", {"month": f"{month:%Y-%m}"})
        assert page.context["result"].attained_total == sales1 + sales2
        assert f"¥{sales1:,.2f}" in page.content.decode()
        body = api.get("/api/attainment/", {"month": month.isoformat()}).json()
        assert [(row["username"], row["attained"]) for row in body["salespeople"]] == sorted(
            [("sales1", f"{sales1:.2f}"), ("sales2", f"{sales2:.2f}")], key=lambda row: -D(row[1])
        )
        assert body["attained_total"] == f"{sales1 + sales2:.2f}"
    last = client.get("/dashboard/attainment/", {"month": f"{LAST:%Y-%m}"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    body = api.get("/api/attainment/", {"month": LAST.isoformat()}).json()
    if basis == "issued":
        assert f"Changed on {TODAY:%Y-%m-%d} by a return entered later (¥-2,000.00)" in last
        assert [(c["on"], c["kind"], c["amount"]) for c in body["changed_later"]] == [
            (TODAY.isoformat(), "cancellation", "-8000.00"),
            (TODAY.isoformat(), "return", "-2000.00"),
        ]
    else:
        assert f"Changed on {TODAY:%Y-%m-%d} by a refund entered later (¥-8,000.00)" in last
    chinese = client.get("/dashboard/attainment/", {"month": f"{LAST:%Y-%m}"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    what = "一笔退货" if basis == "issued" else "一笔退款"
    assert f"{TODAY:%Y-%m-%d} 因事后录入的{what}而变动" in chinese.content.decode()

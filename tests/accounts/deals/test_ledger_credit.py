"""A customer's credit (balance below zero): shown as such, refunded or carried to the next deal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.deals.models import Deal, LedgerEntry
from accounts.deals.selectors import ledger_summary, receivables_by_salesperson
from accounts.deals.services import (
    CreditTooSmall,
    DealCancelled,
    NothingToRefund,
    carry_credit,
    create_deal,
    deal_figures,
    record_payment,
    record_refund,
    reverse_entry,
)
from tests.accounts.factories import CustomerFactory, ProductFactory

D = Decimal
TODAY = date.today()
ISSUED = TODAY - timedelta(days=20)


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


@pytest.fixture
def product(db):
    return ProductFactory(name="商业车险", code="motor")


@pytest.fixture
def cancelled(customer, product, people):
    """A deal of ¥1,000 of which ¥600 was paid, then cancelled: the customer has ¥600 to get back."""
    deal = create_deal(
        created_by=people.sales1, customer_id=customer.pk, product=product, number="P1", amount="1000", issued_on=ISSUED
    )
    record_payment(deal_id=deal.pk, amount="600", paid_on=ISSUED + timedelta(days=1), recorded_by=people.sales1)
    order = deal.ledger_entries.get(kind="order")
    reverse_entry(entry_id=order.pk, reversed_by=people.manager1, reason="客户取消")
    deal.refresh_from_db()
    return deal


@pytest.fixture
def next_deal(customer, product, people):
    return create_deal(
        created_by=people.sales1, customer_id=customer.pk, product=product, number="P2", amount="1000", issued_on=TODAY
    )


def test_cancelling_a_part_paid_deal_leaves_a_credit(cancelled):
    assert cancelled.status == Deal.Status.CANCELLED
    figures = deal_figures(deal_id=cancelled.pk)
    assert (figures.balance, figures.credit, figures.due) == (D("-600.00"), D("600.00"), D("0.00"))


def test_the_credit_of_a_cancelled_deal_is_refunded_to_zero(cancelled, customer, people):
    refund = record_refund(
        deal_id=cancelled.pk, amount="600", refunded_on=TODAY, recorded_by=people.sales1, note="转账退回"
    )

    assert (refund.kind, refund.amount, refund.effect) == ("refund", D("600.00"), D("600.00"))
    assert deal_figures(deal_id=cancelled.pk).balance == D("0.00")
    assert ledger_summary(customer=customer).balance == D("0.00")
    cancelled.refresh_from_db()
    assert cancelled.status == Deal.Status.CANCELLED


def test_over_refunding_is_refused_with_the_credit_in_the_message(cancelled, people, english):
    with pytest.raises(NothingToRefund) as refused:
        record_refund(deal_id=cancelled.pk, amount="600.01", refunded_on=TODAY, recorded_by=people.sales1)

    assert str(refused.value.message) == (
        "The refund of ¥600.01 is larger than the ¥600.00 the customer has to get back."
    )
    assert refused.value.extra == {"credit": "600.00"}
    assert LedgerEntry.objects.filter(kind="refund").count() == 0


def test_the_credit_is_carried_to_the_next_deal_by_an_entry_pair_dated_today(cancelled, next_deal, customer, people):
    carried_in = carry_credit(deal_id=cancelled.pk, to_deal_id=next_deal.pk, carried_by=people.sales1)

    carried_out = carried_in.carried_from
    assert (carried_out.deal, carried_out.kind, carried_out.amount, carried_out.effect, carried_out.entry_on) == (
        cancelled,
        LedgerEntry.Kind.CARRY_OUT,
        D("600.00"),
        D("600.00"),
        TODAY,
    )
    assert (carried_in.deal, carried_in.kind, carried_in.amount, carried_in.effect, carried_in.entry_on) == (
        next_deal,
        LedgerEntry.Kind.CARRY_IN,
        D("600.00"),
        D("-600.00"),
        TODAY,
    )
    assert deal_figures(deal_id=cancelled.pk).balance == D("0.00")
    figures = deal_figures(deal_id=next_deal.pk)
    assert (figures.collected, figures.balance) == (D("600.00"), D("400.00"))
    next_deal.refresh_from_db()
    assert next_deal.status == Deal.Status.PARTIALLY_PAID
    assert ledger_summary(customer=customer).balance == D("400.00")


def test_carrying_more_than_the_credit_or_to_another_customer_is_refused(cancelled, next_deal, product, people):
    with pytest.raises(CreditTooSmall):
        carry_credit(deal_id=cancelled.pk, to_deal_id=next_deal.pk, carried_by=people.sales1, amount="700")
    elsewhere = create_deal(
        created_by=people.sales1,
        customer_id=CustomerFactory(owner=people.sales1).pk,
        product=product,
        number="X1",
        amount="900",
        issued_on=TODAY,
    )
    with pytest.raises(Deal.DoesNotExist):
        carry_credit(deal_id=cancelled.pk, to_deal_id=elsewhere.pk, carried_by=people.sales1)
    with pytest.raises(DealCancelled):
        carry_credit(deal_id=next_deal.pk, to_deal_id=cancelled.pk, carried_by=people.sales1)
    third = create_deal(
        created_by=people.sales1,
        customer_id=cancelled.customer_id,
        product=product,
        number="P3",
        amount="100",
        issued_on=TODAY,
    )
    with pytest.raises(CreditTooSmall):  # P2 has no credit to carry
        carry_credit(deal_id=next_deal.pk, to_deal_id=third.pk, carried_by=people.sales1)
    assert LedgerEntry.objects.filter(kind__in=["carry_in", "carry_out"]).count() == 0


def test_reversing_half_a_carry_reverses_the_pair(cancelled, next_deal, people):
    carried_in = carry_credit(deal_id=cancelled.pk, to_deal_id=next_deal.pk, carried_by=people.sales1)

    reverse_entry(entry_id=carried_in.pk, reversed_by=people.manager1, reason="搬错了")

    assert deal_figures(deal_id=cancelled.pk).balance == D("-600.00")
    assert deal_figures(deal_id=next_deal.pk).balance == D("1000.00")
    assert LedgerEntry.objects.filter(reverses__isnull=False, kind__in=["carry_in", "carry_out"]).count() == 2


def test_the_ledger_page_shows_the_credit_in_words_and_amount(client, cancelled, customer, people):
    client.force_login(people.sales1)

    page = client.get(reverse("deals:customer_ledger", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert 'id="ledger-credit"' in html
    assert "In credit: the customer has ¥600.00 to get back" in html
    assert [(deal.number, deal.credit) for deal in page.context["credits"]] == [("P1", D("600.00"))]
    assert reverse("deals:deal_entry_create", args=[cancelled.pk, "refund"]) in html
    assert reverse("deals:deal_carry", args=[cancelled.pk]) in html


def test_the_receivables_page_shows_the_credit(client, cancelled, next_deal, people):
    client.force_login(people.manager1)

    page = client.get(reverse("deals:receivables"), HTTP_ACCEPT_LANGUAGE="en")

    assert [(deal.customer.unit_name, deal.number, deal.credit) for deal in page.context["credits"]] == [
        ("南山车行", "P1", D("600.00"))
    ]
    html = page.content.decode()
    assert "Credits to refund or carry" in html and "¥600.00" in html
    line = page.context["teams"][0].lines[0]
    # What is owed and what is to be given back are shown apart, never netted.
    assert (line.salesperson, line.outstanding, line.credit) == (people.sales1, D("1000.00"), D("600.00"))
    client.force_login(people.sales3)
    assert client.get(reverse("deals:receivables")).context["credits"] == []


def test_receivables_lines_keep_credit_and_outstanding_apart(cancelled, next_deal, people):
    teams = receivables_by_salesperson(user=people.admin, today=TODAY)
    assert [(line.salesperson.username, line.outstanding, line.credit) for t in teams for line in t.lines] == [
        ("sales1", D("1000.00"), D("600.00"))
    ]


def test_a_refund_of_a_cancelled_deal_through_the_page(client, cancelled, people, english):
    client.force_login(people.sales1)
    url = reverse("deals:deal_entry_create", args=[cancelled.pk, "refund"])
    detail = client.get(cancelled.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url in detail and "the customer has ¥600.00 to get back" in detail

    too_much = client.post(
        url, {"amount": "700", "entry_on": TODAY.isoformat(), "idempotency_key": "r1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert too_much.status_code == 200
    assert "larger than the ¥600.00 the customer has to get back" in too_much.content.decode()
    done = client.post(url, {"amount": "600", "entry_on": TODAY.isoformat(), "idempotency_key": "r2"})

    assert done.status_code == 302
    assert deal_figures(deal_id=cancelled.pk).balance == D("0.00")


def test_carrying_the_credit_through_the_page(client, cancelled, next_deal, people):
    client.force_login(people.sales1)
    url = reverse("deals:deal_carry", args=[cancelled.pk])
    form = client.get(url)
    assert [deal.pk for deal in form.context["form"].fields["to_deal"].queryset] == [next_deal.pk]

    done = client.post(url, {"to_deal": next_deal.pk, "amount": "600", "idempotency_key": "c1"})
    again = client.post(url, {"to_deal": next_deal.pk, "amount": "600", "idempotency_key": "c1"})

    assert (done.status_code, again.status_code) == (302, 302)
    assert LedgerEntry.objects.filter(kind="carry_in").count() == 1
    assert deal_figures(deal_id=next_deal.pk).balance == D("400.00")
    client.force_login(people.sales3)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("deals", [2, 12])
def test_credit_pages_query_count_does_not_grow(client, customer, product, people, deals, django_assert_num_queries):
    for n in range(deals):
        deal = create_deal(
            created_by=people.sales1,
            customer_id=customer.pk,
            product=product,
            number=f"Q{n}",
            amount="100",
            issued_on=ISSUED,
        )
        record_payment(deal_id=deal.pk, amount="40", paid_on=ISSUED, recorded_by=people.sales1)
        reverse_entry(entry_id=deal.ledger_entries.get(kind="order").pk, reversed_by=people.manager1, reason="取消")
    client.force_login(people.manager1)

    # session, user, the ids of the deals seen (once, issue #24), balances, overdue per salesperson, people,
    # credits, notifications
    with django_assert_num_queries(8):
        receivables = client.get(reverse("deals:receivables"))
    with django_assert_num_queries(10):
        ledger = client.get(reverse("deals:customer_ledger", args=[customer.pk]))

    assert len(receivables.context["credits"]) == len(ledger.context["credits"]) == deals
    assert ledger.context["summary"].balance == D(-40 * deals).quantize(D("0.01"))


def test_the_deal_list_shows_a_credit_not_a_negative_due(client, cancelled, people):
    client.force_login(people.sales1)

    html = client.get(reverse("deals:deal_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "credit ¥600.00" in html and "¥-600.00" not in html

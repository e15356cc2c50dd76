"""Two people enter payments for one customer at the same moment: both land and the balance is right."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.deals.models import LedgerEntry
from accounts.deals.selectors import ledger_summary
from accounts.deals.services import Overpayment, create_deal, record_payment
from tests.accounts.factories import CustomerFactory, ProductFactory
from tests.concurrency import at_once

pytestmark = [
    # the channel types the migrations seed are put back after an earlier test's flush (tests/conftest.py)
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_reference_lists"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers"
    ),
]


@pytest.fixture
def deal(owned_tree, people):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    product = ProductFactory(code="motor")
    return create_deal(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=product,
        number="C1",
        amount="1000",
        issued_on=date.today(),
    )


def test_two_simultaneous_payments_both_land(deal, people):
    def pay(user, amount):
        return lambda: record_payment(deal_id=deal.pk, amount=amount, paid_on=date.today(), recorded_by=user)

    outcomes = at_once(pay(people.sales1, "300"), pay(people.manager1, "450"))

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes)
    assert ledger_summary(customer=deal.customer).balance == Decimal("250.00")


def test_two_simultaneous_payments_cannot_together_exceed_the_outstanding_amount(deal, people):
    def pay(user):
        return lambda: record_payment(deal_id=deal.pk, amount="600", paid_on=date.today(), recorded_by=user)

    outcomes = at_once(pay(people.sales1), pay(people.manager1))

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["LedgerEntry", "Overpayment"]
    assert isinstance(next(o for o in outcomes if not isinstance(o, LedgerEntry)), Overpayment)
    assert ledger_summary(customer=deal.customer).balance == Decimal("400.00")


def test_the_same_idempotency_key_at_the_same_moment_creates_one_entry(deal, people):
    def pay():
        return record_payment(
            deal_id=deal.pk, amount="100", paid_on=date.today(), recorded_by=people.sales1, idempotency_key="same"
        )

    outcomes = at_once(pay, pay)

    assert outcomes[0].pk == outcomes[1].pk
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_a_full_payment_retried_at_the_same_moment_answers_the_first_entry(deal, people):
    def pay():
        return record_payment(
            deal_id=deal.pk, amount="1000", paid_on=date.today(), recorded_by=people.sales1, idempotency_key="full"
        )

    outcomes = at_once(pay, pay, pay)

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes), outcomes
    assert len({outcome.pk for outcome in outcomes}) == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert ledger_summary(customer=deal.customer).balance == Decimal("0.00")


def test_the_same_key_from_two_users_at_the_same_moment_makes_two_entries(deal, people):
    def pay(user, amount):
        return lambda: record_payment(
            deal_id=deal.pk, amount=amount, paid_on=date.today(), recorded_by=user, idempotency_key="shared"
        )

    outcomes = at_once(pay(people.sales1, "300"), pay(people.manager1, "450"))

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes), outcomes
    assert sorted(LedgerEntry.objects.filter(kind="payment").values_list("amount", flat=True)) == [
        Decimal("300.00"),
        Decimal("450.00"),
    ]


def test_a_deal_retried_at_the_same_moment_answers_the_first_deal(deal, people):
    def order():
        return create_deal(
            created_by=people.sales1,
            customer_id=deal.customer_id,
            product=deal.product,
            number="C2",
            amount="500",
            issued_on=date.today(),
            idempotency_key="order-c2",
        )

    outcomes = at_once(order, order)

    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert LedgerEntry.objects.filter(kind="order", deal__number="C2").count() == 1

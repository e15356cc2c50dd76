"""Idempotency keys of ledger postings: a retry answers the first result; keys belong to the user who sent them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from accounts.deals.models import Deal, LedgerEntry
from accounts.deals.services import (
    KeyReused,
    create_deal,
    record_payment,
    record_refund,
    record_return,
    reverse_entry,
)
from tests.accounts.factories import CustomerFactory, ProductFactory

TODAY = date.today()
D = Decimal


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)


@pytest.fixture
def product(db):
    return ProductFactory(code="motor")


@pytest.fixture
def deal(customer, product, people):
    return create_deal(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=product,
        number="A1",
        amount="1000",
        issued_on=TODAY - timedelta(days=5),
    )


@pytest.fixture
def api():
    return APIClient()


def test_retrying_a_full_payment_answers_the_first_entry(deal, people):
    first = record_payment(
        deal_id=deal.pk, amount="1000", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="full"
    )
    again = record_payment(
        deal_id=deal.pk, amount="1000", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="full"
    )

    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    deal.refresh_from_db()
    assert deal.status == Deal.Status.PAID


def test_retrying_a_full_payment_through_the_api_answers_the_first_result(api, deal, people):
    api.force_authenticate(people.sales1)
    body = {"deal": deal.pk, "amount": "1000.00", "paid_on": str(TODAY)}

    first = api.post("/api/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-full")
    again = api.post("/api/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-full")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_the_same_key_from_two_users_makes_two_entries(deal, people):
    mine = record_payment(deal_id=deal.pk, amount="300", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="k")
    theirs = record_payment(
        deal_id=deal.pk, amount="200", paid_on=TODAY, recorded_by=people.manager1, idempotency_key="k"
    )

    assert theirs.pk != mine.pk
    assert (theirs.created_by, theirs.amount, mine.created_by, mine.amount) == (
        people.manager1,
        D("200.00"),
        people.sales1,
        D("300.00"),
    )
    assert LedgerEntry.objects.filter(kind="payment").count() == 2


def test_the_same_key_from_two_users_on_different_deals_through_the_api(api, deal, customer, product, people):
    other = create_deal(
        created_by=people.manager1, customer_id=customer.pk, product=product, number="A2", amount="500", issued_on=TODAY
    )
    api.force_authenticate(people.sales1)
    mine = api.post(
        "/api/payments/", {"deal": deal.pk, "amount": "100", "paid_on": str(TODAY)}, HTTP_IDEMPOTENCY_KEY="same"
    )
    api.force_authenticate(people.manager1)
    theirs = api.post(
        "/api/payments/", {"deal": other.pk, "amount": "50", "paid_on": str(TODAY)}, HTTP_IDEMPOTENCY_KEY="same"
    )

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert (theirs.json()["deal"], theirs.json()["amount"]) == (other.pk, "50.00")
    assert LedgerEntry.objects.filter(kind="payment", idempotency_key="same").count() == 2


def test_the_same_key_for_deals_from_two_users_makes_two_deals(api, customer, product, people):
    body = {"customer": customer.pk, "product": product.pk, "amount": "800.00", "issued_on": str(TODAY)}
    api.force_authenticate(people.sales1)
    mine = api.post("/api/deals/", {**body, "number": "N1"}, format="json", HTTP_IDEMPOTENCY_KEY="deal")
    api.force_authenticate(people.manager1)
    theirs = api.post("/api/deals/", {**body, "number": "N2"}, format="json", HTTP_IDEMPOTENCY_KEY="deal")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert sorted(Deal.objects.values_list("number", flat=True)) == ["N1", "N2"]


def test_one_user_reusing_a_key_for_another_entry_is_refused(deal, people):
    record_payment(deal_id=deal.pk, amount="100", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="once")

    with pytest.raises(KeyReused):
        record_return(
            deal_id=deal.pk, amount="100", returned_on=TODAY, recorded_by=people.sales1, idempotency_key="once"
        )
    assert LedgerEntry.objects.filter(kind="return").count() == 0


def test_returns_and_refunds_replay_per_user(deal, people):
    record_payment(deal_id=deal.pk, amount="1000", paid_on=TODAY, recorded_by=people.sales1)
    returned = record_return(
        deal_id=deal.pk, amount="400", returned_on=TODAY, recorded_by=people.sales1, idempotency_key="r"
    )
    assert (
        record_return(deal_id=deal.pk, amount="400", returned_on=TODAY, recorded_by=people.sales1, idempotency_key="r")
        == returned
    )
    refund = record_refund(
        deal_id=deal.pk, amount="400", refunded_on=TODAY, recorded_by=people.sales1, idempotency_key="f"
    )
    # The whole credit is refunded; the retry answers the refund instead of "nothing to refund".
    assert (
        record_refund(deal_id=deal.pk, amount="400", refunded_on=TODAY, recorded_by=people.sales1, idempotency_key="f")
        == refund
    )
    assert LedgerEntry.objects.filter(kind__in=["return", "refund"]).count() == 2


def test_the_database_holds_one_key_per_user(deal, people):
    entry = record_payment(deal_id=deal.pk, amount="10", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="x")
    LedgerEntry.objects.create(
        customer_id=deal.customer_id,
        deal=deal,
        kind="call",
        entry_on=TODAY,
        counts_on=TODAY,
        created_by=people.manager1,
        idempotency_key="x",
    )

    with pytest.raises(IntegrityError):
        LedgerEntry.objects.create(
            customer_id=deal.customer_id,
            deal=deal,
            kind="call",
            entry_on=TODAY,
            counts_on=TODAY,
            created_by=entry.created_by,
            idempotency_key="x",
        )


def test_a_reversal_is_not_replayed_by_a_key(deal, people):
    payment = record_payment(deal_id=deal.pk, amount="10", paid_on=TODAY, recorded_by=people.sales1)
    reversal = reverse_entry(entry_id=payment.pk, reversed_by=people.manager1, reason="录错")
    assert reversal.idempotency_key is None

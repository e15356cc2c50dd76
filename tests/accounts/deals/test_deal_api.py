from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.deals.models import Deal, LedgerEntry
from accounts.deals.services import create_deal
from tests.accounts.factories import CustomerFactory, ProductFactory

TODAY = date.today()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)


@pytest.fixture
def product(db):
    return ProductFactory(code="motor")


@pytest.fixture
def deal(customer, product, people):
    return create_deal(
        created_by=people.sales1, customer_id=customer.pk, product=product, number="A1", amount="1000", issued_on=TODAY
    )


def test_deal_create_is_idempotent_and_credited(api, people, customer, product):
    api.force_authenticate(people.sales2)  # sales2 does not see the customer
    body = {"customer": customer.pk, "product": product.pk, "number": "A9", "amount": "800.00", "issued_on": str(TODAY)}
    assert api.post("/api/deals/", body, format="json").status_code == 400

    api.force_authenticate(people.manager1)
    body["instalments"] = [
        {"amount": "300", "due_on": str(TODAY)},
        {"amount": "500", "due_on": str(TODAY + timedelta(30))},
    ]
    first = api.post("/api/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="deal-9")
    again = api.post("/api/deals/", body, format="json", HTTP_IDEMPOTENCY_KEY="deal-9")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["salesperson"] == people.sales1.pk and first.json()["balance"] == "800.00"
    assert Deal.objects.get().instalments.count() == 2


def test_payment_create_with_the_same_key_creates_one_entry(api, people, deal):
    api.force_authenticate(people.sales1)
    body = {"deal": deal.pk, "amount": "250.00", "paid_on": str(TODAY), "idempotency_key": "pay-1"}
    first = api.post("/api/payments/", body, format="json")
    again = api.post("/api/payments/", body, format="json")
    assert (first.status_code, again.status_code, first.json()["id"]) == (201, 201, again.json()["id"])
    assert LedgerEntry.objects.filter(kind="payment").count() == 1

    over = api.post("/api/payments/", {**body, "amount": "900", "idempotency_key": "pay-2"}, format="json")
    assert over.status_code == 400 and over.json()["outstanding"] == "750.00"
    bad = api.post("/api/payments/", {**body, "amount": "-1", "idempotency_key": "pay-3"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()


@pytest.mark.parametrize(
    ("who", "count"), [("sales1", 1), ("sales3", 0), ("manager1", 1), ("manager2", 0), ("info1", 0)]
)
def test_ledger_entries_within_visibility(api, people, deal, who, count):
    api.force_authenticate(getattr(people, who))
    response = api.get("/api/ledger-entries/", {"customer": deal.customer_id})
    assert response.status_code == 200
    assert response.json()["count"] == count
    assert api.get(f"/api/deals/{deal.pk}/").status_code == (200 if count else 404)

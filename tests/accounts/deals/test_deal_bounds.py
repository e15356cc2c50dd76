"""Bounds on deals and payments through the API: the amount per deal has a ceiling, dates lie in the window."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.deals.models import Deal, LedgerEntry
from accounts.deals.services import create_deal
from tests.accounts.factories import CustomerFactory, ProductFactory

TODAY = date.today()


@pytest.fixture
def api(people):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(people.manager1)
    return client


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)


@pytest.fixture
def product(db):
    return ProductFactory(code="motor")


def test_a_deal_above_the_ceiling_or_dated_9999_is_refused(api, customer, product, settings):
    settings.CRM = {**settings.CRM, "MAX_DEAL_AMOUNT": "1000000"}
    body = {"customer": customer.pk, "product": product.pk, "number": "A9", "amount": "1000000.01"}

    too_much = api.post("/api/deals/", {**body, "issued_on": str(TODAY)}, format="json")
    far = api.post("/api/deals/", {**body, "amount": "800.00", "issued_on": "9999-12-31"}, format="json")

    assert too_much.status_code == 400
    assert too_much.json() == {"amount": ["An amount may not exceed 1,000,000.00."]}
    assert far.status_code == 400
    assert list(far.json()) == ["issued_on"]
    assert far.json()["issued_on"][0].startswith("Enter a date between 2000-01-01 and ")
    assert Deal.objects.count() == 0


def test_a_payment_above_the_ceiling_or_dated_year_one_is_refused(api, people, customer, product, settings):
    deal = create_deal(
        created_by=people.sales1, customer_id=customer.pk, product=product, number="A1", amount="1000", issued_on=TODAY
    )
    before = LedgerEntry.objects.count()
    body = {"deal": deal.pk, "amount": "100", "paid_on": "0001-01-01"}

    far = api.post("/api/payments/", body, format="json")
    settings.CRM = {**settings.CRM, "MAX_DEAL_AMOUNT": "50"}
    too_much = api.post("/api/payments/", {**body, "paid_on": str(TODAY)}, format="json")

    assert far.status_code == 400 and list(far.json()) == ["paid_on"]
    assert too_much.json() == {"amount": ["An amount may not exceed 50.00."]}
    assert LedgerEntry.objects.count() == before

"""A first precise check-in at a customer without a position gives it one (source "check-in"), says so and offers
the way back ("I was not at the customer"); a check-in never replaces a pin or a position found from the address."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.customers.models import Customer
from accounts.customers.services import set_customer_location
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import Visit
from visits.services import disown_check_in_position, record_visit

Source = Customer.LocationSource
AT_THE_DOOR = {"latitude": "22.533100", "longitude": "113.930200", "accuracy_m": 25}
KNOWN = (Decimal("22.533000"), Decimal("113.930000"))


@pytest.fixture
def unlocated(owned_tree):
    return CustomerFactory(unit_name="南山新客户", address="科技园路1号", territory=owned_tree["nanshan_clubs"])


def located(owned_tree, source):
    return CustomerFactory(
        unit_name="老客户",
        territory=owned_tree["nanshan_clubs"],
        latitude=KNOWN[0],
        longitude=KNOWN[1],
        location_source=source,
    )


def position_of(customer):
    customer.refresh_from_db()
    return customer.latitude, customer.longitude, customer.location_source


def visit_form(customer, **extra):
    return {"customer": customer.pk, "kind": "first", "client_id": str(uuid.uuid4()), **AT_THE_DOOR, **extra}


def test_the_first_precise_check_in_gives_the_position_and_offers_the_way_back(client, people, unlocated, english):
    client.force_login(people.sales1)

    response = client.post("/visits/new/", visit_form(unlocated), follow=True, headers={"accept-language": "en"})

    visit = Visit.objects.get(customer=unlocated)
    assert position_of(unlocated) == (Decimal("22.533100"), Decimal("113.930200"), Source.CHECK_IN)
    assert (visit.verified, visit.distance_m) == (True, 0)
    body = response.content.decode()
    assert "The customer&#x27;s location was not known yet: this check-in sets it." in body
    assert f'<a class="alert-link" href="/visits/{visit.pk}/#position">Not at the customer?</a>' in body
    latest = unlocated.history.first()
    assert (latest.history_user, latest.location_source) == (people.sales1, Source.CHECK_IN)


def test_an_imprecise_check_in_gives_no_position(people, unlocated):
    record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **{**AT_THE_DOOR, "accuracy_m": 900})

    assert position_of(unlocated) == (None, None, Source.NONE)


@pytest.mark.parametrize("source", [Source.PIN, Source.GEOCODED, Source.IMPORTED])
def test_a_check_in_never_replaces_a_position(people, owned_tree, source):
    customer = located(owned_tree, source)

    visit = record_visit(salesperson=people.sales1, customer_id=customer.pk, **AT_THE_DOOR)

    assert position_of(customer) == (*KNOWN, source)
    assert (visit.sets_location, visit.distance_m) == (False, 23)


def test_a_position_set_while_the_visit_was_checked_is_kept(people, unlocated, monkeypatch):
    # A pin placed between the visit's checks and its storing: the check-in says nothing about setting it.
    from visits import services

    real = services._store_visit

    def store_after_a_pin(checked):
        set_customer_location(customer_id=unlocated.pk, latitude=KNOWN[0], longitude=KNOWN[1], source=Source.PIN)
        return real(checked)

    monkeypatch.setattr(services, "_store_visit", store_after_a_pin)

    visit = record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **AT_THE_DOOR)

    assert visit.sets_location is False
    assert position_of(unlocated) == (*KNOWN, Source.PIN)


def test_not_at_the_customer_forgets_the_position_and_the_visits_verification(
    client, people, unlocated, settings, english
):
    settings.CRM = {**settings.CRM, "GEOCODER": "nominatim"}
    visit = record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **AT_THE_DOOR)
    client.force_login(people.sales1)

    page = client.get(f"/visits/{visit.pk}/", headers={"accept-language": "en"}).content.decode()
    response = client.post(f"/visits/{visit.pk}/not-at-customer/", follow=True, headers={"accept-language": "en"})

    assert 'id="not-at-customer"' in page
    assert (
        "The position of 南山新客户 is forgotten: the next check-in at the door sets it." in response.content.decode()
    )
    assert position_of(unlocated) == (None, None, Source.NONE)
    assert unlocated.geocode_status == Customer.GeocodeStatus.PENDING  # its address is looked up instead
    visit.refresh_from_db()
    assert (visit.verified, visit.distance_m) == (False, None)
    assert 'id="not-at-customer"' not in response.content.decode()


def test_the_manager_reads_where_the_position_came_from_but_cannot_take_it_back(client, people, unlocated, english):
    visit = record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **AT_THE_DOOR)
    client.force_login(people.manager1)

    page = client.get(f"/visits/{visit.pk}/", headers={"accept-language": "en"}).content.decode()
    refused = client.post(f"/visits/{visit.pk}/not-at-customer/")

    assert "This check-in gave the customer its position" in page
    assert 'id="not-at-customer"' not in page
    assert refused.status_code == 403
    assert position_of(unlocated)[2] == Source.CHECK_IN


def test_another_salespersons_visit_answers_404_and_changes_nothing(client, people, unlocated):
    visit = record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **AT_THE_DOOR)
    client.force_login(people.sales2)

    assert client.post(f"/visits/{visit.pk}/not-at-customer/").status_code == 404
    assert position_of(unlocated)[2] == Source.CHECK_IN


def test_once_the_position_comes_from_elsewhere_there_is_nothing_to_take_back(people, unlocated, english):
    visit = record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **AT_THE_DOOR)
    set_customer_location(customer_id=unlocated.pk, latitude=KNOWN[0], longitude=KNOWN[1], source=Source.PIN)

    with pytest.raises(Exception, match="does not come from this check-in any more"):
        disown_check_in_position(salesperson=people.sales1, visit_id=visit.pk)

    assert position_of(unlocated) == (*KNOWN, Source.PIN)
    visit.refresh_from_db()
    assert visit.verified is True


def test_a_visit_that_gave_no_position_has_nothing_to_take_back(people, owned_tree, english):
    customer = located(owned_tree, Source.CHECK_IN)
    visit = VisitFactory(
        salesperson=people.sales1, customer=customer, latitude=KNOWN[0], longitude=KNOWN[1], verified=True, distance_m=3
    )

    with pytest.raises(Exception, match="does not come from this check-in any more"):
        disown_check_in_position(salesperson=people.sales1, visit_id=visit.pk)

    assert position_of(customer) == (*KNOWN, Source.CHECK_IN)


def test_the_api_takes_it_back_too(people, unlocated):
    visit = record_visit(salesperson=people.sales1, customer_id=unlocated.pk, **AT_THE_DOOR)
    api = APIClient()
    api.force_authenticate(people.sales1)

    response = api.post(f"/api/visits/{visit.pk}/not-at-customer/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["distance_m"]) == (visit.pk, None)
    assert position_of(unlocated) == (None, None, Source.NONE)
    api.force_authenticate(people.sales2)
    assert api.post(f"/api/visits/{visit.pk}/not-at-customer/").status_code == 404

"""Dragging a customer's pin (issue #19 item 3): who may, what is refused, the history, and the datum of
the tiles it was dropped on (one service for the page and the API)."""

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Customer
from accounts.customers.selectors import change_history
from accounts.customers.services import PinNotPermitted, place_customer_pin
from crm.coordinates import wgs84_to_gcj02
from crm.errors import NotFound
from tests.accounts.factories import CustomerFactory
from visits.geo import haversine_m

pytestmark = pytest.mark.django_db

NEW = ("23.035000", "113.145000")


def position(customer) -> tuple[Decimal | None, Decimal | None]:
    customer.refresh_from_db()
    return customer.latitude, customer.longitude


# --- the service -------------------------------------------------------------------------------------


def test_the_holder_moves_the_pin_and_the_history_says_who(people, map_customers, english):
    shunda = map_customers.shunda
    version = shunda.version

    place_customer_pin(customer_id=shunda.pk, latitude=NEW[0], longitude=NEW[1], by=people.sales1)

    assert position(shunda) == (Decimal("23.035000"), Decimal("113.145000"))
    assert shunda.version == version  # the registration form was not edited: forms opened before stay valid
    latest = shunda.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == people.sales1
    assert latest.history_type == "~"
    line = change_history(customer=shunda)[0]
    assert line.who == people.sales1
    assert ("latitude", Decimal("23.030100"), Decimal("23.035000")) in line.changes
    assert ("longitude", Decimal("113.140200"), Decimal("113.145000")) in line.changes


def test_a_customer_without_a_position_gets_one(people, map_customers):
    place_customer_pin(customer_id=map_customers.nowhere.pk, latitude=23.02, longitude=113.13, by=people.sales1)

    assert position(map_customers.nowhere) == (Decimal("23.020000"), Decimal("113.130000"))


@pytest.mark.parametrize("who", ["manager1", "admin"])
def test_the_teams_manager_and_the_admin_may_move_it(people, map_customers, who):
    place_customer_pin(customer_id=map_customers.shunda.pk, latitude=NEW[0], longitude=NEW[1], by=getattr(people, who))

    assert position(map_customers.shunda) == (Decimal("23.035000"), Decimal("113.145000"))
    assert map_customers.shunda.history.latest("history_date").history_user == getattr(people, who)


@pytest.mark.parametrize("who", ["sales2", "sales3", "manager2", "info1"])
def test_someone_who_does_not_see_the_customer_gets_not_found_and_nothing_moves(people, map_customers, who):
    with pytest.raises(NotFound):
        place_customer_pin(
            customer_id=map_customers.shunda.pk, latitude=NEW[0], longitude=NEW[1], by=getattr(people, who)
        )

    assert position(map_customers.shunda) == (Decimal("23.030100"), Decimal("113.140200"))


def test_a_salesperson_who_sees_but_does_not_hold_the_customer_may_not_move_it(people, owned_tree, english):
    pooled = CustomerFactory(
        territory=owned_tree["nanshan_clubs"],
        owner=None,
        pooled_at=timezone.now(),
        latitude=Decimal("23.0"),
        longitude=Decimal("113.0"),
    )

    with pytest.raises(PinNotPermitted) as refusal:
        place_customer_pin(customer_id=pooled.pk, latitude=NEW[0], longitude=NEW[1], by=people.sales1)

    assert str(refusal.value.message) == (
        "Only the salesperson who holds this customer, a manager of the team or the admin may move its pin."
    )
    assert position(pooled) == (Decimal("23.000000"), Decimal("113.000000"))


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        ("nan", "113.1"),
        (math.nan, 113.1),
        ("23.0", "inf"),
        (math.inf, 113.1),
        ("-Infinity", "113.1"),
        ("91", "113.1"),
        ("-90.5", "113.1"),
        ("23.0", "180.01"),
        ("23.0", "-181"),
        ("", "113.1"),
        (None, "113.1"),
        ("23.0", None),
        ("北纬23度", "113.1"),
        (True, 113.1),
        ("1e400", "113.1"),
    ],
)
def test_a_position_off_the_globe_is_refused_with_a_clear_message_and_nothing_changes(
    people, map_customers, english, latitude, longitude
):
    shunda = map_customers.shunda
    records = shunda.history.count()

    with pytest.raises(ValidationError) as refusal:
        place_customer_pin(customer_id=shunda.pk, latitude=latitude, longitude=longitude, by=people.sales1)

    assert refusal.value.message_dict == {
        "latitude": [
            "The pin's position is not valid: the latitude must be a number between -90 and 90, "
            "the longitude one between -180 and 180."
        ]
    }
    assert position(shunda) == (Decimal("23.030100"), Decimal("113.140200"))
    assert shunda.history.count() == records


def test_the_poles_and_the_antimeridian_are_on_the_globe(people, map_customers):
    place_customer_pin(customer_id=map_customers.shunda.pk, latitude="-90", longitude="180", by=people.admin)

    assert position(map_customers.shunda) == (Decimal("-90.000000"), Decimal("180.000000"))


# --- the page's door ----------------------------------------------------------------------------------


def pin_url(customer) -> str:
    return reverse("map:customer_pin", kwargs={"pk": customer.pk})


def test_the_page_saves_a_pin_dropped_on_osm_tiles_as_it_is(client, people, map_customers):
    client.force_login(people.sales1)

    response = client.post(
        pin_url(map_customers.shunda), {"latitude": NEW[0], "longitude": NEW[1]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": map_customers.shunda.pk,
        "geometry": {"type": "Point", "coordinates": [113.145, 23.035]},
        "message": "The pin of 顺达汽修厂 is saved.",
    }
    assert position(map_customers.shunda) == (Decimal("23.035000"), Decimal("113.145000"))


def test_a_pin_dropped_on_amap_tiles_is_stored_in_wgs84(client, people, map_customers, settings):
    settings.CRM = {**settings.CRM, "MAP_TILES": "amap"}
    # Where Amap draws the spot the salesperson means: the GCJ-02 image of a WGS-84 point.
    meant = (23.035, 113.145)
    drawn_lat, drawn_lng = wgs84_to_gcj02(*meant)
    client.force_login(people.sales1)

    response = client.post(
        pin_url(map_customers.shunda), {"latitude": f"{drawn_lat:.6f}", "longitude": f"{drawn_lng:.6f}"}
    )

    assert response.status_code == 200
    latitude, longitude = position(map_customers.shunda)
    assert haversine_m(latitude, longitude, *meant) == 0  # within half a metre (whole metres)
    # Drawn back where it was dropped.
    assert response.json()["geometry"]["coordinates"] == pytest.approx([drawn_lng, drawn_lat], abs=2e-6)
    assert haversine_m(drawn_lat, drawn_lng, *meant) > 200  # the shift is real: without it, 300 m off


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"latitude": "nan", "longitude": "113.1"}, 400),
        ({"latitude": "95", "longitude": "113.1"}, 400),
        ({"longitude": "113.1"}, 400),
    ],
)
def test_the_page_refuses_a_bad_position_with_the_message(client, people, map_customers, data, status):
    client.force_login(people.sales1)

    response = client.post(pin_url(map_customers.shunda), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert response.json()["detail"].startswith("The pin's position is not valid")
    assert position(map_customers.shunda) == (Decimal("23.030100"), Decimal("113.140200"))


def test_the_page_answers_404_for_a_customer_out_of_sight_and_403_for_one_not_held(
    client, people, map_customers, owned_tree
):
    pooled = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=None, pooled_at=timezone.now())
    client.force_login(people.sales1)

    assert client.post(pin_url(map_customers.sales3s), {"latitude": "23", "longitude": "113"}).status_code == 404
    assert client.post(pin_url(pooled), {"latitude": "23", "longitude": "113"}).status_code == 403
    assert Customer.objects.filter(pk=pooled.pk, latitude__isnull=True).exists()


def test_the_page_takes_posts_only(client, people, map_customers):
    client.force_login(people.sales1)

    assert client.get(pin_url(map_customers.shunda)).status_code == 405


# --- the API's door ----------------------------------------------------------------------------------------


def api_url(customer) -> str:
    return f"/api/map/customers/{customer.pk}/pin/"


def test_the_api_moves_the_pin_in_wgs84(client, people, map_customers, settings):
    settings.CRM = {**settings.CRM, "MAP_TILES": "amap"}  # the API never converts
    client.force_login(people.manager1)

    response = client.post(
        api_url(map_customers.shunda), {"latitude": 23.035, "longitude": 113.145}, "application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"id": map_customers.shunda.pk, "latitude": 23.035, "longitude": 113.145}
    assert position(map_customers.shunda) == (Decimal("23.035000"), Decimal("113.145000"))
    assert map_customers.shunda.history.latest("history_date").history_user == people.manager1


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("sales1", {"latitude": 91, "longitude": 113.1}, 400),
        ("sales1", {"latitude": "NaN", "longitude": 113.1}, 400),
        ("sales1", {"latitude": 23.0}, 400),
        ("sales3", {"latitude": 23.0, "longitude": 113.1}, 404),
        ("info1", {"latitude": 23.0, "longitude": 113.1}, 404),
    ],
)
def test_the_api_refuses_what_the_page_refuses(client, people, map_customers, who, body, status):
    client.force_login(getattr(people, who))

    response = client.post(api_url(map_customers.shunda), body, "application/json")

    assert response.status_code == status
    assert position(map_customers.shunda) == (Decimal("23.030100"), Decimal("113.140200"))

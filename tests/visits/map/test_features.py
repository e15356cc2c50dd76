"""The customer map's markers (issue #19 items 1 and 9): who sees which, the list's filters, the box and the
cap, the count of customers without a position, the datum of the tiles, and a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.coordinates import wgs84_to_gcj02
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("map:customer_features")
API = "/api/map/customers/"


def ids(collection) -> list[int]:
    return [feature["id"] for feature in collection["features"]]


def features(client, user, url=API, **params):
    client.force_login(user)
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return response.json()


# --- visibility ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [API, PAGE])
def test_a_salesperson_gets_their_own_customers_with_a_position_and_nobody_elses(client, people, map_customers, url):
    collection = features(client, people.sales1, url)

    c = map_customers
    assert ids(collection) == [c.shunda.pk, c.jiahe.pk, c.xinghe.pk]
    assert collection["without_position"] == 1
    assert collection["truncated"] is False


def test_a_salesperson_asking_for_anothers_customer_by_name_gets_nothing(client, people, map_customers):
    collection = features(client, people.sales1, q="南山中小企业甲")

    assert collection["features"] == []
    assert collection["without_position"] == 0


def test_a_salesperson_filtering_by_another_salespersons_id_gets_nothing(client, people, map_customers):
    collection = features(client, people.sales1, owner=people.sales3.pk)

    assert collection["features"] == []


def test_a_manager_sees_the_teams_customers_and_not_the_other_teams(client, people, map_customers):
    c = map_customers

    assert ids(features(client, people.manager1)) == [c.shunda.pk, c.jiahe.pk, c.xinghe.pk, c.sales2s.pk]
    assert ids(features(client, people.manager2)) == [c.sales3s.pk]


def test_the_admin_sees_everyone_and_info_staff_nobody(client, people, map_customers):
    assert len(features(client, people.admin)["features"]) == 5
    info = features(client, people.info1)
    assert info["features"] == []
    assert info["without_position"] == 0


def test_info_staff_cannot_open_the_page_endpoint(client, people, map_customers):
    client.force_login(people.info1)

    assert client.get(PAGE).status_code == 403


# --- what a feature says --------------------------------------------------------------------------------


def test_a_feature_is_rfc_7946_geojson_in_wgs84_with_the_card(client, people, map_customers):
    shunda = map_customers.shunda
    visit = VisitFactory(salesperson=people.sales1, customer=shunda, visited_at=timezone.now() - timedelta(days=2))
    VisitFactory(salesperson=people.sales1, customer=shunda, visited_at=timezone.now() - timedelta(days=9))

    collection = features(client, people.sales1, q="顺达")

    assert collection["type"] == "FeatureCollection"
    assert collection["datum"] == "wgs84"
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [113.1402, 23.0301]}  # [longitude, latitude]
    assert feature["properties"] == {
        "id": shunda.pk,
        "name": "顺达汽修厂",
        "intent": "A",
        "status": "prospect",
        "address": "桂城街道南海大道1号",
        "district": "南山区",
        "last_visit_at": timezone.localtime(visit.visited_at).isoformat(),
        "url": f"/customers/{shunda.pk}/",
        "pin_movable": True,
    }


def test_an_unrated_customer_never_visited_has_no_intent_and_no_last_visit(client, people, map_customers):
    (feature,) = features(client, people.sales1, q="星河")["features"]

    assert feature["properties"]["intent"] is None
    assert feature["properties"]["last_visit_at"] is None


def test_the_manager_may_move_every_pin_a_salesperson_only_their_own(client, people, map_customers, owned_tree):
    pooled = CustomerFactory(
        unit_name="公海客户",
        territory=owned_tree["nanshan_clubs"],
        owner=None,
        pooled_at=timezone.now(),
        latitude=Decimal("23.020000"),
        longitude=Decimal("113.120000"),
    )

    by_sales1 = {f["id"]: f["properties"]["pin_movable"] for f in features(client, people.sales1)["features"]}
    by_manager = {f["id"]: f["properties"]["pin_movable"] for f in features(client, people.manager1)["features"]}

    assert by_sales1[pooled.pk] is False  # seen through the territory, held by nobody
    assert by_sales1[map_customers.shunda.pk] is True
    assert set(by_manager.values()) == {True}


# --- filters, box and cap ----------------------------------------------------------------------------


def test_the_lists_filters_apply(client, people, map_customers):
    c = map_customers

    assert ids(features(client, people.sales1, intent="C")) == [c.jiahe.pk]
    assert ids(features(client, people.manager1, owner=people.sales2.pk)) == [c.sales2s.pk]
    assert ids(features(client, people.sales1, q="嘉禾")) == [c.jiahe.pk]
    assert features(client, people.sales1, intent="C")["without_position"] == 0


def test_the_page_endpoint_reads_the_same_filters(client, people, map_customers):
    assert ids(features(client, people.sales1, PAGE, intent="A")) == [map_customers.shunda.pk]


def test_a_box_keeps_the_customers_inside_it_and_counts_those_without_position_all_the_same(
    client, people, map_customers
):
    c = map_customers

    collection = features(client, people.sales1, bbox="113.13,23.02,113.16,23.05")

    assert ids(collection) == [c.shunda.pk, c.jiahe.pk]
    assert collection["bbox"] == [113.13, 23.02, 113.16, 23.05]
    assert collection["without_position"] == 1


def test_a_box_beyond_the_globe_is_clamped_and_one_the_wrong_way_round_turned(client, people, map_customers):
    collection = features(client, people.sales1, bbox="999,99,-999,-99")

    assert collection["bbox"] == [-180.0, -90.0, 180.0, 90.0]
    assert len(collection["features"]) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "113,23,114"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "nan,23,114,24"}, "bbox"),
        ({"bbox": "1e3,23,114,24"}, "bbox"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"limit": "-3"}, "limit"),
        ({"limit": "9" * 5000}, "limit"),
    ],
)
def test_bad_box_or_limit_is_a_400_naming_it(client, people, map_customers, params, field):
    client.force_login(people.sales1)

    response = client.get(API, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_bad_box_on_the_page_endpoint_is_a_400_with_the_reason(client, people, map_customers):
    client.force_login(people.sales1)

    response = client.get(PAGE, {"bbox": "here"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Four numbers: west,south,east,north (longitude, latitude, longitude, latitude in degrees)."
    }


def test_beyond_the_limit_the_first_by_id_are_sent_and_the_answer_says_truncated(client, people, map_customers):
    c = map_customers

    collection = features(client, people.sales1, limit=2)

    assert ids(collection) == [c.shunda.pk, c.jiahe.pk]
    assert collection["truncated"] is True
    assert collection["limit"] == 2


def test_the_page_says_how_many_have_no_position_and_links_to_them_in_the_list(client, people, map_customers):
    collection = features(client, people.sales1, PAGE, intent="")

    assert collection["messages"] == {
        "shown": "3 customers on the map.",
        "without_position": "1 customer has no position yet.",
        "truncated": "",
    }
    assert collection["without_position_url"] == "/customers/?intent=&located=false"
    client.force_login(people.sales1)
    listed = client.get(collection["without_position_url"])
    assert [customer.pk for customer in listed.context["page"].object_list] == [map_customers.nowhere.pk]


def test_the_customer_list_filters_on_position_known_or_not(client, people, map_customers):
    client.force_login(people.sales1)
    c = map_customers

    known = client.get("/customers/", {"located": "true", "ordering": "unit_name"}).context["page"].object_list
    unknown = client.get("/api/customers/", {"located": "false"}).json()["results"]

    assert sorted(customer.pk for customer in known) == sorted([c.shunda.pk, c.jiahe.pk, c.xinghe.pk])
    assert [row["id"] for row in unknown] == [c.nowhere.pk]


# --- the tiles' datum -----------------------------------------------------------------------------------


def test_on_amap_tiles_the_page_gets_gcj02_and_the_api_still_wgs84(client, people, map_customers, settings):
    settings.CRM = {**settings.CRM, "MAP_TILES": "amap"}
    expected_lat, expected_lng = wgs84_to_gcj02(23.0301, 113.1402)

    page = features(client, people.sales1, PAGE, q="顺达")
    api = features(client, people.sales1, API, q="顺达")

    assert page["datum"] == "gcj02"
    assert page["features"][0]["geometry"]["coordinates"] == [round(expected_lng, 6), round(expected_lat, 6)]
    assert api["features"][0]["geometry"]["coordinates"] == [113.1402, 23.0301]


def test_on_amap_tiles_the_box_on_screen_is_brought_back_to_wgs84(client, people, map_customers, settings):
    settings.CRM = {**settings.CRM, "MAP_TILES": "amap"}
    # shunda (23.0301, 113.1402) is drawn ~300 m north-east on Amap: a box drawn tight around the drawn pin
    # contains it only when brought back.
    lat, lng = wgs84_to_gcj02(23.0301, 113.1402)
    bbox = f"{lng - 0.0005:.6f},{lat - 0.0005:.6f},{lng + 0.0005:.6f},{lat + 0.0005:.6f}"

    assert ids(features(client, people.sales1, PAGE, bbox=bbox)) == [map_customers.shunda.pk]


# --- a fixed number of queries ----------------------------------------------------------------------------


def _grow(owned_tree, people, count: int) -> None:
    for index in range(count):
        customer = CustomerFactory(
            territory=owned_tree["nanshan_clubs"],
            owner=people.sales1,
            latitude=Decimal("23.0") + Decimal(index) / 1000,
            longitude=Decimal("113.1"),
        )
        VisitFactory(salesperson=people.sales1, customer=customer)
    CustomerFactory.create_batch(count, territory=owned_tree["nanshan_clubs"], owner=people.sales1)


@pytest.mark.parametrize("url", [API, PAGE])
@pytest.mark.parametrize("size", [2, 30])
def test_the_features_take_a_fixed_number_of_queries(client, people, owned_tree, django_assert_num_queries, url, size):
    _grow(owned_tree, people, size)
    client.force_login(people.manager1)
    client.get(url)  # the session and the user, once

    # the session, the user, the features (with their last visit) and the count without a position;
    # the filter by owner adds its lookup of the owner's choices.
    with django_assert_num_queries(5):
        response = client.get(url, {"owner": people.sales1.pk, "intent": ""})

    assert len(response.json()["features"]) == size


@pytest.mark.parametrize("size", [2, 30])
def test_the_map_page_takes_a_fixed_number_of_queries(client, people, owned_tree, django_assert_num_queries, size):
    _grow(owned_tree, people, size)
    client.force_login(people.manager1)
    client.get(reverse("map:customer_map"))

    # session, user, unread notifications; the filter form's choices: territories, channel types, owners
    with django_assert_num_queries(6):
        response = client.get(reverse("map:customer_map"))

    assert response.status_code == 200

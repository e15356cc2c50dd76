"""Customers near me (visits.nearby, /visits/nearby/, /api/customers/nearby/): nearest first with exact ids and
distances, the radius's edge, who sees whom, the last visit, two queries whatever the size, bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.nearby import NearbyQuery, nearby_customers

HERE = (Decimal("23.021500"), Decimal("113.121400"))
# offsets (degrees of latitude, of longitude) and the great-circle distance they make from HERE, whole metres
OFFSETS = {
    "near": (("0.001", "0"), 111),
    "east": (("0", "0.002"), 205),
    "diagonal": (("0.003", "0.003"), 453),
    "south": (("-0.0045", "0"), 500),
    "edge": (("0.008993", "0"), 1000),
    "past_edge": (("0.009002", "0"), 1001),
    "far": (("0.02", "0"), 2224),
}


def at(name, **fields):
    (d_lat, d_lon), _ = OFFSETS[name]
    return CustomerFactory(
        unit_name=name,
        latitude=HERE[0] + Decimal(d_lat),
        longitude=HERE[1] + Decimal(d_lon),
        location_source=Customer.LocationSource.GEOCODED,
        **fields,
    )


@pytest.fixture
def around(people, owned_tree):
    mine = {"territory": owned_tree["nanshan_clubs"], "owner": people.sales1}
    customers = {name: at(name, **mine) for name in OFFSETS}
    customers["unplaced"] = CustomerFactory(unit_name="unplaced", **mine)
    # 50 m away, but in sales2's and sales3's territories
    customers["colleague"] = CustomerFactory(
        unit_name="colleague",
        latitude=HERE[0] + Decimal("0.00045"),
        longitude=HERE[1],
        territory=owned_tree["nanshan_smes"],
        owner=people.sales2,
        location_source=Customer.LocationSource.GEOCODED,
    )
    customers["other_team"] = CustomerFactory(
        unit_name="other_team",
        latitude=HERE[0] - Decimal("0.00045"),
        longitude=HERE[1],
        territory=owned_tree["futian_clubs"],
        owner=people.sales3,
        location_source=Customer.LocationSource.GEOCODED,
    )
    return customers


def query(radius=1000, limit=50, latitude=HERE[0], longitude=HERE[1]):
    return NearbyQuery(latitude=float(latitude), longitude=float(longitude), radius_m=radius, limit=limit)


def names_and_distances(rows):
    return [(row.customer.unit_name, row.distance_m) for row in rows]


def test_the_nearest_come_first_with_their_distance_and_the_edge_is_inside(people, around):
    rows = nearby_customers(user=people.sales1, query=query(radius=1000))

    assert names_and_distances(rows) == [
        ("near", 111),
        ("east", 205),
        ("diagonal", 453),
        ("south", 500),
        ("edge", 1000),
    ]
    assert [row.customer.pk for row in rows] == [
        around[name].pk for name in ("near", "east", "diagonal", "south", "edge")
    ]


@pytest.mark.parametrize(
    ("radius", "expected"),
    [
        (110, []),
        (111, ["near"]),
        (500, ["near", "east", "diagonal", "south"]),
        (1000, ["near", "east", "diagonal", "south", "edge"]),
        (2000, ["near", "east", "diagonal", "south", "edge", "past_edge"]),
        (5000, ["near", "east", "diagonal", "south", "edge", "past_edge", "far"]),
    ],
)
def test_the_radius_keeps_exactly_those_within_it(people, around, radius, expected):
    assert [
        row.customer.unit_name for row in nearby_customers(user=people.sales1, query=query(radius=radius))
    ] == expected


def test_the_limit_keeps_the_nearest(people, around):
    assert names_and_distances(nearby_customers(user=people.sales1, query=query(limit=2))) == [
        ("near", 111),
        ("east", 205),
    ]


def test_as_near_is_in_id_order(people, owned_tree):
    mine = {"territory": owned_tree["nanshan_clubs"], "owner": people.sales1}
    north = CustomerFactory(latitude=HERE[0] + Decimal("0.0009"), longitude=HERE[1], **mine)
    east = CustomerFactory(latitude=HERE[0], longitude=HERE[1] + Decimal("0.000979"), **mine)

    rows = nearby_customers(user=people.sales1, query=query())

    assert [(row.customer.pk, row.distance_m) for row in rows] == [(north.pk, 100), (east.pk, 100)]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("sales1", ["near", "east", "diagonal", "south", "edge"]),
        ("sales2", ["colleague"]),
        ("sales3", ["other_team"]),
        ("manager1", ["colleague", "near", "east", "diagonal", "south", "edge"]),
        ("manager2", ["other_team"]),
        ("admin", ["colleague", "other_team", "near", "east", "diagonal", "south", "edge"]),
        ("info1", []),
    ],
)
def test_each_sees_only_the_customers_of_the_customer_list(people, around, who, expected):
    rows = nearby_customers(user=getattr(people, who), query=query())

    assert [row.customer.unit_name for row in rows] == expected


def test_each_row_has_the_day_of_its_last_visit(people, around):
    today = timezone.localdate()
    VisitFactory(salesperson=people.sales1, customer=around["near"], visited_at=timezone.now() - timedelta(days=9))
    VisitFactory(salesperson=people.sales1, customer=around["near"], visited_at=timezone.now() - timedelta(days=2))

    rows = {row.customer.unit_name: row.last_visit_on for row in nearby_customers(user=people.sales1, query=query(500))}

    assert rows == {"near": today - timedelta(days=2), "east": None, "diagonal": None, "south": None}


def test_across_the_antimeridian_both_sides_are_near(people, owned_tree):
    mine = {"territory": owned_tree["nanshan_clubs"], "owner": people.sales1}
    west = CustomerFactory(unit_name="west", latitude=Decimal("0"), longitude=Decimal("179.999000"), **mine)
    east = CustomerFactory(unit_name="east", latitude=Decimal("0"), longitude=Decimal("-179.998000"), **mine)

    rows = nearby_customers(user=people.sales1, query=query(radius=500, latitude=0, longitude=Decimal("179.9995")))

    assert [(row.customer.pk, row.distance_m) for row in rows] == [(west.pk, 56), (east.pk, 278)]


def _many(people, owned_tree, count):
    mine = {"territory": owned_tree["nanshan_clubs"], "owner": people.sales1}
    for index in range(count):
        customer = CustomerFactory(
            latitude=HERE[0] + Decimal(index) / 100_000, longitude=HERE[1] - Decimal(index) / 100_000, **mine
        )
        VisitFactory(salesperson=people.sales1, customer=customer)


@pytest.mark.parametrize("count", [3, 40])
def test_two_queries_whatever_the_number_of_customers(people, owned_tree, django_assert_num_queries, count):
    _many(people, owned_tree, count)

    with django_assert_num_queries(2):
        rows = nearby_customers(user=people.sales1, query=query())

    assert len(rows) == count


# --- the page --------------------------------------------------------------------------------------------


def page(client, user, **params):
    client.force_login(user)
    return client.get("/visits/nearby/", params, headers={"accept-language": "en"})


def test_the_page_lists_the_nearest_with_intent_last_visit_and_a_way_to_log(client, people, around, english):
    Customer.objects.filter(pk=around["east"].pk).update(intent="B")
    VisitFactory(salesperson=people.sales1, customer=around["near"], visited_at=timezone.now() - timedelta(days=3))

    response = page(client, people.sales1, latitude="23.0215", longitude="113.1214", radius="500", accuracy="12")

    body = response.content.decode()
    assert response.status_code == 200
    rows = response.context["rows"]
    assert names_and_distances(rows) == [("near", 111), ("east", 205), ("diagonal", 453), ("south", 500)]
    assert body.count('class="list-group-item nearby-row"') == 4
    assert f'href="/visits/new/?customer={around["near"].pk}"' in body
    assert (timezone.localdate() - timedelta(days=3)).isoformat() in body
    assert body.count('<span class="badge text-bg-info" title="Intent">B</span>') == 1
    assert body.count('data-distance-m="205">205 m</span>') == 1


def test_a_manager_sees_who_holds_each_and_no_log_button(client, people, around):
    body = page(client, people.manager1, latitude="23.0215", longitude="113.1214").content.decode()

    assert "/visits/new/?customer=" not in body
    assert str(people.sales2) in body


def test_without_a_position_the_page_offers_the_districts(client, people, around):
    response = page(client, people.sales1)

    assert response.status_code == 200
    assert response.context["rows"] is None
    assert response.context["districts"] == ["南山区"]


def test_a_district_picked_by_hand_lists_its_customers_by_name_without_distances(client, people, around):
    response = page(client, people.sales1, district="南山区")

    rows = response.context["rows"]
    assert [row.customer.unit_name for row in rows] == sorted(
        ["near", "east", "diagonal", "south", "edge", "past_edge", "far", "unplaced"]
    )
    assert {row.distance_m for row in rows} == {None}


@pytest.mark.parametrize("count", [3, 40])
def test_the_page_and_the_api_cost_the_same_queries_whatever_the_size(
    client, people, owned_tree, django_assert_num_queries, count
):
    _many(people, owned_tree, count)
    client.force_login(people.sales1)

    # session, user, the notifications badge, the two of nearby, the plan's day picker (working days)
    with django_assert_num_queries(6):
        assert client.get("/visits/nearby/", {"latitude": "23.0215", "longitude": "113.1214"}).status_code == 200
    with django_assert_num_queries(4):
        assert client.get("/api/customers/nearby/", {"latitude": "23.0215", "longitude": "113.1214"}).status_code == 200


BAD = [
    ({"latitude": "23.0215"}, "longitude", "Give both latitude and longitude, in degrees (WGS-84)."),
    ({"latitude": "NaN", "longitude": "113"}, "latitude", "“NaN” is not a number."),
    ({"latitude": "23", "longitude": "inf"}, "longitude", "“inf” is not a number."),
    ({"latitude": "1e400", "longitude": "113"}, "latitude", "“1e400” is not a number."),
    ({"latitude": "北纬23", "longitude": "113"}, "latitude", "“北纬23” is not a number."),
    ({"latitude": "91", "longitude": "113"}, "latitude", "The latitude must lie between -90 and 90 degrees."),
    ({"latitude": "23", "longitude": "-180.5"}, "longitude", "The longitude must lie between -180 and 180 degrees."),
    (
        {"latitude": "23", "longitude": "113", "radius": "5001"},
        "radius",
        "The radius is given in metres, from 1 to 5000 (5 km).",
    ),
    (
        {"latitude": "23", "longitude": "113", "radius": "0"},
        "radius",
        "The radius is given in metres, from 1 to 5000 (5 km).",
    ),
    ({"latitude": "23", "longitude": "113", "radius": "1.5"}, "radius", "“1.5” is not a whole number."),
    ({"latitude": "23", "longitude": "113", "limit": "101"}, "limit", "“101” must lie between 1 and 100."),
]


@pytest.mark.parametrize(("params", "parameter", "message"), BAD)
def test_bad_input_on_the_page_is_a_400_with_the_reason(client, people, english, params, parameter, message):
    response = page(client, people.sales1, **params)

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(("params", "parameter", "message"), BAD)
def test_bad_input_to_the_api_is_a_400_naming_the_parameter(client, people, english, params, parameter, message):
    client.force_login(people.sales1)

    response = client.get("/api/customers/nearby/", params, headers={"accept-language": "en"})

    assert response.status_code == 400
    assert response.json() == {parameter: [message]}


def test_the_api_needs_a_position(client, people, english):
    client.force_login(people.sales1)

    response = client.get("/api/customers/nearby/", headers={"accept-language": "en"})

    assert response.status_code == 400
    assert response.json() == {"latitude": ["Give the position: latitude and longitude, in degrees (WGS-84)."]}


def test_the_api_answers_the_nearest_with_distance_and_last_visit(client, people, around):
    VisitFactory(salesperson=people.sales1, customer=around["near"], visited_at=timezone.now() - timedelta(days=1))
    client.force_login(people.sales1)

    answer = client.get(
        "/api/customers/nearby/", {"latitude": "23.0215", "longitude": "113.1214", "radius": "300"}
    ).json()

    assert (answer["latitude"], answer["longitude"], answer["radius_m"]) == (23.0215, 113.1214, 300)
    assert answer["results"] == [
        {
            "id": around["near"].pk,
            "unit_name": "near",
            "district": "南山区",
            "address": "",
            "intent": "",
            "latitude": "23.022500",
            "longitude": "113.121400",
            "location_source": "geocoded",
            "distance_m": 111,
            "last_visit_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "owner": "sales1",
        },
        {
            "id": around["east"].pk,
            "unit_name": "east",
            "district": "南山区",
            "address": "",
            "intent": "",
            "latitude": "23.021500",
            "longitude": "113.123400",
            "location_source": "geocoded",
            "distance_m": 205,
            "last_visit_on": None,
            "owner": "sales1",
        },
    ]


def test_the_api_shows_info_staff_nothing(client, people, around):
    client.force_login(people.info1)

    answer = client.get("/api/customers/nearby/", {"latitude": "23.0215", "longitude": "113.1214"}).json()

    assert answer["results"] == []

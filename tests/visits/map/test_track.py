"""A salesperson's day on the map (issue #19 item 7): the check-ins in time order with the review's flags,
for the manager (their team), the admin and the salesperson themselves; anyone else 404."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.coordinates import wgs84_to_gcj02
from tests.visits.factories import VisitFactory
from visits.map.selectors import day_track
from visits.models import Visit

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)
PAGE = reverse("map:track")
API = "/api/map/track/"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def day_of_sales1(people, map_customers):
    """Six check-ins logged out of order: one clean, one far (with a reason), one without a position, one with
    accuracy 0, one an impossible drive after it, and a phone call; plus another day's and a colleague's."""
    c = map_customers
    spot = {"latitude": Decimal("23.030200"), "longitude": Decimal("113.140300")}
    sales1 = {"salesperson": people.sales1}
    zero = VisitFactory(**sales1, customer=c.xinghe, visited_at=at(11), accuracy_m=0, **spot)
    visits = {
        "travel": VisitFactory(
            **sales1,
            customer=c.jiahe,
            visited_at=at(11, 5),
            latitude=Decimal("23.300000"),
            longitude=Decimal("113.140300"),
            accuracy_m=12,
            previous_check_in=zero,
            distance_from_previous_m=29_998,
            travel_speed_kmh=360,
        ),
        "clean": VisitFactory(**sales1, customer=c.shunda, visited_at=at(9), accuracy_m=15, distance_m=12, **spot),
        "phone": VisitFactory(**sales1, customer=c.nowhere, kind=Visit.Kind.PHONE, visited_at=at(12)),
        "far": VisitFactory(
            **sales1,
            customer=c.jiahe,
            visited_at=at(10),
            accuracy_m=20,
            distance_m=18_600,
            far_from_customer=True,
            far_reason="客户临时搬到新址",
            **spot,
        ),
        "blind": VisitFactory(**sales1, customer=c.shunda, kind=Visit.Kind.SECOND, visited_at=at(10, 30)),
        "zero": zero,
    }
    VisitFactory(**sales1, customer=c.shunda, visited_at=at(9, day=DAY - timedelta(days=1)), **spot)
    VisitFactory(salesperson=people.sales2, customer=c.sales2s, visited_at=at(9, 30), **spot)
    return visits


ORDER = ["clean", "far", "blind", "zero", "travel", "phone"]


def test_the_check_ins_come_in_time_order_numbered_with_their_flags(people, day_of_sales1, english):
    track = day_track(viewer=people.manager1, salesperson_id=people.sales1.pk, day=DAY)

    assert [stop.visit.pk for stop in track.stops] == [day_of_sales1[name].pk for name in ORDER]
    assert [stop.number for stop in track.stops] == [1, 2, 3, 4, 5, 6]
    assert [[flag.code for flag in stop.flags] for stop in track.stops] == [
        [],
        ["far"],
        ["no_position"],
        ["accuracy"],
        ["travel"],
        [],  # a phone call is made from anywhere: no position is no flag
    ]
    assert track.stops[1].flags[0].text == ("18.6 km from the customer, beyond 500 m. Reason given: 客户临时搬到新址")
    assert track.stops[4].flags[0].text == ("30.0 km from the previous check-in at 11:00, 5 min earlier: 360 km/h.")
    assert [stop.number for stop in track.located_stops] == [1, 2, 4, 5]


@pytest.mark.parametrize("who", ["manager1", "admin", "sales1"])
def test_the_manager_the_admin_and_the_salesperson_see_the_day(client, people, day_of_sales1, who):
    client.force_login(getattr(people, who))

    response = client.get(PAGE, {"salesperson": people.sales1.pk, "day": DAY.isoformat()})

    assert response.status_code == 200
    assert [stop.visit.pk for stop in response.context["track"].stops] == [day_of_sales1[n].pk for n in ORDER]


@pytest.mark.parametrize(("who", "whose"), [("manager2", "sales1"), ("sales1", "sales2"), ("sales3", "sales1")])
def test_someone_outside_the_team_gets_404(client, people, day_of_sales1, who, whose):
    client.force_login(getattr(people, who))

    page = client.get(PAGE, {"salesperson": getattr(people, whose).pk, "day": DAY.isoformat()})
    api = client.get(API, {"salesperson": getattr(people, whose).pk, "day": DAY.isoformat()})

    assert (page.status_code, api.status_code) == (404, 404)


def test_a_manager_cannot_ask_for_another_manager_or_info_staff(client, people, day_of_sales1):
    client.force_login(people.manager1)

    assert client.get(PAGE, {"salesperson": people.manager2.pk}).status_code == 404
    assert client.get(API, {"salesperson": people.info1.pk}).status_code == 404


def test_info_staff_may_not_open_the_page(client, people):
    client.force_login(people.info1)

    assert client.get(PAGE).status_code == 403


def test_the_page_says_it_shows_check_ins_only_and_lists_them(client, people, day_of_sales1):
    client.force_login(people.manager1)

    response = client.get(PAGE, {"salesperson": people.sales1.pk, "day": DAY.isoformat()}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert (
        "Only check-ins are shown: where the phone was when a visit was logged. Nobody's position is "
        "recorded in the background, between visits or after work."
    ) in html
    assert response.context["people"] == [people.sales1, people.sales2]
    for name in ORDER:
        assert f'href="/visits/{day_of_sales1[name].pk}/"' in html
    assert html.count('class="badge text-bg-warning text-wrap text-start fw-normal trust-flag"') == 4


def test_a_manager_without_a_choice_sees_the_first_of_the_team_today_and_a_salesperson_their_own(client, people):
    client.force_login(people.manager1)
    manager = client.get(PAGE).context
    client.force_login(people.sales2)
    salesperson = client.get(PAGE).context

    assert (manager["track"].salesperson, manager["day"]) == (people.sales1, timezone.localdate())
    assert (salesperson["track"].salesperson, salesperson["people"]) == (people.sales2, [people.sales2])


@pytest.mark.parametrize(("params", "name"), [({"day": "2026-13-45"}, "day"), ({"salesperson": "abc"}, "salesperson")])
def test_a_bad_day_or_person_is_a_400(client, people, params, name):
    client.force_login(people.manager1)

    assert client.get(PAGE, params).status_code == 400
    api = client.get(API, {"salesperson": people.sales1.pk, **params})
    assert api.status_code == 400
    assert list(api.json()) == [name]


def test_the_api_needs_the_salesperson(client, people):
    client.force_login(people.manager1)

    response = client.get(API, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"salesperson": ["Choose a salesperson."]}


def test_the_api_gives_the_day_as_geojson_in_wgs84(client, people, day_of_sales1, settings):
    settings.CRM = {**settings.CRM, "MAP_TILES": "amap"}  # the API never converts
    client.force_login(people.manager1)

    collection = client.get(API, {"salesperson": people.sales1.pk, "day": DAY.isoformat()}).json()

    assert collection["type"] == "FeatureCollection"
    assert (collection["datum"], collection["salesperson"], collection["day"]) == (
        "wgs84",
        people.sales1.pk,
        "2026-03-10",
    )
    assert [feature["id"] for feature in collection["features"]] == [day_of_sales1[name].pk for name in ORDER]
    far = collection["features"][1]
    assert far["geometry"] == {"type": "Point", "coordinates": [113.1403, 23.0302]}
    assert far["properties"]["number"] == 2
    assert far["properties"]["visited_at"] == "2026-03-10T10:00:00+08:00"
    assert [flag["code"] for flag in far["properties"]["flags"]] == ["far"]
    assert far["properties"]["url"] == f"/visits/{day_of_sales1['far'].pk}/"
    assert collection["features"][2]["geometry"] is None  # no position: kept, numbered, not drawn


def test_the_page_draws_on_amap_tiles_in_gcj02(client, people, day_of_sales1, settings):
    settings.CRM = {**settings.CRM, "MAP_TILES": "amap"}
    client.force_login(people.manager1)

    config = client.get(PAGE, {"salesperson": people.sales1.pk, "day": DAY.isoformat()}).context["map_config"]

    lat, lng = wgs84_to_gcj02(23.0302, 113.1403)
    assert config["track"]["datum"] == "gcj02"
    assert config["track"]["features"][0]["geometry"]["coordinates"] == [round(lng, 6), round(lat, 6)]
    assert config["tiles"]["datum"] == "gcj02"


@pytest.mark.parametrize("extra", [0, 12])
def test_the_track_takes_a_fixed_number_of_queries(client, people, map_customers, django_assert_num_queries, extra):
    for minute in range(extra):
        VisitFactory(salesperson=people.sales1, customer=map_customers.shunda, visited_at=at(14, minute))
    client.force_login(people.manager1)
    client.get(API, {"salesperson": people.sales1.pk, "day": DAY.isoformat()})

    # session, user, the salesperson, the visits (with customer, team radius, previous check-in's time)
    with django_assert_num_queries(4):
        response = client.get(API, {"salesperson": people.sales1.pk, "day": DAY.isoformat()})

    assert len(response.json()["features"]) == extra


@pytest.mark.parametrize("extra", [0, 12])
def test_the_track_page_takes_a_fixed_number_of_queries(
    client, people, map_customers, django_assert_num_queries, extra
):
    for minute in range(extra):
        VisitFactory(salesperson=people.sales1, customer=map_customers.shunda, visited_at=at(14, minute))
    client.force_login(people.manager1)
    client.get(PAGE, {"day": DAY.isoformat()})

    # session, user, unread notifications, the team's salespeople, the salesperson, the visits
    with django_assert_num_queries(6):
        response = client.get(PAGE, {"day": DAY.isoformat()})

    assert len(response.context["track"].stops) == extra

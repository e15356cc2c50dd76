"""The plan's API: stops (list, plan, move, purpose, take off), a person's day in route order, plan against
visits; the same rules, messages and visibility as the pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.visits.factories import RoutePlanFactory, RouteStopFactory, VisitFactory
from tests.visits.plans.conftest import FRIDAY, MONDAY, THURSDAY, WEDNESDAY, at
from visits.models import RouteStop
from visits.plans.services import add_to_plan


@pytest.fixture
def api(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_plan_a_stop_and_be_told_what_holds(api, people, street):
    api.force_login(people.sales1)

    created = api.post(
        "/api/plans/stops/",
        {"customer": street["A"].pk, "day": "2026-11-28", "note": "送资料"},
        content_type="application/json",
    )
    again = api.post(
        "/api/plans/stops/", {"customer": street["A"].pk, "day": "2026-11-28"}, content_type="application/json"
    )
    past = api.post(
        "/api/plans/stops/", {"customer": street["B"].pk, "day": "2026-11-24"}, content_type="application/json"
    )

    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "day": "2026-11-28",
        "salesperson": people.sales1.pk,
        "customer": street["A"].pk,
        "customer_name": "客户A",
        "position": 1,
        "distance_from_previous_m": None,
        "note": "送资料",
        "reason": "chosen",
        "status": "open",
        "warnings": ["Sat 11-28 is not a working day."],
    }
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "客户A is already planned on Sat 11-28.", "code": "already_planned"},
    )
    assert (past.status_code, past.json()["code"]) == (400, "day_past")
    assert RouteStop.objects.count() == 1


def test_a_hidden_customer_is_a_404_and_only_salespeople_plan(api, people, street, elsewhere):
    api.force_login(people.sales1)
    hidden = api.post(
        "/api/plans/stops/", {"customer": elsewhere.pk, "day": "2026-11-26"}, content_type="application/json"
    )
    api.force_login(people.manager1)
    manager = api.post(
        "/api/plans/stops/", {"customer": street["A"].pk, "day": "2026-11-26"}, content_type="application/json"
    )

    assert hidden.status_code == 404
    assert (manager.status_code, manager.json()) == (403, {"detail": "Only salespeople plan visits."})
    assert RouteStop.objects.count() == 0


@pytest.fixture
def plans(people, street, owned_tree):
    """sales1: Monday A (visited) and B (missed); Thursday C and D. sales3 (team two): Thursday one stop."""
    monday = RoutePlanFactory(salesperson=people.sales1, day=MONDAY)
    a = RouteStopFactory(plan=monday, customer=street["A"])
    b = RouteStopFactory(plan=monday, customer=street["B"])
    VisitFactory(salesperson=people.sales1, customer=street["A"], visited_at=at(MONDAY, 10))
    VisitFactory(salesperson=people.sales1, customer=street["E"], visited_at=at(MONDAY, 11))
    c = add_to_plan(salesperson=people.sales1, customer_id=street["C"].pk, day=THURSDAY).stop
    d = add_to_plan(salesperson=people.sales1, customer_id=street["D"].pk, day=THURSDAY).stop
    theirs = RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales3, day=THURSDAY))
    return {"a": a, "b": b, "c": c, "d": d, "theirs": theirs}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("sales1", ["c", "d", "a", "b"]),
        ("sales2", []),
        ("manager1", ["c", "d", "a", "b"]),
        ("manager2", ["theirs"]),
        ("admin", ["c", "d", "theirs", "a", "b"]),
    ],
)
def test_each_role_lists_the_stops_it_may_see(api, people, plans, who, expected):
    api.force_login(getattr(people, who))

    response = api.get("/api/plans/stops/")

    assert [row["id"] for row in response.json()["results"]] == [plans[key].pk for key in expected]


def test_stops_filtered_by_day_and_status(api, people, plans):
    api.force_login(people.sales1)

    monday = api.get("/api/plans/stops/?day=2026-11-23").json()["results"]
    missed = api.get("/api/plans/stops/?status=missed").json()["results"]

    assert [(row["customer_name"], row["status"]) for row in monday] == [("客户A", "visited"), ("客户B", "missed")]
    assert [row["id"] for row in missed] == [plans["b"].pk]


def test_info_staff_have_no_plans(api, people, plans):
    api.force_login(people.info1)

    assert api.get("/api/plans/stops/").status_code == 403
    assert api.get("/api/plans/versus/").status_code == 403
    assert api.get(f"/api/plans/salespeople/{people.sales1.pk}/day/").status_code == 403


def test_move_purpose_and_take_off(api, people, plans):
    api.force_login(people.sales1)

    moved = api.post(f"/api/plans/stops/{plans['c'].pk}/move/", {"day": "2026-11-27"}, content_type="application/json")
    noted = api.patch(f"/api/plans/stops/{plans['c'].pk}/", {"note": "带合同"}, content_type="application/json")
    removed = api.delete(f"/api/plans/stops/{plans['d'].pk}/")
    past = api.delete(f"/api/plans/stops/{plans['a'].pk}/")

    assert (moved.status_code, moved.json()["day"], moved.json()["position"]) == (200, "2026-11-27", 1)
    assert (noted.status_code, noted.json()["note"]) == (200, "带合同")
    assert removed.status_code == 204
    assert (past.status_code, past.json()["code"]) == (400, "day_past")
    remaining = RouteStop.objects.filter(plan__salesperson=people.sales1).order_by("customer__unit_name")
    assert list(remaining.values_list("customer__unit_name", "plan__day")) == [
        ("客户A", MONDAY),
        ("客户B", MONDAY),
        ("客户C", FRIDAY),
    ]


def test_a_stop_seen_but_not_ones_own_is_403_and_unseen_is_404(api, people, plans):
    api.force_login(people.manager1)
    assert api.delete(f"/api/plans/stops/{plans['c'].pk}/").status_code == 403
    assert api.delete(f"/api/plans/stops/{plans['theirs'].pk}/").status_code == 404
    api.force_login(people.sales2)
    assert api.get(f"/api/plans/stops/{plans['c'].pk}/").status_code == 404
    assert api.post(f"/api/plans/stops/{plans['c'].pk}/move/", {"day": "2026-11-27"}).status_code == 404
    assert RouteStop.objects.filter(pk=plans["c"].pk, plan__day=THURSDAY).exists()


def test_a_persons_day_in_route_order(api, people, street, plans):
    VisitFactory(salesperson=people.sales1, customer=street["D"], visited_at=at(WEDNESDAY, 9))  # not Thursday's
    api.force_login(people.manager1)

    thursday = api.get(f"/api/plans/salespeople/{people.sales1.pk}/day/?day=2026-11-26").json()
    monday = api.get(f"/api/plans/salespeople/{people.sales1.pk}/day/?day=2026-11-23").json()

    assert [(stop["customer_name"], stop["position"], stop["status"]) for stop in thursday["stops"]] in (
        [("客户C", 1, "open"), ("客户D", 2, "open")],
        [("客户D", 1, "open"), ("客户C", 2, "open")],
    )
    assert thursday["stops"][1]["distance_from_previous_m"] == 1023
    assert thursday["stops"][0]["navigation"]["apple"].startswith("https://maps.apple.com/?ll=23.030000%2C113.1")
    assert thursday["counts"] == {"planned": 2, "made": 0, "missed": 0, "on_leave": 0, "open": 2, "unplanned": 0}
    assert [(stop["customer_name"], stop["status"]) for stop in monday["stops"]] == [
        ("客户A", "visited"),
        ("客户B", "missed"),
    ]
    assert [visit["customer_name"] for visit in monday["unplanned_visits"]] == ["客户E"]


@pytest.mark.parametrize(("who", "status"), [("sales1", 200), ("sales2", 404), ("manager2", 404), ("admin", 200)])
def test_a_persons_day_only_for_who_may_see_them(api, people, plans, who, status):
    api.force_login(getattr(people, who))

    assert api.get(f"/api/plans/salespeople/{people.sales1.pk}/day/").status_code == status


def test_plan_against_visits_per_person_and_week(api, people, plans):
    api.force_login(people.manager1)

    body = api.get("/api/plans/versus/?week=2026-11-25").json()

    assert body["count"] == 2
    sales1 = body["results"][0]
    assert (sales1["salesperson"], sales1["total"]) == (
        people.sales1.pk,
        {"planned": 4, "made": 1, "missed": 1, "on_leave": 0, "open": 2, "unplanned": 1},
    )
    assert [(day["day"], day["planned"], day["missed"]) for day in sales1["days"] if day["planned"]] == [
        ("2026-11-23", 2, 1),
        ("2026-11-26", 2, 0),
    ]
    assert body["results"][1]["total"] == {
        "planned": 0,
        "made": 0,
        "missed": 0,
        "on_leave": 0,
        "open": 0,
        "unplanned": 0,
    }
    assert api.get("/api/plans/versus/?week=2026-02-30").status_code == 400


@pytest.mark.parametrize("stops", [3, 40])
def test_the_stop_list_costs_the_same_queries_whatever_the_stops(api, people, street, stops):
    from tests.accounts.factories import CustomerFactory

    plans = [RoutePlanFactory(salesperson=people.sales1, day=MONDAY.replace(day=1 + n)) for n in range(min(stops, 20))]
    for n in range(stops):
        RouteStopFactory(plan=plans[n % len(plans)], customer=CustomerFactory(territory=street["A"].territory))
    api.force_login(people.manager1)

    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/plans/stops/")

    assert response.json()["count"] == stops
    assert len(queries) == 4  # session, user, count, page


@pytest.mark.parametrize("people_count", [2, 30])
def test_plan_against_visits_costs_the_same_queries_whatever_the_team(api, people, street, people_count):
    from tests.crm.factories import SalespersonFactory

    for n in range(people_count):
        person = SalespersonFactory(username=f"rep{n:02d}", team=people.team_one)
        RouteStopFactory(plan=RoutePlanFactory(salesperson=person, day=MONDAY), customer=street["A"])
        VisitFactory(salesperson=person, customer=street["B"], visited_at=at(MONDAY, 10))
    api.force_login(people.manager1)

    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/plans/versus/")

    assert response.json()["count"] == people_count + 2
    assert len(queries) == 6  # session, user, count, people, planned stops, visits off the plan

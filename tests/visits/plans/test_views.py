"""The plan's pages: the week plan, adding a customer from the customer list and the customer page (the
snippet others include), My day's plan, plan against visits for the manager; who may open what."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.visits.factories import RoutePlanFactory, RouteStopFactory, VisitFactory
from tests.visits.plans.conftest import FRIDAY, MONDAY, THURSDAY, TUESDAY, WEDNESDAY, at
from visits.models import RouteStop
from visits.plans.services import add_to_plan

HTMX = {"HX-Request": "true"}
# From Wednesday 25 November to the end of next week.
PLANNABLE = ["11-25", "11-26", "11-27", "11-28", "11-29", "11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06"]


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def stops_of(salesperson, day) -> list[str]:
    return list(
        RouteStop.objects.filter(plan__salesperson=salesperson, plan__day=day)
        .order_by("position")
        .values_list("customer__unit_name", flat=True)
    )


# --- adding from the customer list and the customer page ----------------------------------------------------


def test_the_customer_list_offers_a_plan_button_per_row_and_one_day_picker(client, people, street):
    client.force_login(people.sales1)

    page = client.get("/customers/?plan_day=2026-11-27").content.decode()

    assert page.count('class="add-to-plan add-to-plan-compact"') == 7
    assert f'id="add-to-plan-{street["A"].pk}"' in page
    assert '<option value="2026-11-27" selected>' in page
    picker = page[page.index('id="plan-day-picker"') : page.index('id="results"')]
    assert re.findall(r'<option value="([\d-]+)"', picker) == [f"2026-{day}" for day in PLANNABLE]
    assert len(re.findall(r'<select class="form-select" id="plan-day"', page)) == 1


def test_the_picker_starts_on_the_next_working_day(client, people, street):
    client.force_login(people.sales1)

    page = client.get(f"/customers/{street['A'].pk}/").content.decode()

    assert f'<select class="form-select" name="day" id="plan-day-{street["A"].pk}">' in page
    assert '<option value="2026-11-26" selected>' in page
    assert "Sat 11-28 · day off" in page


def test_a_manager_gets_no_plan_buttons(client, people, street):
    client.force_login(people.manager1)

    page = client.get("/customers/").content.decode()

    assert "add-to-plan" not in page
    assert 'id="plan-day"' not in page


def test_plan_from_a_row_answers_the_button_with_the_day(client, people, street):
    client.force_login(people.sales1)

    response = client.post(
        "/plans/add/",
        {"customer": street["A"].pk, "day": "2026-11-26", "compact": "1", "next": "/customers/?page=2"},
        headers=HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith(f'<form id="add-to-plan-{street["A"].pk}"')
    assert "✓ 11-26" in body
    assert '<input type="hidden" name="next" value="/customers/?page=2">' in body
    assert "客户A is planned for Thu 11-26: stop 1 of 1." in body
    assert stops_of(people.sales1, THURSDAY) == ["客户A"]


def test_a_refusal_comes_back_in_the_snippet(client, people, street):
    add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY)
    client.force_login(people.sales1)

    again = client.post("/plans/add/", {"customer": street["A"].pk, "day": "2026-11-26"}, headers=HTMX)
    past = client.post("/plans/add/", {"customer": street["B"].pk, "day": "2026-11-24"}, headers=HTMX)
    garbled = client.post("/plans/add/", {"customer": street["B"].pk, "day": "next tuesday"}, headers=HTMX)

    assert again.status_code == 400
    assert again["HX-Retarget"] == f"#add-to-plan-{street['A'].pk}"
    assert again["HX-Reswap"] == "outerHTML"
    assert "客户A is already planned on Thu 11-26." in again.content.decode()
    assert past.status_code == 400
    assert "Tue 11-24 has passed: plan today or a later day." in past.content.decode()
    assert garbled.status_code == 400
    assert "Enter a valid date." in garbled.content.decode()
    assert stops_of(people.sales1, THURSDAY) == ["客户A"]
    assert stops_of(people.sales1, TUESDAY) == []


def test_a_row_without_the_pickers_day_plans_the_next_working_day(client, people, street):
    client.force_login(people.sales1)

    client.post("/plans/add/", {"customer": street["C"].pk, "compact": "1"}, headers=HTMX)

    assert stops_of(people.sales1, THURSDAY) == ["客户C"]


def test_a_plain_post_goes_back_with_messages(client, people, street):
    client.force_login(people.sales1)

    response = client.post(
        "/plans/add/",
        {"customer": street["A"].pk, "day": "2026-11-28", "next": "/customers/?q=客户"},
        follow=True,
    )
    elsewhere = client.post(
        "/plans/add/", {"customer": street["B"].pk, "day": "2026-11-28", "next": "https://evil.example/"}
    )

    assert response.redirect_chain == [("/customers/?q=%E5%AE%A2%E6%88%B7", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "客户A is planned for Sat 11-28: stop 1 of 1.",
        "Sat 11-28 is not a working day.",
    ]
    assert elsewhere["Location"] == "/plans/?week=2026-11-23"


def test_a_customer_out_of_scope_is_a_404_and_only_salespeople_plan(client, people, street, elsewhere):
    client.force_login(people.sales1)
    assert client.post("/plans/add/", {"customer": elsewhere.pk, "day": "2026-11-26"}, headers=HTMX).status_code == 404
    assert client.post("/plans/add/", {"day": "2026-11-26"}, headers=HTMX).status_code == 404
    assert client.post("/plans/add/", {"customer": "x1", "day": "2026-11-26"}).status_code == 400
    client.force_login(people.manager1)
    assert client.post("/plans/add/", {"customer": street["A"].pk, "day": "2026-11-26"}).status_code == 403
    assert RouteStop.objects.count() == 0


# --- the week page ------------------------------------------------------------------------------------------


def test_the_week_page_shows_each_day_with_its_stops_and_their_status(client, people, street):
    past = RoutePlanFactory(salesperson=people.sales1, day=MONDAY)
    RouteStopFactory(plan=past, customer=street["A"])
    RouteStopFactory(plan=past, customer=street["B"])
    VisitFactory(salesperson=people.sales1, customer=street["A"], visited_at=at(MONDAY, 10))
    add_to_plan(salesperson=people.sales1, customer_id=street["C"].pk, day=THURSDAY, note="送资料")
    client.force_login(people.sales1)

    page = client.get("/plans/").content.decode()

    monday = page[page.index('id="day-2026-11-23"') : page.index('id="day-2026-11-24"')]
    thursday = page[page.index('id="day-2026-11-26"') : page.index('id="day-2026-11-27"')]
    assert re.findall(r"badge text-bg-(?:success|danger)\">(\w+)<", monday) == ["Visited", "Missed"]
    assert "Change" not in monday and "Add customers" not in monday  # a past day is kept as it was
    assert "送资料" in thursday and "/plans/stops/" in thursday
    assert 'href="/customers/?plan_day=2026-11-26"' in thursday
    assert page.count('class="card shadow-sm week-day') == 7


def test_the_next_weeks_page(client, people, street):
    add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=MONDAY.replace(day=30))
    client.force_login(people.sales1)

    page = client.get("/plans/?week=2026-12-02").content.decode()

    assert 'id="day-2026-11-30"' in page and "客户A" in page
    assert client.get("/plans/?week=2026-13-02").status_code == 400


@pytest.mark.parametrize("stops", [2, 20])
def test_the_week_page_costs_the_same_queries_whatever_the_stops(client, people, street, owned_tree, stops):
    from tests.accounts.factories import CustomerFactory

    for n in range(stops):
        customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], latitude=23.0 + n / 100, longitude=113.1)
        add_to_plan(salesperson=people.sales1, customer_id=customer.pk, day=[WEDNESDAY, THURSDAY, FRIDAY][n % 3])
        VisitFactory(salesperson=people.sales1, customer=customer, visited_at=at(WEDNESDAY, 9))
    client.force_login(people.sales1)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/plans/")

    assert response.status_code == 200
    # session, user, working days and leave of the week, the stops, working days of the move picker, notifications
    assert len(queries) == 7


def test_move_remove_and_purpose_from_the_week_page(client, people, street):
    stops = {c: add_to_plan(salesperson=people.sales1, customer_id=street[c].pk, day=THURSDAY).stop for c in "AB"}
    client.force_login(people.sales1)

    moved = client.post(
        f"/plans/stops/{stops['A'].pk}/move/", {"day": "2026-11-27", "week": "2026-11-23"}, headers=HTMX
    )
    noted = client.post(f"/plans/stops/{stops['A'].pk}/note/", {"note": "带合同", "week": "2026-11-23"}, headers=HTMX)
    refused = client.post(
        f"/plans/stops/{stops['A'].pk}/move/", {"day": "2026-11-24", "week": "2026-11-23"}, headers=HTMX
    )
    removed = client.post(f"/plans/stops/{stops['B'].pk}/remove/", {"week": "2026-11-23"})

    assert moved.status_code == 200
    assert moved.content.decode().startswith('\n<div id="week-days">')
    assert "客户A is planned for Fri 11-27: stop 1 of 1." in moved.content.decode()
    assert "Purpose saved for 客户A." in noted.content.decode()
    assert refused.status_code == 400 and refused["HX-Retarget"] == "#messages"
    assert "Tue 11-24 has passed" in refused.content.decode()
    assert removed["Location"] == "/plans/?week=2026-11-23"
    assert stops_of(people.sales1, THURSDAY) == []
    assert list(RouteStop.objects.values_list("customer__unit_name", "plan__day", "note")) == [
        ("客户A", FRIDAY, "带合同")
    ]


def test_a_colleagues_stop_cannot_be_touched(client, people, street):
    stop = add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY).stop
    client.force_login(people.sales2)

    assert client.post(f"/plans/stops/{stop.pk}/remove/", {}).status_code == 404
    assert client.post(f"/plans/stops/{stop.pk}/move/", {"day": "2026-11-27"}).status_code == 404
    client.force_login(people.manager1)
    assert client.post(f"/plans/stops/{stop.pk}/remove/", {}).status_code == 403
    assert RouteStop.objects.count() == 1


# --- My day -------------------------------------------------------------------------------------------------


def test_my_day_lists_todays_plan_in_route_order_then_the_visited(client, people, street):
    for letter in "DBXAC":
        add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=WEDNESDAY, note=f"目的{letter}")
    VisitFactory(salesperson=people.sales1, customer=street["B"], visited_at=at(WEDNESDAY, 9))
    client.force_login(people.sales1)

    page = client.get("/visits/today/").content.decode()

    section = page[page.index('id="today-plan"') : page.index('id="next-visits"')]
    listed = [int(pk) for pk in re.findall(r'data-customer="(\d+)"', section)]
    route = list(
        RouteStop.objects.filter(plan__day=WEDNESDAY).order_by("position").values_list("customer_id", flat=True)
    )
    assert route[-1] == street["X"].pk  # no position: last
    assert route[:4] in ([street[c].pk for c in "ABCD"], [street[c].pk for c in "DCBA"])
    assert listed == [pk for pk in route if pk != street["B"].pk] + [street["B"].pk]
    assert "1 of 5 visited" in section
    assert section.count(">Navigate<") == 3  # 客户X has no position to navigate to
    assert f'href="/visits/new/?customer={street["A"].pk}"' in section
    assert f'href="/visits/new/?customer={street["B"].pk}"' not in section


# --- plan against visits ------------------------------------------------------------------------------------


@pytest.fixture
def monday_of_work(people, street):
    """sales1 planned A, B, C on Monday, visited A and D; sales3 (team two) planned on Monday too."""
    plan = RoutePlanFactory(salesperson=people.sales1, day=MONDAY)
    for letter in "ABC":
        RouteStopFactory(plan=plan, customer=street[letter])
    for letter in "AD":
        VisitFactory(salesperson=people.sales1, customer=street[letter], visited_at=at(MONDAY, 10))
    RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales3, day=MONDAY))


def test_the_manager_sees_plan_against_visits_of_their_team(client, people, monday_of_work):
    client.force_login(people.manager1)

    response = client.get("/plans/versus/")

    rows = {row.salesperson.username: row for row in response.context["rows"]}
    assert sorted(rows) == ["sales1", "sales2"]
    total = rows["sales1"].total
    assert (total.planned, total.made, total.missed, total.unplanned) == (3, 1, 2, 1)
    page = response.content.decode()
    assert f'href="/plans/versus/{people.sales1.pk}/?day=2026-11-23"' in page
    assert "2 missed" in page


def test_the_drill_down_of_a_day(client, people, street, monday_of_work):
    client.force_login(people.manager1)

    page = client.get(f"/plans/versus/{people.sales1.pk}/?day=2026-11-23").content.decode()

    assert "1 of 3 planned visits made, 2 missed, 1 off the plan." in page
    planned = page[page.index('id="planned-stops"') : page.index('id="unplanned-heading"')]
    assert re.findall(r"badge text-bg-\w+\">(\w+)<", planned) == ["Visited", "Missed", "Missed"]
    unplanned = page[page.index('id="unplanned-visits"') :]
    assert "客户D" in unplanned and "客户A" not in unplanned


@pytest.mark.parametrize(
    ("viewer", "whose", "status"),
    [
        ("manager1", "sales1", 200),
        ("admin", "sales3", 200),
        ("sales1", "sales1", 200),
        ("manager2", "sales1", 404),
        ("manager1", "sales3", 404),
        ("sales2", "sales1", 404),
        ("info1", "sales1", 403),
    ],
)
def test_the_drill_down_answers_404_outside_the_viewers_people(client, people, monday_of_work, viewer, whose, status):
    client.force_login(getattr(people, viewer))

    assert client.get(f"/plans/versus/{getattr(people, whose).pk}/?day=2026-11-23").status_code == status


def test_a_salesperson_sees_their_own_plan_against_visits_only(client, people, monday_of_work):
    client.force_login(people.sales1)

    rows = client.get("/plans/versus/?week=2026-11-23").context["rows"]

    assert [row.salesperson.username for row in rows] == ["sales1"]


@pytest.mark.parametrize("people_count", [2, 30])
def test_plan_against_visits_costs_the_same_queries_whatever_the_team(client, people, street, people_count):
    from tests.crm.factories import SalespersonFactory

    for n in range(people_count):
        person = SalespersonFactory(username=f"rep{n:02d}", team=people.team_one)
        RouteStopFactory(plan=RoutePlanFactory(salesperson=person, day=MONDAY), customer=street["A"])
        VisitFactory(salesperson=person, customer=street["B"], visited_at=at(MONDAY, 10))
    client.force_login(people.manager1)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/plans/versus/")

    assert response.status_code == 200
    assert len(response.context["rows"]) == min(people_count + 2, 25)
    assert len(queries) == 7

"""Reads of the plan: today's plan on My day in route order, missed stops computed after the day, plan against
visits per person and week with exact numbers, and who sees whom."""

from __future__ import annotations

import pytest
import time_machine
from django.http import Http404

from tests.crm.factories import SalespersonFactory
from tests.visits.factories import LeaveFactory, RoutePlanFactory, RouteStopFactory, VisitFactory
from tests.visits.plans.conftest import MONDAY, THURSDAY, TUESDAY, WEDNESDAY, at
from visits.plans.selectors import (
    day_plan,
    person_day,
    plan_against_visits,
    salespeople_in_view,
    week_plan,
)
from visits.plans.services import add_to_plan


def visit(salesperson, customer, day, hour=11):
    return VisitFactory(salesperson=salesperson, customer=customer, visited_at=at(day, hour))


def test_todays_plan_lists_the_stops_to_visit_in_route_order_then_the_visited(people, street):
    for letter in "EBDAC":
        add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=WEDNESDAY)
    visit(people.sales1, street["B"], WEDNESDAY, hour=9)
    visit(people.sales2, street["C"], WEDNESDAY)  # a colleague's visit does not tick sales1's stop

    plan = day_plan(salesperson=people.sales1, day=WEDNESDAY, today=WEDNESDAY)

    route = [item.stop.customer_id for item in sorted(plan.stops, key=lambda item: item.stop.position)]
    assert route in ([street[c].pk for c in "ABCDE"], [street[c].pk for c in "EDCBA"])
    assert [item.stop.customer_id for item in plan.in_order] == [pk for pk in route if pk != street["B"].pk] + [
        street["B"].pk
    ]
    assert [item.status for item in plan.in_order] == ["open", "open", "open", "open", "visited"]
    assert plan.visited_count == 1
    assert plan.in_order[0].links["amap"].startswith("https://uri.amap.com/marker?position=")


def test_a_planned_visit_not_made_is_missed_once_the_day_is_over(people, street):
    for letter in "ABC":
        add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=WEDNESDAY)
    visit(people.sales1, street["A"], WEDNESDAY)

    during = {
        item.stop.customer_id: item.status
        for item in day_plan(salesperson=people.sales1, day=WEDNESDAY, today=WEDNESDAY).stops
    }
    with time_machine.travel(at(THURSDAY, 0, 1), tick=False):
        after = {
            item.stop.customer_id: item.status
            for item in day_plan(salesperson=people.sales1, day=WEDNESDAY, today=THURSDAY).stops
        }

    assert during == {street["A"].pk: "visited", street["B"].pk: "open", street["C"].pk: "open"}
    assert after == {street["A"].pk: "visited", street["B"].pk: "missed", street["C"].pk: "missed"}


@pytest.fixture
def week_of_work(people, street, owned_tree):
    """sales1: Monday 3 planned (A, B visited; C missed) and a visit to D off the plan; Tuesday 1 planned (E,
    visited on Wednesday instead: missed, and Wednesday's visit is off the plan); Wednesday (today) A and B
    planned, A visited; Thursday F planned. sales2 planned nothing and visited twice. sales3 (team two) planned
    Monday one stop, missed."""
    monday = RoutePlanFactory(salesperson=people.sales1, day=MONDAY)
    for letter in "ABC":
        RouteStopFactory(plan=monday, customer=street[letter])
    visit(people.sales1, street["A"], MONDAY, 9)
    visit(people.sales1, street["B"], MONDAY, 10)
    visit(people.sales1, street["D"], MONDAY, 15)
    RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales1, day=TUESDAY), customer=street["E"])
    for letter in "AB":
        add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=WEDNESDAY)
    visit(people.sales1, street["A"], WEDNESDAY, 9)
    visit(people.sales1, street["E"], WEDNESDAY, 10)
    add_to_plan(salesperson=people.sales1, customer_id=street["F"].pk, day=THURSDAY)
    visit(people.sales2, street["C"], TUESDAY)
    visit(people.sales2, street["D"], WEDNESDAY)
    theirs = RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales3, day=MONDAY))
    return theirs


def counts(person_week) -> dict:
    return {
        day.isoformat()[5:]: (c.planned, c.made, c.missed, c.open, c.unplanned)
        for day, c in person_week.days
        if c.planned or c.unplanned
    } | {
        "total": (
            person_week.total.planned,
            person_week.total.made,
            person_week.total.missed,
            person_week.total.open,
            person_week.total.unplanned,
        )
    }


def test_plan_against_visits_per_person_and_day(people, week_of_work):
    team = list(salespeople_in_view(user=people.manager1))

    weeks = plan_against_visits(people=team, week=MONDAY, today=WEDNESDAY)

    assert [week.salesperson.username for week in weeks] == ["sales1", "sales2"]
    sales1, sales2 = weeks
    # (planned, made as planned, missed, open, off the plan)
    assert counts(sales1) == {
        "11-23": (3, 2, 1, 0, 1),
        "11-24": (1, 0, 1, 0, 0),
        "11-25": (2, 1, 0, 1, 1),
        "11-26": (1, 0, 0, 1, 0),
        "total": (7, 3, 2, 2, 2),
    }
    assert counts(sales2) == {"11-24": (0, 0, 0, 0, 1), "11-25": (0, 0, 0, 0, 1), "total": (0, 0, 0, 0, 2)}


def test_who_is_compared_with_whom(people, week_of_work):
    assert [p.username for p in salespeople_in_view(user=people.manager1)] == ["sales1", "sales2"]
    assert [p.username for p in salespeople_in_view(user=people.manager2)] == ["sales3"]
    assert [p.username for p in salespeople_in_view(user=people.sales1)] == ["sales1"]
    assert [p.username for p in salespeople_in_view(user=people.admin)] == ["sales1", "sales2", "sales3"]
    assert list(salespeople_in_view(user=people.info1)) == []


def test_a_persons_day_with_what_was_made_off_the_plan(people, street, week_of_work):
    day = person_day(user=people.manager1, salesperson_id=people.sales1.pk, day=MONDAY, today=WEDNESDAY)

    assert [(item.stop.customer.unit_name, item.status) for item in day.plan.in_order] == [
        ("客户A", "visited"),
        ("客户B", "visited"),
        ("客户C", "missed"),
    ]
    assert [v.customer.unit_name for v in day.unplanned] == ["客户D"]
    assert (day.counts.planned, day.counts.made, day.counts.missed, day.counts.unplanned) == (3, 2, 1, 1)


@pytest.mark.parametrize(
    ("viewer", "whose"), [("manager2", "sales1"), ("sales2", "sales1"), ("info1", "sales1"), ("manager1", "sales3")]
)
def test_a_person_outside_the_viewers_people_does_not_exist_for_them(people, week_of_work, viewer, whose):
    with pytest.raises(Http404):
        person_day(user=getattr(people, viewer), salesperson_id=getattr(people, whose).pk, day=MONDAY, today=WEDNESDAY)


def test_the_week_plan_has_seven_days_with_their_stops(people, week_of_work):
    days = week_plan(salesperson=people.sales1, week=MONDAY, today=WEDNESDAY)

    assert [(d.day.day, d.is_working, d.plannable, len(d.stops)) for d in days] == [
        (23, True, False, 3),
        (24, True, False, 1),
        (25, True, True, 2),
        (26, True, True, 1),
        (27, True, True, 0),
        (28, False, True, 0),
        (29, False, True, 0),
    ]


def test_plan_against_visits_costs_two_queries_whatever_the_number_of_people(
    people, owned_tree, django_assert_num_queries, street
):
    crowd = [SalespersonFactory(username=f"rep{n}", team=people.team_one) for n in range(12)]
    for person in crowd:
        RouteStopFactory(plan=RoutePlanFactory(salesperson=person, day=MONDAY), customer=street["A"])
        visit(person, street["B"], MONDAY)

    with django_assert_num_queries(2):
        weeks = plan_against_visits(people=crowd, week=MONDAY, today=WEDNESDAY)

    assert [(w.total.planned, w.total.missed, w.total.unplanned) for w in weeks] == [(1, 1, 1)] * 12


def test_a_stop_planned_on_a_day_of_leave_is_not_missed(people, street, week_of_work):
    """Leave approved after the week was planned (the approvals engine writes a Leave): Tuesday's stop at E was
    not missed by anyone's fault. It is counted on leave — neither missed nor still open — on the week's
    page, the person's day and the day's plan."""
    LeaveFactory(salesperson=people.sales1, start_day=TUESDAY, end_day=TUESDAY, reason="请假")

    sales1 = plan_against_visits(people=[people.sales1], week=MONDAY, today=WEDNESDAY)[0]
    day = person_day(user=people.manager1, salesperson_id=people.sales1.pk, day=TUESDAY, today=WEDNESDAY)
    plan = day_plan(salesperson=people.sales1, day=TUESDAY, today=WEDNESDAY)

    assert counts(sales1)["11-24"] == (1, 0, 0, 0, 0)
    assert counts(sales1)["total"] == (7, 3, 1, 2, 2)
    assert dict(sales1.days)[TUESDAY].on_leave == 1
    assert sales1.total.on_leave == 1
    assert [(item.stop.customer_id, item.status) for item in plan.stops] == [(street["E"].pk, "on_leave")]
    assert [str(item.status_label) for item in plan.stops] == ["On leave"]
    assert (day.counts.missed, day.counts.on_leave, day.counts.open) == (0, 1, 0)

"""Two changes to one day at the same moment (two tabs, a retry, the phone and the desk): both land, the day
stays in route order with positions 1..n, and the same customer twice is planned once."""

from __future__ import annotations

import pytest
from django.db import connection

from crm.errors import ApplicationError
from tests.concurrency import at_once
from tests.visits.plans.conftest import THURSDAY
from visits.models import RoutePlan, RouteStop
from visits.plans.services import PlanChange, add_to_plan, move_stop

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_reference_lists"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers"
    ),
]


def plan(people, customer, day=THURSDAY):
    return lambda: add_to_plan(salesperson=people.sales1, customer_id=customer.pk, day=day)


def test_three_customers_planned_on_a_new_day_at_once(people, street):
    outcomes = at_once(plan(people, street["A"]), plan(people, street["C"]), plan(people, street["B"]))

    assert all(isinstance(outcome, PlanChange) for outcome in outcomes), outcomes
    assert RoutePlan.objects.count() == 1
    stops = list(RouteStop.objects.order_by("position").values_list("customer__unit_name", "position"))
    assert stops in (
        [("客户A", 1), ("客户B", 2), ("客户C", 3)],
        [("客户C", 1), ("客户B", 2), ("客户A", 3)],
    )


def test_the_same_customer_twice_at_once_is_planned_once(people, street):
    outcomes = at_once(plan(people, street["A"]), plan(people, street["A"]))

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ApplicationError", "PlanChange"]
    refusal = next(outcome for outcome in outcomes if isinstance(outcome, ApplicationError))
    assert refusal.extra == {"code": "already_planned"}
    assert RouteStop.objects.count() == 1


def test_a_move_and_an_add_to_the_same_day_at_once(people, street):
    moving = add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY.replace(day=27)).stop

    outcomes = at_once(
        lambda: move_stop(salesperson=people.sales1, stop_id=moving.pk, day=THURSDAY), plan(people, street["B"])
    )

    assert all(isinstance(outcome, PlanChange) for outcome in outcomes), outcomes
    assert sorted(RouteStop.objects.filter(plan__day=THURSDAY).values_list("position", flat=True)) == [1, 2]
    assert RoutePlan.objects.count() == 1  # Friday's plan went with its last stop

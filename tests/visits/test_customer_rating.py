"""The customer's current intent and open obstacles, stored on the customer by the rating service."""

from datetime import datetime

import pytest
from django.utils import timezone

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.services import rate_visit, refresh_current_intents

pytestmark = pytest.mark.django_db


def local(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour))


@pytest.fixture
def customer(owned_tree):
    return CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"])


def test_the_latest_visits_obstacles_are_the_customers_even_when_an_older_visit_is_rated_late(people, customer):
    older = VisitFactory(salesperson=people.sales1, customer=customer, visited_at=local(2026, 11, 24))
    newer = VisitFactory(salesperson=people.sales1, customer=customer, visited_at=local(2026, 11, 25))

    rate_visit(
        visit_id=newer.pk, salesperson=people.sales1, intent="B", obstacles=["price", "trust"], obstacle_detail=" 嫌贵 "
    )
    rate_visit(visit_id=older.pk, salesperson=people.sales1, intent="C", obstacles=["coverage"], obstacle_detail="旧")

    stored = Customer.objects.values_list("intent", "obstacles", "obstacle_detail").get(pk=customer.pk)
    assert stored == ("B", ["price", "trust"], "嫌贵")

    rate_visit(visit_id=newer.pk, salesperson=people.sales1, intent="A")  # the obstacles are overcome
    stored = Customer.objects.values_list("intent", "obstacles", "obstacle_detail").get(pk=customer.pk)
    assert stored == ("A", [], "")


def test_refreshing_current_intents_also_refreshes_the_obstacles(people, customer):
    never_rated = CustomerFactory(unit_name="没评过")
    VisitFactory(
        salesperson=people.sales1, customer=customer, visited_at=local(2026, 11, 20), intent="A", obstacles=["other"]
    )
    VisitFactory(
        salesperson=people.sales1,
        customer=customer,
        visited_at=local(2026, 11, 24),
        intent="C",
        obstacles=["price", "profit_ratio"],
        obstacle_detail="返点太低",
    )
    VisitFactory(salesperson=people.sales1, customer=customer, visited_at=local(2026, 11, 25))  # not rated yet
    Customer.objects.filter(pk=never_rated.pk).update(intent="B", obstacles=["trust"], obstacle_detail="stale")

    assert refresh_current_intents(customer_ids=[customer.pk, never_rated.pk]) == 2
    assert refresh_current_intents(customer_ids=[customer.pk, never_rated.pk]) == 2

    rows = Customer.objects.filter(pk__in=[customer.pk, never_rated.pk]).values_list(
        "pk", "intent", "obstacles", "obstacle_detail"
    )
    assert sorted(rows) == sorted(
        [(customer.pk, "C", ["price", "profit_ratio"], "返点太低"), (never_rated.pk, "", [], "")]
    )

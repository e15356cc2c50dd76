"""Today's route 顺路规划: who is due, nearest-neighbour order, navigation links, the saved plan and
the manager's plan vs visits."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.customers.models import Customer
from crm.errors import ApplicationError
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.geo import navigation_links, order_nearest
from visits.models import RoutePlan
from visits.plans.services import save_route_plan
from visits.selectors import route_candidates


def test_nearest_neighbour_from_a_start_point():
    points = [(1, 22.60, 113.90), (2, 22.50, 113.90), (3, None, None), (4, 22.51, 113.90)]

    assert order_nearest(points, start=(22.49, 113.90)) == [(2, 1112), (4, 1112), (1, 10008), (3, None)]
    assert order_nearest(points) == [(1, None), (4, 10008), (2, 1112), (3, None)]


def test_navigation_links_open_the_phone_apps():
    links = navigation_links(Decimal("22.533000"), Decimal("113.930000"), "顺达 汽修")

    assert links["amap"].startswith("https://uri.amap.com/marker?position=113.930000%2C22.533000&name=")
    assert "location=22.533000%2C113.930000" in links["baidu"]
    assert links["apple"] == "https://maps.apple.com/?ll=22.533000%2C113.930000&q=%E9%A1%BA%E8%BE%BE+%E6%B1%BD%E4%BF%AE"


@pytest.fixture
def due(owned_tree, people):
    territory = owned_tree["nanshan_clubs"]
    long_ago = timezone.now() - timedelta(days=40)
    today = timezone.localdate()
    return {
        "key": CustomerFactory(
            unit_name="重点客户",
            territory=territory,
            status=Customer.Status.KEY_ACCOUNT,
            latitude=22.60,
            longitude=113.90,
        ),
        "renewal": CustomerFactory(
            unit_name="续保客户", territory=territory, renewal_month=today.month, latitude=22.50, longitude=113.90
        ),
        "idle": CustomerFactory(unit_name="久未拜访", territory=territory, last_activity_at=long_ago),
        "fresh": CustomerFactory(unit_name="刚拜访过", territory=territory),
        "other": CustomerFactory(unit_name="别人的", territory=owned_tree["futian_clubs"], last_activity_at=long_ago),
    }


def test_candidates_are_the_due_customers_in_scope_ordered_from_the_start(people, due):
    day = timezone.localdate()

    candidates = route_candidates(salesperson=people.sales1, day=day, start=(22.49, 113.90))

    assert [(c.customer.unit_name, c.reason, c.distance_from_previous_m) for c in candidates] == [
        ("续保客户", "renewal", 1112),
        ("重点客户", "key_account", 11120),
        ("久未拜访", "idle", None),
    ]


def test_a_key_account_visited_this_week_is_not_due(people, due):
    VisitFactory(salesperson=people.sales1, customer=due["key"])

    names = [c.customer.unit_name for c in route_candidates(salesperson=people.sales1, day=timezone.localdate())]

    assert "重点客户" not in names


def test_save_plan_orders_and_replaces(people, due):
    day = timezone.localdate()
    ids = [due["idle"].pk, due["key"].pk, due["renewal"].pk]

    plan = save_route_plan(
        salesperson=people.sales1, day=day, customer_ids=ids, start_latitude=22.49, start_longitude=113.9
    )
    again = save_route_plan(salesperson=people.sales1, day=day, customer_ids=[due["key"].pk])

    assert plan.pk == again.pk
    assert RoutePlan.objects.count() == 1
    assert list(again.stops.values_list("customer__unit_name", "position")) == [("重点客户", 1)]


def test_save_plan_refuses_customers_out_of_scope_and_empty_plans(people, due, english):
    day = timezone.localdate()

    with pytest.raises(Http404):
        save_route_plan(salesperson=people.sales1, day=day, customer_ids=[due["other"].pk])
    with pytest.raises(ApplicationError, match=r"Choose at least one customer to visit\."):
        save_route_plan(salesperson=people.sales1, day=day, customer_ids=[])
    assert RoutePlan.objects.count() == 0


def test_route_page_saves_the_plan_with_links(client, people, due):
    client.force_login(people.sales1)

    proposal = client.get("/visits/route/?lat=22.49&lng=113.9")
    saved = client.post(
        "/visits/route/",
        {
            "customers": [due["key"].pk, due["renewal"].pk],
            f"reason-{due['key'].pk}": "key_account",
            "lat": "22.49",
            "lng": "113.9",
        },
        follow=True,
    )

    assert proposal.status_code == 200
    assert [c.customer.pk for c in proposal.context["candidates"]] == [due["renewal"].pk, due["key"].pk, due["idle"].pk]
    plan = RoutePlan.objects.get()
    assert list(plan.stops.values_list("customer_id", "reason")) == [
        (due["renewal"].pk, "chosen"),
        (due["key"].pk, "key_account"),
    ]
    body = saved.content.decode()
    assert "https://uri.amap.com/marker?position=113.900000%2C22.500000" in body
    assert "https://maps.apple.com/?ll=22.600000%2C113.900000" in body


def test_the_manager_sees_plan_against_visits_in_constant_queries(client, people, due, django_assert_max_num_queries):
    day = timezone.localdate()
    save_route_plan(salesperson=people.sales1, day=day, customer_ids=[due["key"].pk, due["renewal"].pk])
    VisitFactory(salesperson=people.sales1, customer=due["key"], far_from_customer=True)
    VisitFactory(salesperson=people.sales1, customer=due["fresh"])
    client.force_login(people.manager1)

    response = client.get("/visits/routes/")

    [plan] = response.context["page_obj"]
    assert (plan.visited_count, plan.off_plan_visits) == (1, 1)
    assert [(s.customer_id, s.visited, s.visited_far) for s in plan.stops.all()] == [
        (due["key"].pk, True, True),
        (due["renewal"].pk, False, False),
    ]
    client.force_login(people.manager2)
    assert list(client.get("/visits/routes/").context["page_obj"]) == []


@pytest.mark.parametrize("plans", [5, 50])
def test_route_list_query_count_does_not_grow(client, people, owned_tree, plans, django_assert_max_num_queries):
    from tests.crm.factories import SalespersonFactory

    day = timezone.localdate()
    for n in range(plans):
        person = SalespersonFactory(username=f"rep{n}", team=people.team_one)
        plan = RoutePlan.objects.create(salesperson=person, day=day)
        customer = CustomerFactory(territory=owned_tree["nanshan_clubs"])
        plan.stops.create(customer=customer, position=1)
    client.force_login(people.manager1)

    with django_assert_max_num_queries(12):
        response = client.get("/visits/routes/")

    assert response.status_code == 200
    assert len(response.context["page_obj"]) == min(plans, 25)


def test_route_pages_by_role(client, people):
    client.force_login(people.manager1)
    assert client.get("/visits/route/").status_code == 403
    client.force_login(people.sales1)
    assert client.get("/visits/routes/").status_code == 403

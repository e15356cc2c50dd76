from datetime import date

import pytest
from django.urls import reverse

from accounts.customers.models import Customer
from accounts.customers.services import return_idle_customers_to_pool
from tests.accounts.factories import CustomerFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_managers_work_the_to_be_assigned_queue(client, people, owned_tree):
    waiting = CustomerFactory(unit_name="宝安某厂", territory=None, owner=None, district="宝安区")
    CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.manager1)

    page = client.get(reverse("accounts:customer_unassigned"))
    response = client.post(
        reverse("accounts:customer_assign", args=[waiting.pk]),
        {"territory": owned_tree["nanshan_smes"].pk, "reason": "就近"},
        follow=True,
        **EN,
    )

    assert [c.pk for c in page.context["page"].object_list] == [waiting.pk]
    assert [str(m) for m in response.context["messages"]] == ["宝安某厂 assigned to 南山中小企业."]
    waiting.refresh_from_db()
    assert (waiting.territory, waiting.owner) == (owned_tree["nanshan_smes"], people.sales2)
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("who", ["sales1", "info1"])
def test_the_queue_is_for_managers(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("accounts:customer_unassigned")).status_code == 403


def test_claiming_from_the_pool_page(client, people, owned_tree):
    idle = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, last_activity_at=None)
    Customer.objects.filter(pk=idle.pk).update(created_at="2026-01-01T00:00:00+08:00")
    assert return_idle_customers_to_pool(day=date(2026, 6, 1)) == 1
    client.force_login(people.sales2)

    pool = client.get(reverse("accounts:customer_pool"))
    response = client.post(reverse("accounts:customer_claim", args=[idle.pk]))

    assert [c.pk for c in pool.context["page"].object_list] == [idle.pk]
    assert response.status_code == 302
    assert Customer.objects.get(pk=idle.pk).owner == people.sales2
    client.force_login(people.sales3)
    assert client.post(reverse("accounts:customer_claim", args=[idle.pk])).status_code == 404


def test_the_pool_command_is_idempotent(people, owned_tree):
    from django.core.management import call_command

    CustomerFactory(
        territory=owned_tree["nanshan_clubs"], owner=people.sales1, last_activity_at="2026-01-01T00:00:00+08:00"
    )

    call_command("return_idle_customers_to_pool", "--date", "2026-06-01")
    call_command("return_idle_customers_to_pool", "--date", "2026-06-01")

    assert list(Customer.objects.values_list("owner", "pooled_from", "version")) == [(None, people.sales1.pk, 2)]

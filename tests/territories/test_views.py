import pytest
from django.urls import reverse

from accounts.models import Customer
from territories.selectors import current_owner
from tests.accounts.factories import CustomerFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_console_shows_tree_owners_unowned_and_history(client, people, owned_tree):
    client.force_login(people.admin)

    response = client.get(reverse("territories:console"), **EN)

    body = response.content.decode()
    territories = response.context["territories"]
    assert [t.code for t in territories] == [
        "company",
        "city",
        "nanshan",
        "nanshan-clubs",
        "nanshan-smes",
        "futian",
        "futian-clubs",
        "futian-smes",
    ]
    assert [t.code for t in response.context["unowned"]] == ["futian-smes"]
    assert "1 territory has no owner:" in body
    assert {t.code: t.owner_assignment.salesperson.username for t in territories if t.owner_assignment} == {
        "nanshan-clubs": "sales1",
        "nanshan-smes": "sales2",
        "futian-clubs": "sales3",
    }


def test_console_query_count_is_fixed(client, people, owned_tree, django_assert_max_num_queries):
    client.force_login(people.admin)

    with django_assert_max_num_queries(10):
        client.get(reverse("territories:console"))


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_opens_the_console(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("territories:console")).status_code == 403


def test_reassigning_from_the_console_moves_the_customers_and_says_how_many(client, people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]
    CustomerFactory.create_batch(3, territory=clubs, owner=people.sales1)
    client.force_login(people.admin)

    response = client.post(
        reverse("territories:territory_assign", args=[clubs.pk]),
        {"salesperson": people.sales3.pk, "reason": "调岗"},
        follow=True,
        **EN,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"南山车友会 now belongs to {people.sales3}. Moved: 3 customers."
    ]
    assert current_owner(territory=clubs) == people.sales3
    assert Customer.objects.filter(owner=people.sales3).count() == 3
    history = next(t for t in response.context["territories"] if t.pk == clubs.pk).assignment_history
    assert [(a.salesperson.username, a.reason, a.ended_at is None) for a in history] == [
        ("sales3", "调岗", True),
        ("sales1", "", False),
    ]


def test_the_reassignment_message_counts_the_customers_in_chinese_words(client, people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]
    CustomerFactory(territory=clubs, owner=people.sales1)
    client.force_login(people.admin)

    response = client.post(
        reverse("territories:territory_assign", args=[clubs.pk]),
        {"salesperson": people.sales3.pk},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"南山车友会 现由 {people.sales3} 负责。已移交：1 个客户。"
    ]


def test_releasing_a_territory(client, people, owned_tree):
    client.force_login(people.admin)

    client.post(reverse("territories:territory_release", args=[owned_tree["nanshan_clubs"].pk]), {"reason": "离职"})

    assert current_owner(territory=owned_tree["nanshan_clubs"]) is None


def test_the_territory_api_follows_visibility(client, people, owned_tree):
    client.force_login(people.manager1)
    as_manager = {row["code"] for row in client.get("/api/territories/").json()["results"]}
    client.force_login(people.sales3)
    as_sales3 = client.get("/api/territories/").json()["results"]

    assert as_manager == {"nanshan-clubs", "nanshan-smes"}
    assert [(row["code"], row["owner"]["username"]) for row in as_sales3] == [("futian-clubs", "sales3")]
    assert client.get(f"/api/territories/{owned_tree['nanshan_clubs'].pk}/").status_code == 404

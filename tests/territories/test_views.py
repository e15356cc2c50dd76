import pytest
from django.urls import reverse

from accounts.customers.models import Customer
from territories.models import Territory
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


def test_the_console_loads_each_territorys_owner_form_and_history_on_demand(client, people, owned_tree):
    client.force_login(people.admin)

    body = client.get(reverse("territories:console"), **EN).content.decode()

    clubs = owned_tree["nanshan_clubs"]
    panel_url = reverse("territories:territory_owner", args=[clubs.pk])
    assert f'hx-get="{panel_url}"' in body
    assert f'href="{panel_url}"' in body  # without JavaScript the same panel is a page
    assert 'name="salesperson"' not in body


def _grow_tree(owned_tree, people, territories: int, reassignments: int) -> None:
    from territories.services import assign_territory, create_territory

    branch = owned_tree["nanshan"]
    for index in range(territories):
        territory = create_territory(
            kind=Territory.Kind.CHANNEL, name=f"渠道{index}", code=f"extra{index}", parent=branch
        )
        for turn in range(reassignments):
            assign_territory(
                territory=territory, salesperson=[people.sales1, people.sales2][turn % 2], assigned_by=people.admin
            )


@pytest.mark.parametrize(("territories", "reassignments"), [(1, 1), (10, 3)])
def test_console_query_count_does_not_grow_with_territories_or_history(
    client, people, owned_tree, territories, reassignments, django_assert_num_queries
):
    _grow_tree(owned_tree, people, territories, reassignments)
    client.force_login(people.admin)

    # session, user, tree, current owners, customers to be assigned, unread notifications
    with django_assert_num_queries(6):
        client.get(reverse("territories:console"))


@pytest.mark.parametrize("reassignments", [2, 14])
def test_owner_panel_shows_the_latest_changes_in_fixed_queries(
    client, people, owned_tree, reassignments, django_assert_num_queries
):
    _grow_tree(owned_tree, people, 1, reassignments)
    territory = Territory.objects.get(code="extra0")
    client.force_login(people.admin)
    url = reverse("territories:territory_owner", args=[territory.pk])

    # session, user, territory, history, handovers, owner, notifications, salespeople
    with django_assert_num_queries(8):
        partial = client.get(url, headers={"HX-Request": "true"}, **EN).content.decode()
    response = client.get(url, **EN)

    assert "<html" not in partial  # the panel alone, swapped into the console
    assert partial.count("<li>") == min(reassignments, 10)
    assert len(response.context["history"]) == min(reassignments, 10)
    assert response.context["more_history"] is (reassignments > 10)
    assert ("Show the whole history" in partial) is (reassignments > 10)
    assert response.context["owner_assignment"].salesperson == [people.sales1, people.sales2][(reassignments - 1) % 2]
    assert len(client.get(url, {"all": "1"}).context["history"]) == reassignments


def test_the_owner_panel_is_a_page_without_javascript_and_only_for_the_admin(client, people, owned_tree):
    url = reverse("territories:territory_owner", args=[owned_tree["nanshan_clubs"].pk])
    client.force_login(people.admin)
    page = client.get(url, **EN)
    client.force_login(people.manager1)

    assert "<html" in page.content.decode()
    assert "Reassign" in page.content.decode()
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_opens_the_console(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("territories:console")).status_code == 403


def _confirm(client, url, headers=None, **data_and_headers):
    """Open the preview, then confirm it: the way the console asks."""
    headers = {key: value for key, value in data_and_headers.items() if key.startswith("HTTP_")}
    data = {key: value for key, value in data_and_headers.items() if not key.startswith("HTTP_")}
    token = client.get(url, data).context["preview"].token
    return client.post(url, {**data, "preview": token}, follow=True, **headers)


def test_reassigning_from_the_console_moves_the_customers_and_says_how_many(client, people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]
    CustomerFactory.create_batch(3, territory=clubs, owner=people.sales1)
    client.force_login(people.admin)

    response = _confirm(
        client,
        reverse("territories:territory_assign", args=[clubs.pk]),
        salesperson=people.sales3.pk,
        reason="调岗",
        **EN,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"南山车友会 now belongs to {people.sales3}. Moved: 3 customers."
    ]
    assert response.redirect_chain == [(f"{reverse('territories:console')}#territory-{clubs.pk}", 302)]
    assert current_owner(territory=clubs) == people.sales3
    assert Customer.objects.filter(owner=people.sales3).count() == 3
    panel = client.get(reverse("territories:territory_owner", args=[clubs.pk]), **EN)
    assert [(a.salesperson.username, a.reason, a.ended_at is None) for a in panel.context["history"]] == [
        ("sales3", "调岗", True),
        ("sales1", "", False),
    ]


def test_the_reassignment_message_counts_the_customers_in_chinese_words(client, people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]
    CustomerFactory(territory=clubs, owner=people.sales1)
    client.force_login(people.admin)

    response = _confirm(
        client,
        reverse("territories:territory_assign", args=[clubs.pk]),
        salesperson=people.sales3.pk,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"南山车友会 现由 {people.sales3} 负责。已移交：1 个客户。"
    ]


def test_releasing_a_territory(client, people, owned_tree):
    client.force_login(people.admin)

    _confirm(client, reverse("territories:territory_release", args=[owned_tree["nanshan_clubs"].pk]), reason="离职")

    assert current_owner(territory=owned_tree["nanshan_clubs"]) is None


def test_the_territory_api_follows_visibility(client, people, owned_tree):
    client.force_login(people.manager1)
    as_manager = {row["code"] for row in client.get("/api/territories/").json()["results"]}
    client.force_login(people.sales3)
    as_sales3 = client.get("/api/territories/").json()["results"]

    assert as_manager == {"nanshan-clubs", "nanshan-smes"}
    assert [(row["code"], row["owner"]["username"]) for row in as_sales3] == [("futian-clubs", "sales3")]
    assert client.get(f"/api/territories/{owned_tree['nanshan_clubs'].pk}/").status_code == 404

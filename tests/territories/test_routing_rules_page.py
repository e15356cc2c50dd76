"""Routing rules on our own page: added and changed through ``save_routing_rule`` (recorded with who), used by
the next routing decision; a rule that matches nothing is refused with nothing changed."""

import pytest
from django.urls import reverse

from territories.models import RoutingRule
from territories.services import route
from tests.territories.factories import RoutingRuleFactory, channel_type

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


def test_a_rule_added_on_the_page_routes_the_next_customer(client, people, tree):
    client.force_login(people.admin)
    assert route(district="宝安区") is None

    response = client.post(
        reverse("territories:routing_rules"),
        {"new-district": "宝安区", "new-territory": tree["futian"].pk, "new-priority": "20", "new-is_active": "on"},
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.district, rule.territory, rule.priority, rule.is_active) == ("宝安区", tree["futian"], 20, True)
    assert rule.history.get().history_user == people.admin
    assert route(district="宝安区") == tree["futian"]


def test_a_rule_changed_in_place_and_switched_off(client, people, tree):
    rule = RoutingRuleFactory(district="宝安区", territory=tree["futian"], priority=20)
    client.force_login(people.admin)
    prefix = "edit"
    opened = client.get(reverse("territories:routing_rules"), {"edit": rule.pk})
    assert opened.context["edit_form"].initial["district"] == "宝安区"

    client.post(
        reverse("territories:routing_rules"),
        {
            "rule": rule.pk,
            f"{prefix}-district": "宝安区",
            f"{prefix}-channel_type": channel_type("smes").pk,
            f"{prefix}-territory": tree["nanshan"].pk,
            f"{prefix}-priority": "5",
        },
    )

    rule.refresh_from_db()
    assert (rule.channel_type, rule.territory, rule.priority, rule.is_active) == (
        channel_type("smes"),
        tree["nanshan"],
        5,
        False,
    )
    assert route(district="宝安区", channel_type=channel_type("smes")) is None
    assert rule.history.latest().history_user == people.admin


def test_a_rule_that_matches_nothing_is_refused_and_nothing_changes(client, people, tree):
    client.force_login(people.admin)

    response = client.post(
        reverse("territories:routing_rules"), {"new-territory": tree["futian"].pk, "new-priority": "20"}
    )

    assert response.status_code == 200
    assert response.context["new_form"].errors == {
        "district": ["Give a district, a channel type or both: a rule must match something."]
    }
    assert not RoutingRule.objects.exists()


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_edits_routing_rules(client, people, tree, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("territories:routing_rules")).status_code == 403
    response = client.post(
        reverse("territories:routing_rules"), {"new-district": "宝安区", "new-territory": tree["futian"].pk}
    )
    assert response.status_code == 403
    assert not RoutingRule.objects.exists()


def test_the_site_administration_only_shows_the_rules(client, people, tree):
    people.admin.is_superuser = people.admin.is_staff = True
    people.admin.save()
    client.force_login(people.admin)

    assert client.get(reverse("admin:territories_routingrule_add")).status_code == 403


@pytest.mark.parametrize("rules", [1, 15])
def test_the_rules_page_takes_a_fixed_number_of_queries(client, people, tree, rules, django_assert_max_num_queries):
    for index in range(rules):
        RoutingRuleFactory(district=f"区{index}", territory=tree["futian"], priority=index)
    client.force_login(people.admin)

    # session, user, rules, channel types and territories of the two forms (new, edit), notifications
    with django_assert_max_num_queries(9):
        client.get(reverse("territories:routing_rules"), {"edit": RoutingRule.objects.first().pk})

import pytest

from territories.services import route
from tests.territories.factories import RoutingRuleFactory, channel_type


def test_no_rule_and_no_district_means_the_queue(tree):
    assert route(district="") is None
    assert route(district="宝安区") is None


def test_a_branch_listing_the_district_is_used_without_a_rule(tree):
    assert route(district="南山区") == tree["nanshan"]


def test_the_channel_type_narrows_a_branch_to_its_channel_territory(tree):
    assert route(district="南山区", channel_type=channel_type("smes")) == tree["nanshan_smes"]
    assert route(district="福田区", channel_type=channel_type("car-clubs").pk) == tree["futian_clubs"]
    # A channel type the branch has no territory for stays on the branch.
    assert route(district="福田区", channel_type=channel_type("car-dealers")) == tree["futian"]


def test_a_district_found_in_the_address_matches(tree):
    assert route(district="", address="深圳市福田区深南大道1号") == tree["futian"]


def test_rules_win_over_branch_districts_and_the_lowest_priority_wins(tree):
    RoutingRuleFactory(district="南山区", territory=tree["futian"], priority=50)
    RoutingRuleFactory(district="南山区", territory=tree["nanshan_clubs"], priority=10)

    assert route(district="南山区") == tree["nanshan_clubs"]


def test_a_channel_type_rule_sends_a_channel_anywhere(tree):
    RoutingRuleFactory(channel_type=channel_type("government-tenders"), territory=tree["city"], priority=1)

    assert route(district="南山区", channel_type=channel_type("government-tenders")) == tree["city"]
    assert route(district="南山区", channel_type=channel_type("smes")) == tree["nanshan_smes"]


@pytest.mark.parametrize("active", [False])
def test_inactive_rules_are_ignored(tree, active):
    RoutingRuleFactory(district="宝安区", territory=tree["futian"], is_active=active)

    assert route(district="宝安区") is None

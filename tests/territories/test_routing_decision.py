"""The one routing decision every door uses: a territory AND its current owner, or the queue (None, None)."""

from territories.models import ChannelType
from territories.services import Router, channel_type_for_business, route_customer
from tests.territories.factories import RoutingRuleFactory, channel_type


def test_a_branch_match_narrows_to_the_owned_channel_territory_of_the_channel(people, owned_tree):
    decision = route_customer(district="南山区", channel_type=channel_type("smes"))

    assert (decision.territory, decision.owner) == (owned_tree["nanshan_smes"], people.sales2)


def test_a_branch_without_owner_and_no_channel_goes_to_the_queue(people, owned_tree):
    # 南山 has two owned channel territories: without a channel type nobody can say whose it is.
    decision = route_customer(district="南山区")

    assert (decision.territory, decision.owner, decision.queued) == (None, None, True)


def test_a_branch_with_a_single_owned_channel_territory_narrows_to_it(people, owned_tree):
    # 福田: only 福田车友会 has an owner (sales3).
    decision = route_customer(district="福田区")

    assert (decision.territory, decision.owner) == (owned_tree["futian_clubs"], people.sales3)


def test_an_ownerless_channel_territory_goes_to_the_queue(people, owned_tree):
    decision = route_customer(district="福田区", channel_type=channel_type("smes"))

    assert (decision.territory, decision.owner) == (None, None)


def test_a_rule_on_a_branch_without_owner_narrows_like_the_branch_districts(people, owned_tree):
    RoutingRuleFactory(district="南山区", territory=owned_tree["nanshan"], priority=10)

    decision = route_customer(district="", address="深圳市南山区科技园1号", channel_type=channel_type("car-clubs"))

    assert (decision.territory, decision.owner) == (owned_tree["nanshan_clubs"], people.sales1)


def test_the_registering_salesperson_is_preferred_within_the_matched_branch(people, owned_tree):
    decision = route_customer(district="南山区", prefer=people.sales2)

    assert (decision.territory, decision.owner) == (owned_tree["nanshan_smes"], people.sales2)


def test_no_match_is_the_queue(people, owned_tree):
    assert route_customer(district="宝安区").queued
    assert route_customer(district="").queued


def test_the_business_type_finds_the_channel_type(people, owned_tree):
    assert channel_type_for_business("汽车4S店") == channel_type("4s-repair-public")
    assert channel_type_for_business("摩托车维修") == channel_type("motorcycle-repair")
    assert channel_type_for_business("运输公司") == channel_type("smes")
    assert channel_type_for_business("中小企业") == channel_type("smes")
    assert channel_type_for_business("车友会") == channel_type("car-clubs")
    assert channel_type_for_business("") is None
    assert channel_type_for_business("花店xyz") is None

    decision = route_customer(district="南山区", business_type="物流运输公司")

    assert (decision.territory, decision.owner, decision.channel_type) == (
        owned_tree["nanshan_smes"],
        people.sales2,
        channel_type("smes"),
    )


def test_an_explicit_channel_type_wins_over_the_business_type(people, owned_tree):
    decision = route_customer(district="南山区", channel_type=channel_type("car-clubs"), business_type="运输公司")

    assert decision.owner == people.sales1


def test_the_admin_edits_the_keywords(people, owned_tree):
    ChannelType.objects.filter(code="car-clubs").update(keywords=["花店"])

    assert channel_type_for_business("花店") == channel_type("car-clubs")


def test_the_router_remembers_decisions(people, owned_tree, django_assert_num_queries):
    router = Router()
    router.decide(district="南山区", business_type="运输公司")

    with django_assert_num_queries(0):
        decision = router.decide(district="南山区", business_type="物流运输公司")

    assert decision.owner == people.sales2

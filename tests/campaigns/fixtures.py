from types import SimpleNamespace

import pytest

from territories.models import RoutingRule


@pytest.fixture
def routed(owned_tree):
    """南山区 → 南山车友会 (sales1); 福田区 → 福田车友会 (sales3); other districts are not routed."""
    RoutingRule.objects.create(district="南山区", territory=owned_tree["nanshan_clubs"], priority=10)
    RoutingRule.objects.create(district="福田区", territory=owned_tree["futian_clubs"], priority=10)
    return owned_tree


@pytest.fixture
def telemarketing(owned_tree, people):
    """The telemarketing channel's people: sales2 owns 南山电话营销, sales3 福田电话营销 (sales1 owns none).
    The routing of ``routed`` is not set: 南山区 and 福田区 route through the branches' districts."""
    from territories.services import assign_territory
    from tests.territories.factories import TerritoryFactory, channel_type

    telemarketing = channel_type("car-owner-telemarketing")
    nanshan = TerritoryFactory(
        name="南山电话营销", code="nanshan-tele", parent=owned_tree["nanshan"], channel_type=telemarketing
    )
    futian = TerritoryFactory(
        name="福田电话营销", code="futian-tele", parent=owned_tree["futian"], channel_type=telemarketing
    )
    assign_territory(territory=nanshan, salesperson=people.sales2, assigned_by=people.admin)
    assign_territory(territory=futian, salesperson=people.sales3, assigned_by=people.admin)
    return SimpleNamespace(channel=telemarketing, nanshan=nanshan, futian=futian, tree=owned_tree)

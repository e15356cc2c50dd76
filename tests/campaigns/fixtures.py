import pytest

from territories.models import RoutingRule


@pytest.fixture
def routed(owned_tree):
    """南山区 → 南山车友会 (sales1); 福田区 → 福田车友会 (sales3); other districts are not routed."""
    RoutingRule.objects.create(district="南山区", territory=owned_tree["nanshan_clubs"], priority=10)
    RoutingRule.objects.create(district="福田区", territory=owned_tree["futian_clubs"], priority=10)
    return owned_tree

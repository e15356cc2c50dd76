"""Territory fixtures shared by the territories and accounts tests (imported by their conftest)."""

import pytest

from territories.services import assign_territory
from tests.territories.factories import build_tree


@pytest.fixture
def tree(db):
    return build_tree()


@pytest.fixture
def owned_tree(tree, people):
    """sales1 owns 南山车友会, sales2 南山中小企业, sales3 福田车友会; 福田中小企业 has no owner."""
    assign_territory(territory=tree["nanshan_clubs"], salesperson=people.sales1, assigned_by=people.admin)
    assign_territory(territory=tree["nanshan_smes"], salesperson=people.sales2, assigned_by=people.admin)
    assign_territory(territory=tree["futian_clubs"], salesperson=people.sales3, assigned_by=people.admin)
    return tree

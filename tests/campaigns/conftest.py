from tests.campaigns.fixtures import routed  # noqa: F401
from tests.territories.fixtures import owned_tree, tree  # noqa: F401

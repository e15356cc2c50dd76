from tests.campaigns.fixtures import routed  # noqa: F401  (the routing tests of the bounds)
from tests.territories.fixtures import owned_tree, tree  # noqa: F401

from tests.campaigns.fixtures import routed, telemarketing  # noqa: F401
from tests.territories.fixtures import owned_tree, tree  # noqa: F401

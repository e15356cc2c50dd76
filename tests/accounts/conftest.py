from tests.accounts.service_tools_fixtures import car, checklist  # noqa: F401
from tests.territories.fixtures import owned_tree, tree  # noqa: F401

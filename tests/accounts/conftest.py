from tests.territories.fixtures import owned_tree, tree  # noqa: F401

from tests.accounts.service_tools.fixtures import car, checklist  # noqa: F401

"""Django's admin finds an app's admin in ``accounts.admin``: each domain registers its own models."""

import accounts.customers.admin
import accounts.deals.admin
import accounts.service_tools.admin  # noqa: F401

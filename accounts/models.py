"""The app's model registry: Django looks for an app's models in ``accounts.models``. The models live in
their domain folders; import them from there (``from accounts.deals.models import Deal``), not from here."""

from accounts.customers.models import Contact, Customer, OwnerChange  # noqa: F401
from accounts.deals.models import (  # noqa: F401
    Deal,
    Instalment,
    LedgerEntry,
    PriceAgreement,
    Product,
    RenewalReminder,
    ShowcasePhoto,
)
from accounts.service_tools.models import (  # noqa: F401
    CheckedPolicy,
    CheckupRule,
    Coverage,
    PolicyCheckup,
    Quote,
    RateBand,
    RateTable,
)

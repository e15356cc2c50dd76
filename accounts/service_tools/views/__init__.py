"""Pages of the service tools, one module per area: ``tools`` (on-site quote, policy check-up) and
``catalogue`` (products, coverages and rate tables, read by the field and edited by the admin)."""

from accounts.service_tools.views.catalogue import (
    coverage_edit,
    product_detail,
    product_edit,
    product_list,
    rate_table_edit,
    rate_table_export,
    rate_table_import,
)
from accounts.service_tools.views.tools import (
    checkup_create,
    checkup_detail,
    checkup_list,
    checkup_report,
    quote_create,
    quote_deal,
    quote_detail,
    quote_list,
    quote_present,
    service_home,
)

__all__ = [
    "checkup_create",
    "checkup_detail",
    "checkup_list",
    "checkup_report",
    "coverage_edit",
    "product_detail",
    "product_edit",
    "product_list",
    "quote_create",
    "quote_deal",
    "quote_detail",
    "quote_list",
    "quote_present",
    "rate_table_edit",
    "rate_table_export",
    "rate_table_import",
    "service_home",
]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from accounts.customers.filters import customers_for_export
        from accounts.customers.selectors import (
            customer_export_header,
            customer_export_rows,
            customers_to_be_assigned_count,
        )
        from accounts.customers.services import (
            CUSTOMER_MOVE_APPROVAL,
            apply_customer_move,
            move_customers_of_territory,
            preview_customers_of_territory,
            release_customers_of_territory,
        )
        from accounts.deals.selectors import overdue_export_header, overdue_export_rows, overdue_instalments_for_export
        from accounts.deals.services import (
            DEAL_PRICE_APPROVAL,
            apply_deal_price_approval,
            pass_open_deals_of_territory,
            preview_open_deals_of_territory,
            release_open_deals_of_territory,
        )
        from accounts.service_tools.services.pricing import DISCOUNT_APPROVAL
        from crm.approvals.services import ApprovalKind, register_approval_kind
        from crm.exports.services import ExportKind, register_export_kind
        from territories.selectors import register_console_queue
        from territories.services import register_open_work_mover

        # A territory's open deals pass to its new owner with their customers (the credit stays where it was
        # earned). Registered first: the movers run in the order they registered, and this one counts the
        # customers' deals before the customers move.
        register_open_work_mover(
            name="open_deals",
            label=ngettext_lazy("%(count)d open deal", "%(count)d open deals", "count"),
            move=pass_open_deals_of_territory,
            preview=preview_open_deals_of_territory,
            release=release_open_deals_of_territory,
        )
        # Its customers follow the territory to its new owner, or wait in the queue while it has none.
        register_open_work_mover(
            name="customers",
            label=ngettext_lazy("%(count)d customer", "%(count)d customers", "count"),
            move=move_customers_of_territory,
            preview=preview_customers_of_territory,
            release=release_customers_of_territory,
        )
        # A quote's extra discount beyond the agreed price or the team's limit waits for the manager; approved, the
        # quote can become a deal (convert_quote_to_deal checks), rejected it says so. Nothing else to apply.
        register_approval_kind(
            ApprovalKind(name=DISCOUNT_APPROVAL, label=_("Discount"), on_approved=lambda approval: None)
        )
        # A deal entered below the customer's agreed price (deal page, API) waits likewise; approved, it is recorded.
        register_approval_kind(
            ApprovalKind(name=DEAL_PRICE_APPROVAL, label=_("Deal price"), on_approved=apply_deal_price_approval)
        )
        # The customer list's export (what the person sees, with the list's filters): one door for the page
        # and the worker that writes a long one.
        register_export_kind(
            ExportKind(
                name="customers",
                label=_("Customers"),
                filename="customers",
                header=customer_export_header,
                queryset=customers_for_export,
                rows=customer_export_rows,
            )
        )
        # The receivables page's overdue instalments (the deals the person sees).
        register_export_kind(
            ExportKind(
                name="overdue_instalments",
                label=_("Overdue instalments"),
                filename="overdue",
                header=overdue_export_header,
                queryset=overdue_instalments_for_export,
                rows=overdue_export_rows,
            )
        )
        # A salesperson's customer moved to another salesperson once the manager (or the admin) approves.
        register_approval_kind(
            ApprovalKind(name=CUSTOMER_MOVE_APPROVAL, label=_("Customer move"), on_approved=apply_customer_move)
        )
        # The admin's start page (the territory console) shows the customers waiting for a territory.
        register_console_queue(
            name="customers_to_be_assigned",
            label=ngettext_lazy("%(count)d customer to be assigned", "%(count)d customers to be assigned", "count"),
            url_name="accounts:customer_unassigned",
            count=customers_to_be_assigned_count,
        )

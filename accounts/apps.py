from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from accounts.customers.selectors import customers_to_be_assigned_count
        from accounts.customers.services import move_customers_of_territory, release_customers_of_territory
        from territories.selectors import register_console_queue
        from territories.services import register_open_work_mover

        # A territory's customers follow the territory to its new owner, or wait in the queue while it has none.
        register_open_work_mover(
            name="customers",
            label=ngettext_lazy("%(count)d customer", "%(count)d customers", "count"),
            move=move_customers_of_territory,
            release=release_customers_of_territory,
        )
        # The admin's start page (the territory console) shows the customers waiting for a territory.
        register_console_queue(
            name="customers_to_be_assigned",
            label=ngettext_lazy("%(count)d customer to be assigned", "%(count)d customers to be assigned", "count"),
            url_name="accounts:customer_unassigned",
            count=customers_to_be_assigned_count,
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers")

    def ready(self) -> None:
        import accounts.admin_deals
        import accounts.admin_service_tools  # noqa: F401  (price tables and the check-up checklist)
        from accounts.services import move_customers_of_territory
        from territories.services import register_open_work_mover

        # A territory's customers follow the territory to its new owner.
        register_open_work_mover(name="customers", label=_("customers"), move=move_customers_of_territory)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from campaigns.services.inquiries import move_phone_inquiries_of_territory
        from territories.services import register_open_work_mover

        # Open phone inquiries follow the territory (and its customers) to the new owner.
        register_open_work_mover(
            name="phone_inquiries",
            label=ngettext_lazy("%(count)d open phone inquiry", "%(count)d open phone inquiries", "count"),
            move=move_phone_inquiries_of_territory,
        )

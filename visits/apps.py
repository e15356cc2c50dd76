from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from visits.services import amend_submitted_forms, register_visit_follower

        # A visit logged after the period's forms were submitted amends them, whatever the door.
        register_visit_follower(name="form_amendments", follow=amend_submitted_forms)

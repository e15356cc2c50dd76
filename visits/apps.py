from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from crm.approvals.services import ApprovalKind, register_approval_kind
        from territories.services import register_open_work_mover
        from visits.key_accounts.services import move_key_accounts_of_territory, preview_key_accounts_of_territory
        from visits.plans.services import move_planned_visits_of_territory, preview_planned_visits_of_territory
        from visits.services import LEAVE_APPROVAL, amend_submitted_forms, apply_approved_leave, register_visit_follower

        # Leave 请假 is asked for and approved through the approvals engine; approved, it enters the calendar.
        register_approval_kind(ApprovalKind(name=LEAVE_APPROVAL, label=_("Leave"), on_approved=apply_approved_leave))

        # A visit logged after the period's forms were submitted amends them, whatever the door.
        register_visit_follower(name="form_amendments", follow=amend_submitted_forms)
        # A territory's open work follows it to its new owner (accounts moves the customers first):
        # this week's open key accounts too, so the new owner makes the second visits.
        register_open_work_mover(
            name="key_accounts",
            label=ngettext_lazy("%(count)d key account", "%(count)d key accounts", "count"),
            move=move_key_accounts_of_territory,
            preview=preview_key_accounts_of_territory,
        )
        # And the visits others planned to its customers from today on: they are the new owner's to make.
        register_open_work_mover(
            name="planned_visits",
            label=ngettext_lazy("%(count)d planned visit", "%(count)d planned visits", "count"),
            move=move_planned_visits_of_territory,
            preview=preview_planned_visits_of_territory,
        )

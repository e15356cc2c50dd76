from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from accounts.customers.selectors import register_segment_resolver
        from accounts.customers.services import register_customer_follower, register_registration_source
        from accounts.deals.services import register_deal_follower
        from campaigns.churn.selectors import monday_churn_section
        from campaigns.churn.services import resolve_risks_by_deal, resolve_risks_by_visit
        from campaigns.partners.services import attribute_registered_customer, partner_choices
        from campaigns.pipelines.services import (
            move_candidates_of_territory,
            move_tenders_of_territory,
            preview_candidates_of_territory,
            preview_tenders_of_territory,
        )
        from campaigns.segments import customers_of_segment
        from campaigns.selectors import inquiry_customers_for_route
        from campaigns.services.inquiries import (
            convert_open_inquiry_by,
            mark_inquiries_visited_by,
            move_phone_inquiries_of_customer,
            move_phone_inquiries_of_territory,
            preview_phone_inquiries_of_territory,
            release_phone_inquiries_of_territory,
        )
        from territories.services import register_open_work_mover
        from visits.key_accounts.selectors import register_monday_section
        from visits.selectors import register_route_source
        from visits.services import register_visit_follower

        # Open phone inquiries follow the territory (and its customers) to the new owner, or wait in the
        # managers' queue while it has none.
        register_open_work_mover(
            name="phone_inquiries",
            label=ngettext_lazy("%(count)d open phone inquiry", "%(count)d open phone inquiries", "count"),
            move=move_phone_inquiries_of_territory,
            preview=preview_phone_inquiries_of_territory,
            release=release_phone_inquiries_of_territory,
        )
        # Open recruitment candidates and tenders follow their channel territory to its new owner (a record
        # whose territory has no owner for a while stays with the last one until the next takes it).
        register_open_work_mover(
            name="recruit_candidates",
            label=ngettext_lazy("%(count)d open recruit candidate", "%(count)d open recruit candidates", "count"),
            move=move_candidates_of_territory,
            preview=preview_candidates_of_territory,
        )
        register_open_work_mover(
            name="tenders",
            label=ngettext_lazy("%(count)d open tender", "%(count)d open tenders", "count"),
            move=move_tenders_of_territory,
            preview=preview_tenders_of_territory,
        )
        # A customer taken off the "to be assigned" queue takes its open inquiries along.
        register_customer_follower(name="phone_inquiries", follow=move_phone_inquiries_of_customer)
        # Today's route (visits) shows the callers routed to the salesperson and not visited yet.
        register_route_source(name="inquiry", urgency=1, customer_ids=inquiry_customers_for_route)
        # A visit to the caller is the follow-up the inquiry waited for: it leaves the route, is not overdue.
        register_visit_follower(name="phone_inquiries", follow=mark_inquiries_visited_by)
        # A deal for the caller, recorded on whichever page, is what the inquiry brought in.
        register_deal_follower(name="phone_inquiries", follow=convert_open_inquiry_by)
        # The customer list, its export and the API take a saved segment (?segment=<id>).
        register_segment_resolver(name="segments", resolve=customers_of_segment)
        # Churn risks: a visit or call resolves a renewal's risk at once, an order every risk of the customer;
        # the Monday meeting lists the team's risks with their reasons.
        register_visit_follower(name="churn_risks", follow=resolve_risks_by_visit)
        register_deal_follower(name="churn_risks", follow=resolve_risks_by_deal)
        register_monday_section(
            name="churn_risks", order=10, template="campaigns/churnrisk_monday.html", context=monday_churn_section
        )
        # The customer registration form and API offer "came through partner" (accounts never imports
        # campaigns): the chosen partner's lead is recorded in the registration's transaction.
        register_registration_source(
            name="partner", label=_("Partner"), choices=partner_choices, attribute=attribute_registered_customer
        )

"""Where each role starts and what its navigation offers.

Later work adds entries here as pages land; a role only sees links it may use.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.models import User

Role = User.Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    roles: frozenset[str]


START_PAGES: dict[str, str] = {
    Role.SALESPERSON: "visits:today",
    Role.MANAGER: "performance:morning_meeting",
    Role.INFO_STAFF: "campaigns:inquiry_desk",
    Role.ADMIN: "territories:console",
}

NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("visits:today", _("My day"), frozenset({Role.SALESPERSON})),
    NavItem("visits:route", _("Today's route"), frozenset({Role.SALESPERSON})),
    NavItem("visits:my_visits", _("My visits"), frozenset({Role.SALESPERSON})),
    NavItem("visits:visit_list", _("Team visits"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("visits:route_list", _("Routes"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("visits:submission_list", _("Daily forms"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("approvals:inbox", _("Approvals"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("visits:leave_request", _("Ask for leave"), frozenset({Role.SALESPERSON})),
    NavItem("visits:shortfall_list", _("Shortfalls"), frozenset({Role.SALESPERSON, Role.MANAGER})),
    NavItem("performance:morning_meeting", _("Morning meeting"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("accounts:customer_list", _("Customers"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("accounts:customer_pool", _("Public pool"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("map:customer_map", _("Customer map"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("map:track", _("Day's track"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("accounts:customer_unassigned", _("To be assigned"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("key_accounts:my_week", _("Key accounts"), frozenset({Role.SALESPERSON})),
    NavItem("key_accounts:monday_meeting", _("Monday meeting"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("campaigns:inquiry_desk", _("Phone inquiries"), frozenset({Role.INFO_STAFF, Role.MANAGER, Role.ADMIN})),
    NavItem("accounts:customer_duplicates", _("Duplicate lookup"), frozenset({Role.INFO_STAFF})),
    NavItem("campaigns:inquiry_list", _("Inquiries"), frozenset({Role.SALESPERSON, Role.MANAGER})),
    NavItem("campaigns:campaign_list", _("Campaigns"), frozenset({Role.INFO_STAFF, Role.MANAGER, Role.ADMIN})),
    NavItem("campaigns:import_list", _("Prospect lists"), frozenset({Role.INFO_STAFF, Role.ADMIN})),
    NavItem("campaigns:event_list", _("Events"), frozenset({Role.INFO_STAFF, Role.SALESPERSON, Role.ADMIN})),
    NavItem(
        "campaigns:competitor_report_list",
        _("Competitors"),
        frozenset({Role.SALESPERSON, Role.MANAGER, Role.INFO_STAFF, Role.ADMIN}),
    ),
    NavItem("performance:target_breakdown", _("Targets"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("performance:attainment", _("Attainment"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("performance:my_month", _("My month"), frozenset({Role.SALESPERSON})),
    NavItem("deals:deal_list", _("Deals"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("deals:receivables", _("Receivables"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("deals:renewal_list", _("Renewals due"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("service_tools:home", _("Quote & check-up"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("service_tools:product_list", _("Price tables"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("territories:console", _("Territories"), frozenset({Role.ADMIN})),
    NavItem("settings_home", _("Settings"), frozenset({Role.ADMIN})),
    NavItem("visit_settings:working_days", _("Working-day calendar"), frozenset({Role.ADMIN})),
    NavItem("visit_settings:quota_settings", _("Visit quotas"), frozenset({Role.ADMIN})),
    NavItem("team_modes", _("Team modes"), frozenset({Role.ADMIN})),
    NavItem("territories:routing_rules", _("Routing rules"), frozenset({Role.ADMIN})),
    NavItem("performance:reward_tiers", _("Reward tiers"), frozenset({Role.ADMIN})),
)


def start_page_for(user: User) -> str:
    """URL name of the page a user lands on after login."""
    if user.is_superuser and user.role not in START_PAGES:
        return START_PAGES[Role.ADMIN]
    return START_PAGES.get(user.role, START_PAGES[Role.SALESPERSON])


def nav_items_for(user: User) -> list[NavItem]:
    role = Role.ADMIN if user.is_superuser else user.role
    return [item for item in NAV_ITEMS if role in item.roles]

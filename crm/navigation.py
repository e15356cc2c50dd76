"""Where each role starts and what its navigation offers.

The menu is a handful of groups (at most seven, so it fits a desk's screen in either language), each
a dropdown of entries. A new page joins the menu with one NavItem line naming its group; a role sees
only the entries it may use, and only the groups that have one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import User

Role = User.Role


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: Promise


# The groups, in menu order. Labels carry the "menu" context so that they never clash with the same
# word elsewhere ("Settings", "Deals").
CUSTOMERS = NavGroup("customers", pgettext_lazy("menu", "Customers"))
VISITS = NavGroup("visits", pgettext_lazy("menu", "Visits"))
FOLLOW_UP = NavGroup("follow-up", pgettext_lazy("menu", "Follow-up"))
DEALS = NavGroup("deals", pgettext_lazy("menu", "Deals"))
PUBLICITY = NavGroup("publicity", pgettext_lazy("menu", "Publicity"))
PERFORMANCE = NavGroup("performance", pgettext_lazy("menu", "Performance"))
SETTINGS = NavGroup("settings", pgettext_lazy("menu", "Settings"))
GROUPS: tuple[NavGroup, ...] = (CUSTOMERS, VISITS, FOLLOW_UP, DEALS, PUBLICITY, PERFORMANCE, SETTINGS)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    roles: frozenset[str]
    group: NavGroup


START_PAGES: dict[str, str] = {
    Role.SALESPERSON: "visits:today",
    Role.MANAGER: "performance:morning_meeting",
    Role.INFO_STAFF: "campaigns:inquiry_desk",
    Role.ADMIN: "territories:console",
}

SALESPERSON = frozenset({Role.SALESPERSON})
MANAGER = frozenset({Role.MANAGER, Role.ADMIN})
FIELD = frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
EVERYONE = frozenset(Role.values)

# One line per page; within a group, entries appear in this order.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("accounts:customer_list", _("Customers"), FIELD, CUSTOMERS),
    NavItem("accounts:customer_pool", _("Public pool"), FIELD, CUSTOMERS),
    NavItem("accounts:customer_unassigned", _("To be assigned"), MANAGER, CUSTOMERS),
    NavItem("accounts:customer_duplicates", _("Duplicate lookup"), frozenset({Role.INFO_STAFF}), CUSTOMERS),
    NavItem("map:customer_map", _("Customer map"), FIELD, CUSTOMERS),
    NavItem("visits:nearby", _("Nearby"), frozenset({Role.SALESPERSON, Role.MANAGER}), CUSTOMERS),
    NavItem("visits:today", _("My day"), SALESPERSON, VISITS),
    NavItem("visits:route", _("Today's route"), SALESPERSON, VISITS),
    NavItem("plans:week", _("Week plan"), SALESPERSON, VISITS),
    NavItem("visits:my_visits", _("My visits"), SALESPERSON, VISITS),
    NavItem("visits:visit_list", _("Team visits"), MANAGER, VISITS),
    NavItem("visits:route_list", _("Routes"), MANAGER, VISITS),
    NavItem("plans:versus", _("Plans vs visits"), MANAGER, VISITS),
    NavItem("map:track", _("Day's track"), MANAGER, VISITS),
    NavItem("visits:submission_list", _("Daily forms"), MANAGER, VISITS),
    NavItem("visits:shortfall_list", _("Shortfalls"), frozenset({Role.SALESPERSON, Role.MANAGER}), VISITS),
    NavItem("visits:leave_request", _("Ask for leave"), SALESPERSON, VISITS),
    NavItem("reports:my_reports", _("Daily report"), SALESPERSON, VISITS),
    NavItem("reports:team_reports", _("Daily reports"), MANAGER, VISITS),
    NavItem("approvals:inbox", _("Approvals"), FIELD, FOLLOW_UP),
    NavItem("key_accounts:my_week", _("Key accounts"), SALESPERSON, FOLLOW_UP),
    NavItem("key_accounts:monday_meeting", _("Monday meeting"), MANAGER, FOLLOW_UP),
    NavItem("campaigns:churn_list", _("Churn risks"), FIELD, FOLLOW_UP),
    NavItem("campaigns:inquiry_desk", _("Phone inquiries"), frozenset({Role.INFO_STAFF, *MANAGER}), FOLLOW_UP),
    NavItem("campaigns:inquiry_list", _("Inquiries"), frozenset({Role.SALESPERSON, Role.MANAGER}), FOLLOW_UP),
    NavItem("campaigns:call_desk", _("Calls"), SALESPERSON, FOLLOW_UP),
    NavItem("deals:deal_list", _("Deals"), FIELD, DEALS),
    NavItem("deals:receivables", _("Receivables"), FIELD, DEALS),
    NavItem("deals:renewal_list", _("Renewals due"), FIELD, DEALS),
    NavItem("service_tools:home", _("Quote & check-up"), FIELD, DEALS),
    NavItem("service_tools:product_list", _("Price tables"), FIELD, DEALS),
    NavItem("campaigns:campaign_list", _("Campaigns"), frozenset({Role.INFO_STAFF, *MANAGER}), PUBLICITY),
    NavItem("campaigns:import_list", _("Prospect lists"), frozenset({Role.INFO_STAFF, Role.ADMIN}), PUBLICITY),
    NavItem("campaigns:segment_list", _("Segments"), frozenset({Role.INFO_STAFF, *MANAGER}), PUBLICITY),
    NavItem("campaigns:call_list_list", _("Call lists"), frozenset({Role.INFO_STAFF, *MANAGER}), PUBLICITY),
    NavItem("campaigns:partner_list", _("Partners"), EVERYONE, PUBLICITY),
    NavItem("campaigns:candidate_list", _("Agent recruitment"), FIELD, PUBLICITY),
    NavItem("campaigns:tender_list", _("Government tenders"), FIELD, PUBLICITY),
    NavItem("campaigns:event_list", _("Events"), frozenset({Role.INFO_STAFF, Role.SALESPERSON, Role.ADMIN}), PUBLICITY),
    NavItem("campaigns:competitor_report_list", _("Competitors"), EVERYONE, PUBLICITY),
    NavItem("performance:morning_meeting", _("Morning meeting"), MANAGER, PERFORMANCE),
    NavItem("performance:target_breakdown", _("Targets"), MANAGER, PERFORMANCE),
    NavItem("performance:attainment", _("Attainment"), MANAGER, PERFORMANCE),
    NavItem("performance:my_month", _("My month"), SALESPERSON, PERFORMANCE),
    NavItem("settings_home", _("Settings"), ADMIN, SETTINGS),
    NavItem("territories:console", _("Territories"), ADMIN, SETTINGS),
    NavItem("visit_settings:working_days", _("Working-day calendar"), ADMIN, SETTINGS),
    NavItem("visit_settings:quota_settings", _("Visit quotas"), ADMIN, SETTINGS),
    NavItem("team_modes", _("Team modes"), ADMIN, SETTINGS),
    NavItem("territories:routing_rules", _("Routing rules"), ADMIN, SETTINGS),
    NavItem("performance:reward_tiers", _("Reward tiers"), ADMIN, SETTINGS),
)


def start_page_for(user: User) -> str:
    """URL name of the page a user lands on after login."""
    if user.is_superuser and user.role not in START_PAGES:
        return START_PAGES[Role.ADMIN]
    return START_PAGES.get(user.role, START_PAGES[Role.SALESPERSON])


def nav_items_for(user: User) -> list[NavItem]:
    role = Role.ADMIN if user.is_superuser else user.role
    return [item for item in NAV_ITEMS if role in item.roles]


@dataclass(frozen=True)
class MenuEntry:
    label: Promise
    url: str
    current: str  # "page" on the page itself, "true" on a page below it (a customer under Customers), "" else


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: Promise
    entries: list[MenuEntry]

    @property
    def current(self) -> bool:
        return any(entry.current for entry in self.entries)


def menu_for(user: User, path: str) -> list[MenuGroup]:
    """The user's menu: the groups with an entry the user may use, in menu order, the current page's
    entry marked. The current entry is the one whose address is the longest start of ``path``."""
    items = [(item, reverse(item.url_name)) for item in nav_items_for(user)]
    under = [url for _item, url in items if path.startswith(url)]
    current_url = max(under, key=len, default=None)
    groups = []
    for group in GROUPS:
        entries = [
            MenuEntry(
                label=item.label,
                url=url,
                current=("page" if path == url else "true") if url == current_url else "",
            )
            for item, url in items
            if item.group == group
        ]
        if entries:
            groups.append(MenuGroup(key=group.key, label=group.label, entries=entries))
    return groups

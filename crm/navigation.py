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
    NavItem("performance:morning_meeting", _("Morning meeting"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("campaigns:inquiry_desk", _("Phone inquiries"), frozenset({Role.INFO_STAFF, Role.MANAGER, Role.ADMIN})),
    NavItem("performance:target_breakdown", _("Targets"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("deals:deal_list", _("Deals"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("deals:receivables", _("Receivables"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("deals:renewal_list", _("Renewals due"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("service_tools:home", _("Quote & check-up"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("service_tools:product_list", _("Price tables"), frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})),
    NavItem("territories:console", _("Territories"), frozenset({Role.ADMIN})),
)


def start_page_for(user: User) -> str:
    """URL name of the page a user lands on after login."""
    if user.is_superuser and user.role not in START_PAGES:
        return START_PAGES[Role.ADMIN]
    return START_PAGES.get(user.role, START_PAGES[Role.SALESPERSON])


def nav_items_for(user: User) -> list[NavItem]:
    role = Role.ADMIN if user.is_superuser else user.role
    return [item for item in NAV_ITEMS if role in item.roles]

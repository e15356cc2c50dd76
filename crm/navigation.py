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
    NavItem("visits:shortfall_list", _("Shortfalls"), frozenset({Role.SALESPERSON, Role.MANAGER})),
    NavItem("performance:morning_meeting", _("Morning meeting"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("campaigns:inquiry_desk", _("Phone inquiries"), frozenset({Role.INFO_STAFF, Role.MANAGER, Role.ADMIN})),
    NavItem("performance:target_breakdown", _("Targets"), frozenset({Role.MANAGER, Role.ADMIN})),
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

"""Function-level authorization: every route x every role, compared with a table.

Every URL pattern must appear in ACCESS (or under an ACCESS_PREFIXES entry): a new page
fails this test until someone decides who may open it. The walk uses made-up object ids,
so a route with an id answers 404 to everyone, including the roles allowed to use it.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import ROLE_USERS, Role
from tests.urlwalk import Route, all_routes

EVERYONE = frozenset(Role.values)
SALESPERSON = frozenset({Role.SALESPERSON, Role.ADMIN})
MANAGER = frozenset({Role.MANAGER, Role.ADMIN})
INQUIRIES = frozenset({Role.INFO_STAFF, Role.MANAGER, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})

# Route pattern -> roles that may open it.
ACCESS: dict[str, frozenset[str]] = {
    "": EVERYONE,  # redirects to the role's start page
    "healthz": EVERYONE,
    "login/": EVERYONE,  # a signed-in user is sent to the start page
    "logout/": EVERYONE,
    "password/": EVERYONE,
    "password/done/": EVERYONE,
    "i18n/setlang/": EVERYONE,
    "api/auth/token/": EVERYONE,
    "api/schema/": ADMIN,
    "api/docs/": ADMIN,
    "visits/today/": SALESPERSON,
    "dashboard/": MANAGER,
    "inquiries/new/": INQUIRIES,
    "territories/": ADMIN,
    # The admin site's own entry points; the rest of it is covered by the prefix below.
    "admin/login/": EVERYONE,
    "admin/logout/": ADMIN,
}
# The Django admin checks is_staff and model permissions itself, for every ModelAdmin a
# later feature registers, so its pages are classified by prefix.
ACCESS_PREFIXES: dict[str, frozenset[str]] = {
    "admin/": ADMIN,
}
# What a GET answers to the allowed roles when it is not "open" (200 or 302).
ANSWER_TO_ALLOWED: dict[str, int] = {
    "logout/": 405,  # POST only
    "api/auth/token/": 405,  # POST only
    "admin/logout/": 405,  # POST only
    "admin/autocomplete/": 403,  # needs app_label, model_name and field_name in the query
    # django-axes keeps its records read-only in the admin
    "admin/axes/accessattempt/add/": 403,
    "admin/axes/accessfailurelog/add/": 403,
    "admin/axes/accesslog/add/": 403,
}

ROUTES = all_routes()


def allowed_roles(route: Route) -> frozenset[str] | None:
    if route.pattern in ACCESS:
        return ACCESS[route.pattern]
    for prefix in sorted(ACCESS_PREFIXES, key=len, reverse=True):
        if route.pattern.startswith(prefix):
            return ACCESS_PREFIXES[prefix]
    return None


def test_every_route_is_classified():
    unclassified = [route.pattern for route in ROUTES if allowed_roles(route) is None]

    assert unclassified == [], "add these routes to ACCESS in tests/security/test_matrix.py"


def test_the_table_names_only_existing_routes():
    patterns = {route.pattern for route in ROUTES}

    assert sorted((set(ACCESS) | set(ANSWER_TO_ALLOWED)) - patterns) == []


def test_every_role_has_a_user_in_the_matrix():
    assert set(ROLE_USERS) == set(Role.values)


def _expected(route: Route, role: str) -> str:
    """What a GET must answer, as a short label compared in the test."""
    roles = allowed_roles(route)
    if roles is None:
        pytest.fail(f"route {route.pattern!r} is not classified in ACCESS")
    allowed = role in roles
    if route.is_admin_site:
        if not allowed:
            return "admin-site refusal"
        if route.has_parameters:
            return "missing object"
        return str(ANSWER_TO_ALLOWED.get(route.pattern, "open"))
    if route.has_parameters:
        return "404"
    if not allowed:
        return "refused"
    return str(ANSWER_TO_ALLOWED.get(route.pattern, "open"))


def _outcome(response, expected: str) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if expected == "admin-site refusal":
        # The admin site sends outsiders to its own login (logout: to its index, then login).
        return expected if status == 302 and location.startswith("/admin/") else f"{status} {location}"
    if expected == "missing object":
        # The admin answers a missing object with a redirect to its index, or 404.
        return expected if status == 404 or (status == 302 and location.startswith("/admin/")) else str(status)
    if expected == "refused":
        return expected if status in (403, 404) else f"{status} {location}"
    if expected == "open":
        return expected if status in (200, 302) and not location.startswith("/login/") else f"{status} {location}"
    return str(status)


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
@pytest.mark.parametrize("route", ROUTES, ids=[route.path for route in ROUTES])
def test_get_as_each_role_matches_the_table(client_as, route, role):
    expected = _expected(route, role)

    response = client_as(role).get(route.path)

    assert _outcome(response, expected) == expected

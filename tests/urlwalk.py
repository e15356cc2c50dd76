"""Walk the URL resolver so that tests cover every route, including the ones added later.

Each route comes back as its pattern (the key the security tables use), its name and a
concrete path that Django resolves, with made-up values for the converters: such paths
point at objects that do not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

NO_SUCH_ID = "999999999"
NO_SUCH_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True, order=True)
class Route:
    pattern: str  # as written in the URLconfs, prefixes joined: "admin/crm/user/<path:object_id>/change/"
    name: str  # namespaced, "visits:today"; "" when the pattern has no name
    path: str  # concrete, "/admin/crm/user/x/change/"

    @property
    def has_parameters(self) -> bool:
        """True when the route needs an object id (or another value) from the path."""
        return self.path != "/" + _plain(self.pattern).lstrip("/")

    @property
    def is_admin_site(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _plain(route: str) -> str:
    return route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")


def concrete_path(route: str) -> str:
    """Fill path converters and regex groups: /customers/<int:pk>/ -> /customers/999999999/."""
    # Regex groups first: "(?P<url>.*)" must not be read as a path converter "<url>".
    route = re.sub(r"\(\?P<\w+>[^)]*\)", NO_SUCH_ID, route)
    route = re.sub(r"<(?:int:)?\w+>", NO_SUCH_ID, route)
    # The admin's object ids are numbers here; "x" would only test the id parser.
    route = re.sub(r"<path:object_id>", NO_SUCH_ID, route)
    route = re.sub(r"<(?:str|slug|path):\w+>", "x", route)
    route = re.sub(r"<uuid:\w+>", NO_SUCH_UUID, route)
    return "/" + _plain(route).lstrip("/")


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(pattern=pattern, name=name, path=concrete_path(pattern))


def all_routes() -> list[Route]:
    """Every URL pattern of the project, once each, sorted by pattern."""
    unique = {route.pattern: route for route in _walk(get_resolver().url_patterns)}
    return sorted(unique.values())


def route_id(route: Route) -> str:
    """A readable pytest id."""
    return route.path

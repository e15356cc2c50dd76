"""Every URL pattern needs a login, except the few that must not."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Open on purpose: the login page itself, the health probe, the language switch.
PUBLIC = {
    "/login/",
    "/healthz",
    "/i18n/setlang/",
    "/api/auth/token/",
    "/admin/login/",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline/",
    "/unsubscribe/x/",  # the link in every e-mail; a signed token, no data shown without it
    "/api/sms/replies/",  # the SMS gateway's webhook: a shared secret instead of a login
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    """Fill path converters and regex groups with plausible values: /customers/<int:pk>/ -> /customers/1/."""
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)  # regex groups first: they contain <name> too
    route = re.sub(r"<(?:int:)?\w+>", "1", route)
    route = re.sub(r"<(?:str|slug|path):\w+>", "x", route)
    route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + route.lstrip("/")


ROUTES = sorted({_concrete(route) for route in _walk(get_resolver().url_patterns)})


@pytest.mark.django_db
@pytest.mark.parametrize("path", [path for path in ROUTES if not path.startswith(("/admin/", "/api/"))])
def test_anonymous_requests_are_sent_to_login(client, path):
    if path in PUBLIC:
        pytest.skip("public on purpose")
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("path", [path for path in ROUTES if path.startswith("/admin/")])
def test_anonymous_admin_requests_are_sent_to_a_login(client, path):
    if path in PUBLIC:
        pytest.skip("public on purpose")
    response = client.get(path)

    assert response.status_code == 302
    assert "login/?next=" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", [path for path in ROUTES if path.startswith("/api/") and path not in PUBLIC])
def test_anonymous_api_requests_are_refused(client, path):
    response = client.get(path)

    assert response.status_code in (401, 403)


def test_the_walk_finds_the_known_pages():
    assert {"/", "/login/", "/healthz", "/visits/today/", "/dashboard/", "/inquiries/new/", "/territories/"} <= set(
        ROUTES
    )

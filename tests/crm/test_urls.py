"""Every URL pattern needs a login, except the few that must not."""

import pytest

from tests.urlwalk import all_routes

# Open on purpose: the login page itself, the health probe, the language switch.
PUBLIC = {
    "/login/",
    "/login/wecom/",  # sign-in with WeCom / DingTalk (404 unless configured) and the providers' way back
    "/login/wecom/done/",
    "/login/dingtalk/",
    "/login/dingtalk/done/",
    "/healthz",
    "/i18n/setlang/",
    "/api/auth/token/",
    "/admin/login/",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline/",
    "/unsubscribe/x/",  # the link in every e-mail; a signed token, no data shown without it
    "/api/sms/replies/",  # the SMS gateway's webhooks: a shared secret instead of a login
    "/api/sms/receipts/",
}

ROUTES = sorted({route.path for route in all_routes()})


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


def test_every_concrete_path_resolves_to_a_view():
    from django.urls import Resolver404, resolve

    unresolved = []
    for route in all_routes():
        try:
            resolve(route.path)
        except Resolver404:
            unresolved.append(route.pattern)

    assert unresolved == []

"""CSRF on every unsafe route: a signed-in user's token-less POST/PUT/PATCH/DELETE is refused.

Pages are guarded by Django's CsrfViewMiddleware (its failure view is replaced here by one
that marks the response, so a 403 from a permission check cannot pass for a CSRF refusal).
DRF views are csrf_exempt for Django; SessionAuthentication enforces CSRF itself and answers
"CSRF Failed". Requests authenticated with a token carry no cookie a browser could replay,
so DRF does not check CSRF for them: that exemption is by design and tested below.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponseForbidden
from knox.models import AuthToken

from tests.security.conftest import Role
from tests.security.test_matrix import allowed_roles
from tests.urlwalk import all_routes

UNSAFE_METHODS = ("post", "put", "patch", "delete")
# Not called by browsers: the SMS gateway's webhook authenticates with a shared-secret header
# (tests/campaigns), so there is no session cookie for a forged request to ride on.
EXEMPT_BY_DESIGN = {"/api/sms/replies/", "/api/sms/receipts/"}
ROUTES = [route for route in all_routes() if route.path not in EXEMPT_BY_DESIGN]
CSRF_MARK = "X-Test-Csrf-Rejected"


def csrf_failure_marker(request, reason=""):
    response = HttpResponseForbidden(reason)
    response[CSRF_MARK] = "yes"
    return response


@pytest.fixture(autouse=True)
def _marked_csrf_failure(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_failure_marker"


def _csrf_refusal(response) -> bool:
    if response.status_code != 403:
        return False
    if response.get(CSRF_MARK) == "yes":
        return True
    # DRF's refusal; the test client hands back DRF's Response, whatever renderer the view uses.
    data = getattr(response, "data", None) or {}
    return str(data.get("detail", "")).startswith("CSRF Failed: ")


@pytest.mark.parametrize("method", UNSAFE_METHODS)
@pytest.mark.parametrize("route", ROUTES, ids=[route.path for route in ROUTES])
def test_unsafe_request_without_token_is_refused(client_as, route, method):
    # Signed in as a role that may use the route, so that only the missing token can refuse it.
    roles = allowed_roles(route) or {Role.ADMIN}
    client = client_as(Role.ADMIN if Role.ADMIN in roles else sorted(roles)[0], enforce_csrf_checks=True)

    response = getattr(client, method)(route.path, data={})

    assert response.status_code == 403
    assert _csrf_refusal(response)


def test_the_same_request_with_the_token_passes_the_csrf_check(client_as):
    client = client_as(Role.SALESPERSON, enforce_csrf_checks=True)
    client.get("/visits/today/")  # sets the CSRF cookie

    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/visits/today/"},
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert response.status_code == 302
    assert response["Location"] == "/visits/today/"


def test_token_authenticated_api_requests_are_exempt_by_design(client, role_users):
    _row, token = AuthToken.objects.create(user=role_users[Role.ADMIN])

    response = client.post("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")

    # Past authentication: the view itself answers that it does not take POST.
    assert response.status_code == 405

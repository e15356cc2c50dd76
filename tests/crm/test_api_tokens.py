"""API tokens (django-rest-knox): stored hashed, expire, one per client, revoked by their owner, the admin,
a password change, deactivation and "sign out everywhere"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from knox.crypto import hash_token
from knox.models import AuthToken

PASSWORD = "crm-demo-2026"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _issue(username: str = "sales1", ip: str = "10.0.0.1") -> str:
    response = Client().post("/api/auth/token/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api(token: str, path: str = "/api/customers/"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_is_stored_only_as_a_digest_and_expires_after_30_days(people, clock):
    response = Client().post("/api/auth/token/", {"username": "sales1", "password": PASSWORD})
    token = response.json()["token"]

    assert response.json() == {"token": token, "expiry": "2026-04-01T09:00:00+08:00"}
    stored = AuthToken.objects.get()
    assert stored.user == people.sales1
    assert stored.digest == hash_token(token) != token
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        assert token not in " ".join(cursor.fetchone())  # only a digest and the first 15 characters
    assert _api(token).status_code == 200
    clock.shift(timedelta(days=30, seconds=1))
    assert _api(token).status_code == 403
    assert not AuthToken.objects.exists()  # knox forgets an expired token it is shown


def test_the_lifetime_is_configurable(people, clock, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=7)}

    response = Client().post("/api/auth/token/", {"username": "sales1", "password": PASSWORD})

    assert response.json()["expiry"] == "2026-03-09T09:00:00+08:00"


def test_each_client_gets_its_own_token_and_expired_ones_are_forgotten(people, clock):
    first = _issue()
    clock.shift(timedelta(days=31))
    second = _issue()
    third = _issue()

    assert len({first, second, third}) == 3
    assert AuthToken.objects.filter(user=people.sales1).count() == 2
    assert _api(second).status_code == 200
    assert _api(third).status_code == 200


def test_the_old_header_still_works(people):
    token = _issue()

    assert Client().get("/api/customers/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert Client().get("/api/customers/", HTTP_AUTHORIZATION=f"Token {token[:-1]}x").status_code == 403


def test_a_token_sign_in_forgets_the_failures_from_that_address(people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        Client().post("/api/auth/token/", {"username": "sales1", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    _issue(ip="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        Client().post("/api/auth/token/", {"username": "sales1", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")

    assert (
        Client()
        .post("/api/auth/token/", {"username": "sales1", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        .status_code
        == 200
    )


def test_a_new_password_revokes_the_users_tokens(people):
    token, other = _issue("sales1"), _issue("sales2")
    client = Client()
    client.force_login(people.sales1)

    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "晴天-拜访-客户-2026", "new_password2": "晴天-拜访-客户-2026"},
    )

    assert response.status_code == 302
    assert _api(token).status_code == 403
    assert _api(other).status_code == 200
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["sales2"]


@pytest.fixture
def admin_client(people):
    people.admin.is_superuser = people.admin.is_staff = True
    people.admin.save()
    client = Client()
    client.force_login(people.admin)
    return client


def test_a_password_set_by_the_admin_revokes_the_users_tokens(people, admin_client):
    token = _issue("sales1")

    response = admin_client.post(
        f"/admin/crm/user/{people.sales1.pk}/password/",
        {"password1": "晴天-拜访-客户-2026", "password2": "晴天-拜访-客户-2026", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert _api(token).status_code == 403
    assert not AuthToken.objects.exists()


def test_deactivation_ends_the_users_sessions_and_tokens_for_good(people, admin_client):
    token = _issue("sales1")
    phone = Client()
    phone.force_login(people.sales1)
    form = admin_client.get(f"/admin/crm/user/{people.sales1.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "is_active": "",
            "groups": [],
            "user_permissions": [],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "last_login_0": "",
            "last_login_1": "",
            "team": people.team_one.pk,
            "phone": "",
        }
    )
    data.pop("is_active")

    response = admin_client.post(f"/admin/crm/user/{people.sales1.pk}/change/", data)
    people.sales1.refresh_from_db()
    people.sales1.is_active = True  # even once reactivated, the old session and token stay dead
    people.sales1.save(update_fields=["is_active"])

    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert _api(token).status_code == 403
    assert phone.get("/visits/today/")["Location"] == "/login/?next=/visits/today/"


def test_the_admin_lists_tokens_without_showing_them_and_revokes_one(people, admin_client):
    token = _issue("sales1")
    other = _issue("sales2")
    row = AuthToken.objects.get(digest=hash_token(token))

    page = admin_client.get("/admin/knox/authtoken/").content.decode()
    add = admin_client.get("/admin/knox/authtoken/add/")
    deleted = admin_client.post(f"/admin/knox/authtoken/{row.pk}/delete/", {"post": "yes"})

    assert f"{token[:8]}…" in page and f"{other[:8]}…" in page
    assert token not in page and other not in page  # the database holds only digests of them
    assert add.status_code == 403
    assert deleted.status_code == 302
    assert _api(token).status_code == 403
    assert _api(other).status_code == 200

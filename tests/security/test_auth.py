"""Login lockout (django-axes), password policy, session lifetime and logout."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

PASSWORD = "crm-demo-2026"

LOCKED_TEXT = "登录失败次数过多"  # "Too many failed logins"


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how many times a password was actually checked."""

    checks = 0
    _lock = threading.Lock()

    def verify(self, password, encoded):
        with CountingHasher._lock:
            CountingHasher.checks += 1
        return super().verify(password, encoded)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.security.test_auth.CountingHasher"]
    CountingHasher.checks = 0
    return CountingHasher


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


def test_five_failures_lock_the_username_even_from_different_ips(client, people, counting_hasher):
    statuses = [
        _login(client, "sales1", "wrong password", ip=f"10.0.0.{attempt}").status_code
        for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1)
    ]
    # The form again with its error, until the failure that reaches the limit locks the account.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    locked = _login(Client(), "sales1", PASSWORD, ip="10.9.9.9")

    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session
    assert counting_hasher.checks == settings.AXES_FAILURE_LIMIT  # the correct password was never checked


def test_the_lockout_is_for_that_username_only(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sales1", "wrong password")

    response = _login(Client(), "sales2", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_success_before_the_limit_resets_the_count(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sales1", "wrong password")
    assert _login(Client(), "sales1", PASSWORD).status_code == 302

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sales1", "wrong password")

    assert _login(Client(), "sales1", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sales1", "wrong password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

    assert _login(Client(), "sales1", PASSWORD).status_code == 302


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel logins need a database that takes concurrent writers (PostgreSQL); SQLite serialises them",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_at_most_the_limit_plus_the_parallelism(people, counting_hasher):
    parallelism, rounds = 10, 3
    barrier = threading.Barrier(parallelism)
    errors: list[BaseException] = []

    def attack(thread_number: int) -> None:
        try:
            client = Client()
            for _ in range(rounds):
                barrier.wait(timeout=30)
                _login(client, "sales1", "wrong password", ip=f"10.1.0.{thread_number}")
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attack, args=(number,)) for number in range(parallelism)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert settings.AXES_FAILURE_LIMIT <= counting_hasher.checks <= settings.AXES_FAILURE_LIMIT + parallelism
    assert _login(Client(), "sales1", PASSWORD).status_code == 429


def test_the_session_lasts_at_most_a_working_day():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_an_expired_session_sends_the_user_to_login(client, people):
    assert _login(client, "sales1", PASSWORD).status_code == 302
    assert client.get("/visits/today/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/visits/today/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/visits/today/"


def test_logout_invalidates_the_session_on_the_server(client, people):
    _login(client, "sales1", PASSWORD)
    stolen_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/logout/")
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen_cookie
    response = replay.get("/visits/today/")

    assert not Session.objects.filter(session_key=stolen_cookie).exists()
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/visits/today/"


def test_login_issues_a_new_session_key(client, people):
    client.get("/login/")
    client.session.save()
    before = client.session.session_key

    _login(client, "sales1", PASSWORD)

    assert client.session.session_key != before


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab3$xyz", "密码长度太短。密码必须包含至少 10 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("8675309123456", "密码只包含数字。"),
        ("sales1sales", "密码跟 用户名 太相似了。"),
    ],
)
def test_weak_passwords_are_refused_with_a_chinese_message(client, people, new_password, message):
    client.force_login(people.sales1)

    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    people.sales1.refresh_from_db()
    assert people.sales1.check_password(PASSWORD)


def test_a_strong_password_is_accepted_and_the_session_survives(client, people):
    client.force_login(people.sales1)

    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "晴天-拜访-客户-2026", "new_password2": "晴天-拜访-客户-2026"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/password/done/"
    people.sales1.refresh_from_db()
    assert people.sales1.check_password("晴天-拜访-客户-2026")
    assert client.get("/visits/today/").status_code == 200

"""Login lockout (django-axes), password policy, session lifetime and logout."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from crm.signin import client_address, sign_in_wait

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


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _token(username: str, password: str, ip: str = "10.0.0.1", **extra):
    headers = {"HTTP_ACCEPT_LANGUAGE": "zh-hans", **extra}
    return Client().post("/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def test_five_failures_lock_that_username_from_that_address_only(client, people, counting_hasher, clock):
    statuses = [
        _login(client, "sales1", "wrong password", ip="10.6.6.6").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The form again with its error, until the failure that reaches the limit locks the pair.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    clock.shift(timedelta(minutes=5))
    locked = _login(Client(), "sales1", PASSWORD, ip="10.6.6.6")
    elsewhere = _login(Client(), "sales1", PASSWORD, ip="10.0.0.9")

    assert locked.status_code == 429
    assert locked["Retry-After"] == "600"  # the 15-minute cool-off counts from the last failure
    assert LOCKED_TEXT in locked.content.decode()
    assert "10 分钟后再试" in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session
    assert elsewhere.status_code == 302  # the owner, from their own address, is not locked out
    # The correct password was checked once: from the owner's address, never from the locked one.
    assert counting_hasher.checks == settings.AXES_FAILURE_LIMIT + 1


def test_anyone_failing_through_the_token_endpoint_cannot_lock_the_owner_out(people):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _token("sales1", "wrong password", ip="10.6.6.6")

    response = _login(Client(), "sales1", PASSWORD, ip="10.0.0.1")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_locked_api_client_is_told_so_plainly_with_retry_after(people, counting_hasher, clock):
    failures = [_token("sales1", "wrong password").status_code for _ in range(settings.AXES_FAILURE_LIMIT - 1)]
    last_failure = _token("sales1", "wrong password")
    clock.shift(timedelta(minutes=14, seconds=30))
    locked = _token("sales1", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

    assert failures == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert last_failure.status_code == 429
    assert last_failure["Retry-After"] == "900"
    assert locked.status_code == 429
    assert locked["Retry-After"] == "30"
    assert locked.json() == {
        "detail": "Too many failed sign-ins with this username from your address. Try again in 1 minute, "
        "or ask your administrator."
    }
    assert counting_hasher.checks == settings.AXES_FAILURE_LIMIT


def _fail_from_many_addresses(username: str, count: int) -> None:
    for number in range(count):
        _login(Client(), username, "wrong password", ip=f"10.2.0.{number + 1}")


def test_a_username_attacked_from_many_addresses_is_slowed_down_not_locked(people, counting_hasher, clock):
    _fail_from_many_addresses("sales1", settings.CRM_SIGNIN_SLOWDOWN_AFTER)
    checks_during_attack = counting_hasher.checks

    slowed = _login(Client(), "sales1", PASSWORD, ip="10.3.0.1")
    slowed_api = _token("sales1", PASSWORD, ip="10.3.0.1", HTTP_ACCEPT_LANGUAGE="en")
    clock.shift(timedelta(seconds=1))
    after_the_wait = _login(Client(), "sales1", PASSWORD, ip="10.3.0.1")

    assert checks_during_attack == settings.CRM_SIGNIN_SLOWDOWN_AFTER
    assert slowed.status_code == 429
    assert slowed["Retry-After"] == "1"
    assert "1 秒后再试" in slowed.content.decode()
    assert slowed_api.status_code == 429
    assert slowed_api["Retry-After"] == "1"
    assert slowed_api.json() == {
        "detail": "There have been many failed sign-ins with this username from other places, so it is slowed "
        "down for its protection. Try again in 1 second."
    }
    assert after_the_wait.status_code == 302
    # Neither slowed attempt had its password checked; the one after the wait did.
    assert counting_hasher.checks == settings.CRM_SIGNIN_SLOWDOWN_AFTER + 1


def test_the_owner_signs_in_at_once_from_an_address_they_used_before(people, clock):
    assert _login(Client(), "sales1", PASSWORD, ip="10.0.0.1").status_code == 302
    clock.shift(timedelta(days=3))
    _fail_from_many_addresses("sales1", settings.CRM_SIGNIN_SLOWDOWN_AFTER + 5)

    known = _login(Client(), "sales1", PASSWORD, ip="10.0.0.1")
    unknown = _login(Client(), "sales1", PASSWORD, ip="10.3.0.1")

    assert known.status_code == 302
    assert unknown.status_code == 429


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(9, 0), (10, 1), (11, 2), (13, 8), (16, 60), (500, 60)],
)
def test_the_slowdown_doubles_with_each_failure_up_to_its_maximum(people, clock, failures, seconds):
    AccessAttempt.objects.create(
        username="sales1",
        ip_address="10.2.0.1",
        user_agent="x",
        failures_since_start=failures,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )

    assert sign_in_wait(username="sales1", address="10.3.0.1") == seconds
    clock.shift(timedelta(seconds=seconds))
    assert sign_in_wait(username="sales1", address="10.3.0.1") == 0


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy trusted: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the client wrote the first entry itself
        (1, "", "192.0.2.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded_for, address):
    settings.CRM_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/login/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == address


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


POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel logins need a database that takes concurrent writers (PostgreSQL); SQLite serialises them",
)


def _attack_in_parallel(parallelism: int, rounds: int, address_of) -> None:
    barrier = threading.Barrier(parallelism)
    errors: list[BaseException] = []

    def attack(thread_number: int) -> None:
        try:
            client = Client()
            for _ in range(rounds):
                barrier.wait(timeout=30)
                _login(client, "sales1", "wrong password", ip=address_of(thread_number))
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


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_from_one_address_check_at_most_the_limit_plus_the_parallelism(
    people, counting_hasher, clock
):
    parallelism = 10
    assert _login(Client(), "sales1", PASSWORD, ip="10.0.0.9").status_code == 302  # the owner's own address
    counting_hasher.checks = 0

    _attack_in_parallel(parallelism, 3, lambda _number: "10.1.0.1")

    assert settings.AXES_FAILURE_LIMIT <= counting_hasher.checks <= settings.AXES_FAILURE_LIMIT + parallelism
    assert _login(Client(), "sales1", PASSWORD, ip="10.1.0.1").status_code == 429
    assert _login(Client(), "sales1", PASSWORD, ip="10.0.0.9").status_code == 302


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_from_many_addresses_are_slowed_down_after_the_threshold(
    people, counting_hasher, clock
):
    # Each address stays under the lockout limit; the username as a whole is slowed down. The clock
    # stands still, so no attempt after the threshold is ever late enough to be checked.
    parallelism, rounds = 10, 3
    assert rounds < settings.AXES_FAILURE_LIMIT
    assert _login(Client(), "sales1", PASSWORD, ip="10.0.0.9").status_code == 302  # the owner's own address
    counting_hasher.checks = 0

    _attack_in_parallel(parallelism, rounds, lambda number: f"10.1.0.{number + 1}")

    limit = settings.CRM_SIGNIN_SLOWDOWN_AFTER
    assert limit <= counting_hasher.checks <= limit + parallelism
    assert _login(Client(), "sales1", PASSWORD, ip="10.1.0.1").status_code == 429
    assert _login(Client(), "sales1", PASSWORD, ip="10.5.0.1").status_code == 429
    assert _login(Client(), "sales1", PASSWORD, ip="10.0.0.9").status_code == 302


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

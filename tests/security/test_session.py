"""Session limits (SEC-16, ASVS 5.0 7.3.1/7.3.2): 30 minutes idle, 12 hours after signing in.

The clock is moved with time-machine; the session is opened through the real login form, as a
browser would, so the login time is the one the middleware stamped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from knox.models import AuthToken

from crm.middleware import LAST_SEEN, LOGIN_AT
from visits.models import Visit

PASSWORD = "crm-demo-2026"
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IDLE_TEXT_ZH = "您已 30 分钟没有操作，系统已自动退出登录。请重新登录。"
IDLE_TEXT_EN = "You were signed out after 30 minutes without activity. Please sign in again."
ABSOLUTE_TEXT_EN = "You have been signed in for 12 hours, the longest a session may last. Please sign in again."


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, people, clock) -> Client:
    response = client.post("/login/", {"username": "sales1", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_limits_are_thirty_minutes_and_twelve_hours_by_default():
    limits = (settings.CRM_SESSION_IDLE_TIMEOUT, settings.CRM_SESSION_ABSOLUTE_TIMEOUT)
    assert limits == (timedelta(minutes=30), timedelta(hours=12))
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_29_minutes_idle_keeps_the_session(signed_in, clock):
    clock.shift(timedelta(minutes=29))

    assert signed_in.get("/visits/today/").status_code == 200


@pytest.mark.parametrize(("language", "text"), [(ZH, IDLE_TEXT_ZH), (EN, IDLE_TEXT_EN)])
def test_31_minutes_idle_sends_the_user_to_login_saying_why(signed_in, clock, language, text):
    session_key = signed_in.session.session_key
    clock.shift(timedelta(minutes=31))

    response = signed_in.get("/visits/today/", follow=True, **language)

    assert response.redirect_chain == [("/login/?next=/visits/today/", 302)]
    assert response.templates[0].name == "registration/login.html"
    assert text in response.content.decode()
    assert not Session.objects.filter(session_key=session_key).exists()  # gone on the server too


def test_each_request_restarts_the_idle_clock(signed_in, clock):
    for _ in range(3):
        clock.shift(timedelta(minutes=25))
        assert signed_in.get("/visits/today/").status_code == 200


def test_active_all_day_the_session_ends_twelve_hours_after_signing_in(signed_in, clock):
    for _ in range(12 * 3 - 1):
        clock.shift(timedelta(minutes=20))
        assert signed_in.get("/visits/today/").status_code == 200  # every 20 minutes, up to 11 h 40 min
    clock.shift(timedelta(minutes=19))
    assert signed_in.get("/visits/today/").status_code == 200  # 11 h 59 min

    clock.shift(timedelta(minutes=2))  # 12 h 01 min after signing in
    response = signed_in.get("/visits/today/", follow=True, **EN)

    assert response.redirect_chain == [("/login/?next=/visits/today/", 302)]
    assert ABSOLUTE_TEXT_EN in response.content.decode()


def test_signing_in_again_starts_new_limits(signed_in, clock):
    clock.shift(timedelta(hours=13))
    assert signed_in.get("/visits/today/").status_code == 302

    signed_in.post("/login/", {"username": "sales1", "password": PASSWORD})
    clock.shift(timedelta(minutes=29))

    assert signed_in.get("/visits/today/").status_code == 200


def test_an_htmx_request_after_the_idle_limit_is_sent_to_login_as_a_whole_page(signed_in, clock):
    clock.shift(timedelta(minutes=31))

    response = signed_in.get(
        "/visits/customers/search/",
        {"q": "科技"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/visits/new/?kind=first"},
        **EN,
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/visits/new/%3Fkind%3Dfirst"
    assert response.content == b""
    login_page = signed_in.get(response["HX-Redirect"], **EN)
    assert IDLE_TEXT_EN in login_page.content.decode()


def test_an_htmx_request_from_another_site_comes_back_to_the_start_page(signed_in, clock):
    clock.shift(timedelta(minutes=31))

    response = signed_in.get(
        "/visits/customers/search/", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"}
    )

    assert response["HX-Redirect"] == "/login/?next=/"


def test_the_offline_sync_after_the_idle_limit_answers_json_and_records_nothing(signed_in, clock):
    clock.shift(timedelta(minutes=31))
    item = {"client_id": "5b0c7a3e-1111-4c2b-9d7e-000000000001", "customer": 1, "kind": "first"}

    response = signed_in.post("/api/visits/sync/", {"items": [item]}, content_type="application/json")

    # offline.js keeps the queued entries on any answer that is not OK and sends them after the next login.
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert Visit.objects.count() == 0


def test_the_offline_customer_copy_after_the_idle_limit_answers_json(signed_in, clock):
    clock.shift(timedelta(minutes=31))

    response = signed_in.get("/api/offline/customers/")

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_the_service_worker_is_still_served_after_the_idle_limit(signed_in, clock):
    clock.shift(timedelta(minutes=31))

    response = signed_in.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")


def test_a_token_client_has_no_session_to_expire(people, clock):
    _row, token = AuthToken.objects.create(user=people.sales1)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/visits/").status_code == 200

    clock.shift(timedelta(hours=13))
    response = client.get("/api/visits/")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # token requests open no session
    assert Session.objects.count() == 0


def test_the_last_request_time_is_written_at_most_once_a_minute(signed_in, clock):
    clock.shift(timedelta(seconds=30))
    quiet = signed_in.get("/visits/today/")
    clock.shift(timedelta(seconds=31))
    noted = signed_in.get("/visits/today/")

    assert settings.SESSION_COOKIE_NAME not in quiet.cookies  # session unchanged, not saved
    assert settings.SESSION_COOKIE_NAME in noted.cookies


def test_a_session_opened_before_the_limits_existed_starts_its_clock_at_its_next_request(client, people, clock):
    client.force_login(people.sales1)
    session = client.session
    del session[LOGIN_AT], session[LAST_SEEN]  # as a session signed in before the middleware was deployed
    session.save()
    clock.shift(timedelta(hours=11))  # longer than the idle limit, within the cookie's life
    assert client.get("/visits/today/").status_code == 200

    clock.shift(timedelta(minutes=31))

    assert client.get("/visits/today/").status_code == 302


def test_the_limits_come_from_the_settings(signed_in, clock, settings):
    settings.CRM_SESSION_IDLE_TIMEOUT = timedelta(minutes=5)

    clock.shift(timedelta(minutes=6))

    assert signed_in.get("/visits/today/").status_code == 302


def test_force_login_starts_the_limits_too(client, people, clock):
    client.force_login(people.sales1)
    clock.shift(timedelta(minutes=31))

    assert client.get("/visits/today/").status_code == 302

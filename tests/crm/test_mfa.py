"""Two-step verification (TOTP with django-otp, ASVS 6.3.3): enrolment, the code after the password,
wrong and replayed codes, backup codes, and enforcement for the roles in CRM_MFA_REQUIRED_ROLES.

The clock is fixed with time-machine so that the codes computed here are the ones the server expects,
and moved on where django-otp's throttling (a growing pause after a wrong code) would otherwise refuse.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.crypto import hash_token
from knox.models import AuthToken

from crm.services import turn_on_two_step_verification
from crm.views import MFA_SETUP_KEY

PASSWORD = "crm-demo-2026"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, as hex
MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WRONG_TEXT = "That code is not right. Enter the current code from your app, or one of your backup codes."


def code_now(key: str = KEY, *, steps_later: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key))
    totp.drift = steps_later
    return f"{totp.token():06d}"


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def required(settings):
    settings.CRM_MFA_REQUIRED_ROLES = ["manager", "admin"]


def sign_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def enrolled(people, clock):
    """manager1 has turned two-step verification on (an hour ago, so that code is spent)."""
    clock.shift(timedelta(hours=-1))
    _device, codes = turn_on_two_step_verification(user=people.manager1, key=KEY, code=code_now())
    clock.shift(timedelta(hours=1))
    return codes


# --- nobody is asked by default ------------------------------------------------------------------


@pytest.mark.parametrize("username", ["sales1", "manager1", "info1", "admin"])
def test_by_default_no_role_is_asked_for_a_second_factor(people, username):
    client = sign_in(username)

    response = client.get("/", follow=True)

    assert response.status_code == 200
    assert not response.redirect_chain[-1][0].startswith("/mfa/")


# --- enforcement by role -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "sent_to_enrolment"),
    [("sales1", False), ("info1", False), ("manager1", True), ("admin", True)],
)
def test_the_required_roles_are_sent_to_enrolment_and_the_others_are_not(people, required, username, sent_to_enrolment):
    client = sign_in(username)

    response = client.get("/notifications/")

    if sent_to_enrolment:
        assert (response.status_code, response["Location"]) == (302, "/mfa/setup/?next=%2Fnotifications%2F")
    else:
        assert response.status_code == 200


def test_a_required_role_without_a_device_reaches_only_enrolment_and_logout(people, required):
    client = sign_in("manager1")

    assert client.get("/mfa/setup/").status_code == 200
    assert client.get("/mfa/verify/")["Location"] == "/mfa/setup/?next=%2Fmfa%2Fverify%2F"
    assert client.get("/dashboard/").status_code == 302
    assert client.get("/api/dashboard/").status_code == 403
    assert client.post("/logout/").status_code == 302


def test_an_htmx_request_before_the_second_factor_gets_an_hx_redirect(people, required):
    client = sign_in("manager1")

    response = client.get(
        "/customers/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/customers/?page=2"}
    )

    assert response["HX-Redirect"] == "/mfa/setup/?next=%2Fcustomers%2F%3Fpage%3D2"


def test_the_api_before_the_second_factor_answers_403_json(people, required):
    client = sign_in("manager1")

    response = client.get("/api/customers/", **EN)

    assert response.status_code == 403
    assert response.json() == {"detail": "Two-step verification is needed: sign in on the web page."}


# --- enrolment -----------------------------------------------------------------------------------


def test_the_enrolment_page_shows_the_qr_code_as_an_svg_image_and_the_key(people, required, clock):
    client = sign_in("manager1")

    response = client.get("/mfa/setup/?next=/dashboard/", **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<img src="data:image/svg+xml' in html  # the CSP allows data: images, not inline scripts
    key = client.session[MFA_SETUP_KEY]
    assert len(key) == 40
    assert client.get("/mfa/setup/").context["secret"] == response.context["secret"]  # a reload keeps the key
    assert not TOTPDevice.objects.exists()  # nothing stored before the app proves it has the key


def test_enrolment_with_the_apps_code_turns_it_on_and_shows_ten_backup_codes(people, required, clock):
    client = sign_in("manager1")
    client.get("/mfa/setup/")
    key = client.session[MFA_SETUP_KEY]

    response = client.post("/mfa/setup/", {"code": code_now(key), "next": "/dashboard/"}, **EN)

    assert response.status_code == 200
    assert response.templates[0].name == "crm/mfa_backup_codes.html"
    codes = response.context["codes"]
    assert len(codes) == 10
    assert sorted(StaticToken.objects.filter(device__user=people.manager1).values_list("token", flat=True)) == sorted(
        codes
    )
    device = TOTPDevice.objects.get(user=people.manager1)
    assert (device.key, device.confirmed) == (key, True)
    assert MFA_SETUP_KEY not in client.session
    assert client.get("/dashboard/").status_code == 200  # verified for the rest of this session


def test_enrolment_with_a_wrong_code_stores_nothing(people, required, clock):
    client = sign_in("manager1")
    client.get("/mfa/setup/")

    response = client.post("/mfa/setup/", {"code": "000000"}, **EN)

    assert response.status_code == 200
    assert WRONG_TEXT in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert client.get("/dashboard/").status_code == 302


def test_a_new_enrolment_replaces_the_old_phone_and_its_backup_codes(people, enrolled, clock):
    new_key = "00112233445566778899aabbccddeeff00112233"

    _device, codes = turn_on_two_step_verification(user=people.manager1, key=new_key, code=code_now(new_key))

    assert list(TOTPDevice.objects.filter(user=people.manager1).values_list("key", flat=True)) == [new_key]
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    assert not set(codes) & set(enrolled)


# --- the code after the password -----------------------------------------------------------------


def test_an_enrolled_user_enters_the_code_after_the_password(people, enrolled, clock):
    client = sign_in("manager1")

    asked = client.get("/dashboard/")
    verified = client.post("/mfa/verify/", {"code": code_now(), "next": "/dashboard/"})

    assert asked["Location"] == "/mfa/verify/?next=%2Fdashboard%2F"
    assert verified["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_second_factor_is_asked_of_an_enrolled_user_whatever_the_setting(people, enrolled, clock, settings):
    settings.CRM_MFA_REQUIRED_ROLES = []

    assert sign_in("manager1").get("/dashboard/")["Location"] == "/mfa/verify/?next=%2Fdashboard%2F"


def test_a_wrong_code_is_refused_and_nothing_opens(people, enrolled, clock):
    client = sign_in("manager1")

    response = client.post("/mfa/verify/", {"code": "123456"}, **EN)

    assert response.status_code == 200
    assert WRONG_TEXT in response.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_a_code_is_accepted_once(people, enrolled, clock):
    first = sign_in("manager1")
    assert first.post("/mfa/verify/", {"code": code_now()}).status_code == 302

    second = sign_in("manager1")  # another browser, same 30 seconds, same code
    response = second.post("/mfa/verify/", {"code": code_now()}, **EN)

    assert WRONG_TEXT in response.content.decode()
    assert second.get("/dashboard/").status_code == 302


def test_a_backup_code_works_once(people, enrolled, clock):
    first = sign_in("manager1")
    assert first.post("/mfa/verify/", {"code": enrolled[0].upper()}).status_code == 302

    second = sign_in("manager1")
    response = second.post("/mfa/verify/", {"code": enrolled[0]}, **EN)

    assert WRONG_TEXT in response.content.decode()
    assert StaticToken.objects.count() == 9


def test_repeated_wrong_codes_slow_down_the_next_tries(people, enrolled, clock):
    client = sign_in("manager1")
    client.post("/mfa/verify/", {"code": "111111"})
    client.post("/mfa/verify/", {"code": "222222"})

    too_soon = client.post("/mfa/verify/", {"code": code_now()})  # right code, within django-otp's pause
    clock.shift(timedelta(seconds=3))
    later = client.post("/mfa/verify/", {"code": code_now()})

    assert too_soon.status_code == 200
    assert later.status_code == 302


def test_verifying_gives_the_session_a_new_key(people, enrolled, clock):
    client = sign_in("manager1")
    before = client.session.session_key

    client.post("/mfa/verify/", {"code": code_now()})

    assert client.session.session_key != before


def test_the_verify_page_sends_elsewhere_who_has_nothing_to_verify(people):
    client = sign_in("sales1")

    assert client.get("/mfa/verify/?next=/visits/today/")["Location"] == "/visits/today/"
    assert client.get("/mfa/verify/?next=https://evil.example/")["Location"] == "/"


# --- API tokens ----------------------------------------------------------------------------------


def test_an_enrolled_user_gets_an_api_token_only_with_a_code(people, enrolled, clock):
    without = Client().post("/api/auth/token/", {"username": "manager1", "password": PASSWORD}, **EN)
    clock.shift(timedelta(seconds=2))  # past the pause after the failure above
    with_code = Client().post("/api/auth/token/", {"username": "manager1", "password": PASSWORD, "code": code_now()})

    assert without.status_code == 400
    assert without.json() == {"detail": WRONG_TEXT}
    assert with_code.status_code == 200
    assert with_code.json()["token"] and AuthToken.objects.get(user=people.manager1).digest == hash_token(
        with_code.json()["token"]
    )


def test_a_required_role_without_a_device_gets_no_api_token(people, required):
    response = Client().post("/api/auth/token/", {"username": "admin", "password": PASSWORD})

    assert response.status_code == 403
    assert not AuthToken.objects.exists()


def test_other_users_get_their_token_with_the_password_alone(people, required):
    response = Client().post("/api/auth/token/", {"username": "sales1", "password": PASSWORD})

    assert response.status_code == 200


def test_an_unknown_role_in_the_setting_stops_the_start(settings):
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    settings.CRM_MFA_REQUIRED_ROLES = ["managers"]

    with pytest.raises(ImproperlyConfigured):
        apps.get_app_config("crm").ready()


@pytest.mark.parametrize(("username", "path"), [("sales1", "/mfa/setup/"), ("manager1", "/mfa/verify/")])
def test_the_two_step_pages_are_never_stored_by_the_browser_or_the_service_worker(people, enrolled, username, path):
    client = sign_in(username)

    response = client.get(path)

    assert "no-store" in response["Cache-Control"]
    assert "no-store" in Client().get("/sw.js").content.decode()  # the service worker skips such pages


def test_the_admin_site_waits_for_the_second_factor_too(people, required):
    client = sign_in("admin")

    response = client.get("/admin/crm/user/")

    assert (response.status_code, response["Location"]) == (302, "/mfa/setup/?next=%2Fadmin%2Fcrm%2Fuser%2F")

"""Sign-in with WeCom (企业微信) or DingTalk (钉钉), against a local fake of each provider (tests/crm/fake_sso.py).

Pages answer in Chinese (the default language) here.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from crm.models import User
from crm.sso import WECOM_TOKEN_CACHE_KEY
from tests.crm.fake_sso import FakeProviders

NOT_VALID = "此登录链接无效或已被使用，请从登录页重新开始。"
NOT_LINKED = "此账号未关联本系统的用户。请管理员关联，或用密码登录。"
INACTIVE = "此用户已停用，请联系管理员。"
WECOM_REFUSED = "企业微信未接受此次登录（可能已过期），请重试。"
DINGTALK_REFUSED = "钉钉未接受此次登录（可能已过期），请重试。"
TIMED_OUT = "登录服务未及时响应，请重试，或用密码登录。"


@pytest.fixture
def fake():
    with FakeProviders() as providers:
        yield providers


@pytest.fixture
def configured(settings, fake):
    settings.CRM_SSO = {
        "WECOM_CORP_ID": "ww-corp",
        "WECOM_AGENT_ID": "1000002",
        "WECOM_SECRET": "wecom-secret",
        "WECOM_LOGIN_URL": fake.url,
        "WECOM_API_URL": fake.url,
        "DINGTALK_CLIENT_ID": "ding-client",
        "DINGTALK_CLIENT_SECRET": "ding-secret",
        "DINGTALK_LOGIN_URL": fake.url,
        "DINGTALK_API_URL": fake.url,
        "TIMEOUT_SECONDS": 0.5,
    }
    settings.CRM = {**settings.CRM, "SITE_URL": "https://crm.example.com"}
    cache.delete(WECOM_TOKEN_CACHE_KEY)
    yield fake
    cache.delete(WECOM_TOKEN_CACHE_KEY)


@pytest.fixture
def linked(people):
    User.objects.filter(pk=people.sales1.pk).update(wecom_userid="ZhangSan", dingtalk_unionid="union-sales1")
    people.sales1.refresh_from_db()
    return people


def _start(client, provider, next_page=""):
    url = reverse(f"sso_start_{provider}") + (f"?next={next_page}" if next_page else "")
    response = client.get(url)
    assert response.status_code == 302
    return urlsplit(response["Location"]), {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- off by default ----------------------------------------------------------------------------------------


def test_without_settings_there_are_no_buttons_and_no_doors(client, db):
    page = client.get(reverse("login")).content.decode()

    assert 'id="sso-buttons"' not in page
    for name in ("sso_start_wecom", "sso_done_wecom", "sso_start_dingtalk", "sso_done_dingtalk"):
        assert client.get(reverse(name)).status_code == 404


def test_a_button_for_each_configured_provider_only(client, db, settings, configured):
    settings.CRM_SSO = {**settings.CRM_SSO, "DINGTALK_CLIENT_SECRET": ""}
    page = client.get(reverse("login") + "?next=/customers/").content.decode()

    assert '<a class="btn btn-outline-secondary" href="/login/wecom/?next=/customers/">用企业微信登录</a>' in page
    assert "用钉钉登录" not in page
    assert client.get(reverse("sso_start_dingtalk")).status_code == 404


# --- the happy paths ---------------------------------------------------------------------------------------


def test_wecom_signs_in_the_linked_user_with_the_password_logins_audit(client, linked, configured):
    AccessAttempt.objects.create(
        username="sales1", ip_address="127.0.0.1", user_agent="x", failures_since_start=2, get_data="", post_data=""
    )
    target, query = _start(client, "wecom", next_page="/customers/")

    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{configured.url}/wwlogin/sso/login"
    assert {key: query[key] for key in ("login_type", "appid", "agentid", "redirect_uri")} == {
        "login_type": "CorpApp",
        "appid": "ww-corp",
        "agentid": "1000002",
        "redirect_uri": "https://crm.example.com/login/wecom/done/",
    }
    assert len(query["state"]) >= 40
    configured.codes["wecom-code-1"] = "ZhangSan"

    response = client.get(reverse("sso_done_wecom"), {"code": "wecom-code-1", "state": query["state"]})

    assert (response.status_code, response["Location"]) == (302, "/customers/")
    assert int(client.session[SESSION_KEY]) == linked.sales1.pk
    log = AccessLog.objects.get()
    assert (log.username, log.path_info) == ("sales1", "/login/wecom/done/")
    assert AccessAttempt.objects.count() == 0  # the failures are forgotten, as after a password sign-in
    assert configured.calls == ["/cgi-bin/gettoken", "/cgi-bin/auth/getuserinfo"]


def test_the_corp_token_is_cached_and_renewed_once_when_wecom_says_it_expired(client, linked, configured):
    configured.codes.update({"c1": "ZhangSan", "c2": "ZhangSan", "c3": "ZhangSan"})
    for code in ("c1", "c2"):
        _, query = _start(client, "wecom")
        client.get(reverse("sso_done_wecom"), {"code": code, "state": query["state"]})
        client.logout()
    assert configured.calls.count("/cgi-bin/gettoken") == 1

    configured.expired_tokens.add(configured.wecom_token)
    configured.wecom_token = "wecom-corp-token-2"
    _, query = _start(client, "wecom")
    response = client.get(reverse("sso_done_wecom"), {"code": "c3", "state": query["state"]})

    assert response["Location"] == "/"
    assert configured.calls.count("/cgi-bin/gettoken") == 2
    assert cache.get(WECOM_TOKEN_CACHE_KEY) == "wecom-corp-token-2"


def test_dingtalk_signs_in_the_linked_user(client, linked, configured):
    target, query = _start(client, "dingtalk")

    assert target.path == "/oauth2/auth"
    assert {key: query[key] for key in ("client_id", "response_type", "scope", "redirect_uri")} == {
        "client_id": "ding-client",
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": "https://crm.example.com/login/dingtalk/done/",
    }
    configured.codes["ding-code-1"] = "union-sales1"

    response = client.get(reverse("sso_done_dingtalk"), {"authCode": "ding-code-1", "state": query["state"]})

    assert (response.status_code, response["Location"]) == (302, "/")
    assert int(client.session[SESSION_KEY]) == linked.sales1.pk
    assert AccessLog.objects.get().username == "sales1"
    assert configured.calls == ["/v1.0/oauth2/userAccessToken", "/v1.0/contact/users/me"]


def test_an_outside_next_page_is_not_followed(client, linked, configured):
    configured.codes["c1"] = "ZhangSan"
    _, query = _start(client, "wecom", next_page="https://evil.example.com/")

    response = client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})

    assert response["Location"] == "/"


def test_the_second_factor_is_still_asked(client, linked, configured):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=linked.sales1, name="authenticator", confirmed=True)
    configured.codes["c1"] = "ZhangSan"
    _, query = _start(client, "wecom")
    client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})

    assert client.get("/customers/")["Location"].startswith("/mfa/verify/")


# --- refused: nobody is signed in, the login page says why -------------------------------------------------


def _refused(client, response) -> list[str]:
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert SESSION_KEY not in client.session
    return _messages(client.get(response["Location"]))


@pytest.mark.parametrize("state", [None, "", "forged-state"])
def test_a_missing_or_wrong_state_is_refused(client, linked, configured, state):
    configured.codes["c1"] = "ZhangSan"
    _start(client, "wecom")
    params = {"code": "c1"} if state is None else {"code": "c1", "state": state}

    assert _refused(client, client.get(reverse("sso_done_wecom"), params)) == [NOT_VALID]
    assert configured.calls == []  # the code is never even sent to the provider


def test_a_state_without_a_pending_sign_in_or_of_the_other_provider_is_refused(client, linked, configured):
    configured.codes["c1"] = "union-sales1"
    assert _refused(client, client.get(reverse("sso_done_dingtalk"), {"authCode": "c1", "state": "x"})) == [NOT_VALID]
    _, query = _start(client, "wecom")

    answer = client.get(reverse("sso_done_dingtalk"), {"authCode": "c1", "state": query["state"]})

    assert _refused(client, answer) == [NOT_VALID]


def test_a_state_is_used_once(client, linked, configured):
    configured.codes["c1"] = "ZhangSan"
    _, query = _start(client, "wecom")
    assert client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})["Location"] == "/"
    client.logout()
    session = client.session
    session["crm_sso_state"] = None  # a fresh anonymous session: nothing pending
    session.save()

    assert _refused(client, client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})) == [
        NOT_VALID
    ]


def test_a_refused_callback_also_uses_up_the_state(client, linked, configured):
    configured.codes["c1"] = "ZhangSan"
    _, query = _start(client, "wecom")
    first = client.get(reverse("sso_done_wecom"), {"code": "wrong", "state": query["state"]})
    assert _refused(client, first) == [WECOM_REFUSED]

    answer = client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})

    assert _refused(client, answer) == [NOT_VALID]


@pytest.mark.parametrize(
    ("provider", "params", "message"),
    [
        ("wecom", {"code": "expired-code"}, WECOM_REFUSED),
        ("dingtalk", {"authCode": "expired-code"}, DINGTALK_REFUSED),
        ("wecom", {}, "登录已取消或被拒绝。请重试，或用密码登录。"),
    ],
)
def test_a_provider_error_is_said_on_the_login_page(client, linked, configured, provider, params, message):
    _, query = _start(client, provider)

    answer = client.get(reverse(f"sso_done_{provider}"), {**params, "state": query["state"]})

    assert _refused(client, answer) == [message]


def test_wrong_corp_credentials_are_a_provider_error(client, settings, linked, configured):
    settings.CRM_SSO = {**settings.CRM_SSO, "WECOM_SECRET": "old-secret"}
    configured.codes["c1"] = "ZhangSan"
    _, query = _start(client, "wecom")

    answer = client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})

    assert _refused(client, answer) == ["登录服务的响应异常。请重试，或用密码登录。"]


@pytest.mark.parametrize(("provider", "code_param"), [("wecom", "code"), ("dingtalk", "authCode")])
def test_an_identity_linked_to_nobody_is_refused_and_no_user_is_made(client, linked, configured, provider, code_param):
    configured.codes["c1"] = "someone-else"
    users = User.objects.count()
    _, query = _start(client, provider)

    answer = client.get(reverse(f"sso_done_{provider}"), {code_param: "c1", "state": query["state"]})

    assert _refused(client, answer) == [NOT_LINKED]
    assert User.objects.count() == users
    assert AccessLog.objects.count() == 0


def test_a_deactivated_user_is_refused(client, linked, configured):
    User.objects.filter(pk=linked.sales1.pk).update(is_active=False)
    configured.codes["c1"] = "union-sales1"
    _, query = _start(client, "dingtalk")

    answer = client.get(reverse("sso_done_dingtalk"), {"authCode": "c1", "state": query["state"]})

    assert _refused(client, answer) == [INACTIVE]


@pytest.mark.parametrize(("provider", "code_param"), [("wecom", "code"), ("dingtalk", "authCode")])
def test_a_provider_that_does_not_answer_in_time_is_said_so(client, linked, configured, provider, code_param):
    configured.codes["c1"] = "ZhangSan"
    configured.delay = 1.5  # the client waits 0.5 s
    _, query = _start(client, provider)

    answer = client.get(reverse(f"sso_done_{provider}"), {code_param: "c1", "state": query["state"]})

    assert _refused(client, answer) == [TIMED_OUT]


def test_a_provider_that_is_down_is_said_so(client, settings, linked, configured):
    settings.CRM_SSO = {**settings.CRM_SSO, "DINGTALK_API_URL": "http://127.0.0.1:9"}
    _, query = _start(client, "dingtalk")

    answer = client.get(reverse("sso_done_dingtalk"), {"authCode": "c1", "state": query["state"]})

    assert _refused(client, answer) == [TIMED_OUT]


def test_a_username_locked_out_from_this_address_stays_locked(client, settings, linked, configured):
    AccessAttempt.objects.create(
        username="sales1",
        ip_address="127.0.0.1",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
    )
    configured.codes["c1"] = "ZhangSan"
    _, query = _start(client, "wecom")

    response = client.get(reverse("sso_done_wecom"), {"code": "c1", "state": query["state"]})

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


# --- the admin links people --------------------------------------------------------------------------------


def test_the_admin_links_a_person_and_an_identity_taken_is_refused(client, people):
    client.force_login(people.admin)
    url = reverse("sign_in_link_edit", args=[people.sales1.pk])

    response = client.post(url, {"wecom_userid": " ZhangSan ", "dingtalk_unionid": "union-sales1"})

    assert response["Location"] == reverse("sign_in_links")
    people.sales1.refresh_from_db()
    assert (people.sales1.wecom_userid, people.sales1.dingtalk_unionid) == ("ZhangSan", "union-sales1")
    page = client.get(reverse("sign_in_links")).content.decode()
    assert "<td>ZhangSan</td>" in page

    taken = client.post(
        reverse("sign_in_link_edit", args=[people.sales2.pk]), {"wecom_userid": "ZhangSan", "dingtalk_unionid": ""}
    )

    assert taken.status_code == 200
    assert f"此身份已关联到 {people.sales1}（sales1）。" in taken.content.decode()
    assert User.objects.get(pk=people.sales2.pk).wecom_userid == ""


def test_unlinking_leaves_both_empty_and_others_may_be_empty_too(client, linked):
    client.force_login(linked.admin)
    client.post(reverse("sign_in_link_edit", args=[linked.sales1.pk]), {"wecom_userid": "", "dingtalk_unionid": ""})

    assert User.objects.filter(wecom_userid="", dingtalk_unionid="").count() == User.objects.count()


def test_only_the_admin_sees_the_links(client, people):
    for user in (people.sales1, people.manager1, people.info1):
        client.force_login(user)
        assert client.get(reverse("sign_in_links")).status_code == 403
        assert (
            client.post(
                reverse("sign_in_link_edit", args=[people.sales2.pk]), {"wecom_userid": "x", "dingtalk_unionid": ""}
            ).status_code
            == 403
        )
    assert User.objects.get(pk=people.sales2.pk).wecom_userid == ""


@pytest.mark.parametrize("size", [5, 60])
def test_the_links_page_queries_do_not_grow_with_the_people(client, people, django_assert_num_queries, size):
    from tests.crm.factories import SalespersonFactory

    SalespersonFactory.create_batch(size, team=people.team_one)
    client.force_login(people.admin)
    client.get(reverse("sign_in_links"))  # warm the session
    with django_assert_num_queries(5):  # session, user, menu counts, count, page
        assert client.get(reverse("sign_in_links")).status_code == 200

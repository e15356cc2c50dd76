"""My account: API tokens listed and revoked by their owner; "sign out everywhere"."""

from __future__ import annotations

import pytest
from django.test import Client
from knox.models import AuthToken

PASSWORD = "crm-demo-2026"


def _issue(username: str) -> str:
    response = Client().post("/api/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


def _api(token: str) -> int:
    return Client().get("/api/customers/", HTTP_AUTHORIZATION=f"Token {token}").status_code


@pytest.fixture
def sales1_client(people):
    client = Client()
    client.force_login(people.sales1)
    return client


def test_the_page_lists_the_owners_working_tokens_only(people, sales1_client):
    mine = [_issue("sales1"), _issue("sales1")]
    theirs = _issue("sales2")

    page = sales1_client.get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert [f"{token[:8]}…" in page for token in mine] == [True, True]
    assert f"{theirs[:8]}…" not in page
    assert page.count('class="btn btn-sm btn-outline-danger text-nowrap"') == 2
    assert "A token works for 30 days" in page


def test_the_page_costs_the_same_queries_whatever_the_number_of_tokens(
    people, sales1_client, django_assert_num_queries
):
    _issue("sales1")
    with django_assert_num_queries(5):
        sales1_client.get("/account/")
    for _ in range(5):
        _issue("sales1")
    with django_assert_num_queries(5):
        sales1_client.get("/account/")


def test_the_owner_revokes_one_token(people, sales1_client):
    kept, revoked = _issue("sales1"), _issue("sales1")
    digest = AuthToken.objects.get(token_key=revoked[:15]).digest

    response = sales1_client.post(f"/account/tokens/{digest}/revoke/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert _api(revoked) == 403
    assert _api(kept) == 200


def test_nobody_revokes_someone_elses_token(people, sales1_client):
    theirs = _issue("sales2")
    digest = AuthToken.objects.get().digest

    response = sales1_client.post(f"/account/tokens/{digest}/revoke/")

    assert response.status_code == 404
    assert _api(theirs) == 200


def test_sign_out_everywhere_ends_every_session_and_token_of_the_user_only(people, sales1_client):
    phone = Client()
    phone.force_login(people.sales1)
    colleague = Client()
    colleague.force_login(people.sales2)
    token, colleagues_token = _issue("sales1"), _issue("sales2")

    response = sales1_client.post("/account/sign-out-everywhere/", HTTP_ACCEPT_LANGUAGE="en")
    login_page = sales1_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "You were signed out on every device, and your API tokens were revoked." in login_page
    assert phone.get("/visits/today/")["Location"] == "/login/?next=/visits/today/"
    assert _api(token) == 403
    assert colleague.get("/visits/today/").status_code == 200
    assert _api(colleagues_token) == 200
    # Signing in again works as before.
    assert Client().post("/login/", {"username": "sales1", "password": PASSWORD}).status_code == 302


def test_the_menu_links_to_the_account_page(people, sales1_client):
    page = sales1_client.get("/visits/today/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/account/"' in page


def test_the_page_speaks_chinese(people, sales1_client):
    _issue("sales1")

    page = sales1_client.get("/account/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "我的账号" in page
    assert "令牌有效期 30 天" in page
    assert "在所有设备上退出登录" in page

"""My account on a phone, as a person uses it: open it from the user menu, revoke a token, sign out everywhere."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from playwright.sync_api import expect


@pytest.mark.browser
def test_a_salesperson_revokes_a_token_and_signs_out_everywhere(login_as, people):
    AuthToken.objects.create(user=people.sales1)
    _row, kept = AuthToken.objects.create(user=people.sales1)
    browser_page = login_as("sales1")
    page = browser_page.page

    page.click("nav .navbar-toggler")
    # The menu slides open: click inside it once it has finished (a click during the slide is lost).
    expect(page.locator("nav .navbar-collapse.show")).to_be_visible()
    expect(page.locator("nav .collapsing")).to_have_count(0)
    page.click("#user-menu .dropdown-toggle")
    account = page.get_by_role("link", name="我的账号")
    expect(account).to_be_visible()
    with page.expect_navigation():
        account.click()
    assert browser_page.path() == "/account/"
    assert page.locator("#api-tokens li").count() == 2
    with page.expect_navigation():
        page.locator("#api-tokens li").filter(has_not_text=kept[:8]).get_by_role("button", name="撤销").click()
    assert page.locator("#api-tokens li").count() == 1
    assert "API 令牌已撤销" in page.inner_text("body")

    with page.expect_navigation():
        page.get_by_role("button", name="在所有设备上退出登录").click()

    assert browser_page.path() == "/login/"
    assert "你已在所有设备上退出登录" in page.inner_text("body")
    assert not AuthToken.objects.exists()

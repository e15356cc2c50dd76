"""The issue's "Done when", at phone size in Chinese: the manager opens the Monday page and sees the three
churn risks of the team with their reasons, then the whole list."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from campaigns.churn.services import refresh_churn_risks
from tests.browser.conftest import SCREENSHOTS
from tests.campaigns.test_churn import TODAY, book  # noqa: F401


@pytest.mark.browser
def test_manager_sees_three_churn_risks_with_reasons_on_the_monday_page(login_as, people, book):  # noqa: F811
    refresh_churn_risks(today=TODAY)
    browser = login_as("manager1")
    page = browser.page

    browser.goto(reverse("key_accounts:monday_meeting"))
    section = page.locator("#churn-risks")
    expect(section.locator(".churn-risk")).to_have_count(3)
    expect(section).to_contain_text("续保未联系")
    expect(section).to_contain_text("2027-01-01 续保；最近一次拜访或电话在 2026-10-01。")
    expect(section).to_contain_text("通常每 90 天下单一次；最近一次下单在 2026-07-10。")
    expect(section).not_to_contain_text("二组未联系")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / "churn-monday.png"))

    section.get_by_role("link", name="3 位客户有流失风险").tap()
    expect(page.locator("h1")).to_have_text("流失预警")
    expect(page.locator("#churn-risks .churn-risk")).to_have_count(3)
    page.screenshot(path=str(SCREENSHOTS / "churn-list.png"), full_page=True)

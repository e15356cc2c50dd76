"""Issue 21's Done-when: a duplicate typed as "佛山市南海区鸿运汽车销售有限公司" finds "鸿运汽车(南海)", while typing,
on a 360-px phone, with the reason it matches; and the inquiry desk finds it by the unit name as heard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import CustomerFactory
from tests.browser.test_daily_journeys import rename, screen

pytestmark = pytest.mark.browser


@pytest.fixture
def hongyun(people, owned_tree):
    rename(people.sales3, "王", "强")
    return CustomerFactory(
        unit_name="鸿运汽车(南海)", district="南海区", territory=owned_tree["futian_clubs"], owner=people.sales3
    )


def test_typing_a_company_the_long_way_on_the_registration_form_finds_it(login_as, hongyun):
    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size({"width": 360, "height": 780})
    browser.goto("/customers/new/")

    page.get_by_label("单位名称").press_sequentially("佛山市南海区鸿运汽车销售有限公司", delay=20)

    candidates = page.locator("#duplicates [data-duplicate-candidates]")
    expect(candidates).to_be_visible()
    expect(candidates.locator("li[data-candidate]")).to_have_count(1)
    candidate = candidates.locator("li[data-candidate]").first
    expect(candidate).to_contain_text("鸿运汽车(南海)")
    expect(candidate).to_contain_text("疑似重复")
    expect(candidate).to_contain_text("由王强跟进")
    expect(candidate.locator("[data-reason=similar_name]")).to_have_text("名称相似 0.95：鸿运汽车")
    expect(candidate.locator("a")).to_have_count(0)  # sales3's customer: no link to it
    box = candidates.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    screen(browser, "duplicate-on-registration-form")


def test_the_inquiry_desk_finds_the_caller_by_the_unit_name_as_heard(login_as, hongyun):
    browser = login_as("info1")
    page = browser.page
    expect(page.get_by_label("电话")).to_be_focused()
    page.keyboard.type("139 2345 6789")
    page.keyboard.press("Tab")
    page.keyboard.type("陈先生")
    page.keyboard.press("Tab")
    page.keyboard.type("南海鸿运汽车")

    candidate = page.locator("#duplicates li[data-candidate]")
    expect(candidate).to_have_count(1)
    expect(candidate).to_contain_text("鸿运汽车(南海)")
    expect(candidate.locator("[data-reason=same_name]")).to_have_text("名称相同：鸿运汽车")
    expect(page.get_by_label("来电单位", exact=True)).to_be_focused()  # the check does not take the keyboard away
    screen(browser, "duplicate-at-the-desk")

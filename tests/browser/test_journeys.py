"""Journeys on a phone, in a real browser."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from crm.navigation import START_PAGES
from tests.roles import ROLE_USERS, Role

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.browser
@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_each_role_signs_in_on_a_phone_and_lands_on_its_start_page_in_chinese(login_as, role):
    browser = login_as(ROLE_USERS[role])
    page = browser.page

    assert browser.path() == reverse(START_PAGES[role])
    assert page.get_attribute("html", "lang") == "zh-hans"
    with translation.override("zh-hans"):
        role_label = str(Role(role).label)
        product = translation.gettext("Field Sales CRM")
    assert CHINESE.search(role_label)
    assert page.title().endswith(f"· {product}")
    # The navigation is folded away on a phone: open it and find who is signed in.
    page.tap("button.navbar-toggler")
    assert page.locator("nav .badge").filter(has_text=role_label).is_visible()


@pytest.mark.browser
def test_the_language_switcher_changes_to_english(login_as):
    browser = login_as("sales1")
    page = browser.page
    assert page.locator("h1").inner_text() == "我的今天"

    with page.expect_navigation():
        page.select_option("#language-select", "en")

    assert browser.path() == "/visits/today/"
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "My day"

"""Issue #18 item 3 on a 360-px phone: a far check-in asks sales1 why, and manager1 sees the distance and
the flag in the team review. The phone's position is Playwright's (geolocation granted in the context)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import CustomerFactory
from visits.models import Visit

# 0.1673° of latitude north of the customer: 18.6 km.
FAR_POSITION = {"latitude": 23.1888, "longitude": 113.1214, "accuracy": 20}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_a_far_check_in_asks_for_a_reason_and_the_manager_sees_distance_and_flag(phone, people, owned_tree):
    customer = CustomerFactory(
        unit_name="佛山市某某公司",
        territory=owned_tree["nanshan_clubs"],
        latitude=Decimal("23.021500"),
        longitude=Decimal("113.121400"),
    )
    sales1 = phone("sales1", geolocation=FAR_POSITION)
    page = sales1.page

    sales1.goto(f"/visits/new/?customer={customer.pk}")
    expect(page.locator("#geo-status")).to_have_text("已记录位置（± 20 米）。")
    # Known before saving: the distance, live, and the reason field opened.
    expect(page.locator("#customer-distance")).to_have_text("您距客户18.6 公里，超出团队的签到半径：请在下方说明原因。")
    expect(page.locator("#far-reason")).to_be_visible()
    assert fits_the_screen(page)

    # Saved without a reason: the server asks for it, and nothing is stored.
    with page.expect_navigation():
        page.get_by_role("button", name="保存拜访").tap()
    expect(page.locator("#far-reason .alert")).to_have_text(
        "您距佛山市某某公司18.6 公里（团队的签到半径为500 米）。请说明为什么在这里签到。"
    )
    assert Visit.objects.count() == 0
    assert fits_the_screen(page)

    page.get_by_label("为什么在这里签到？").fill("客户在新厂区开会")
    with page.expect_navigation():
        page.get_by_role("button", name="保存拜访").tap()
    expect(page).to_have_url(re.compile(r"/visits/today/$"))
    expect(page.locator("#messages")).to_have_text("已记录对佛山市某某公司的拜访，距客户18.6 公里。")
    visit = Visit.objects.get()
    assert (visit.distance_m, visit.far_from_customer, visit.far_reason, visit.accuracy_m) == (
        18603,
        True,
        "客户在新厂区开会",
        20,
    )

    manager1 = phone("manager1")
    manager1.goto("/visits/?flagged=true")
    row = manager1.page.locator("main .list-group-item").filter(has_text="佛山市某某公司")
    expect(row).to_have_count(1)
    expect(row.locator(".far-flag")).to_have_text("距离过远 18.6 公里")
    expect(row.locator(".trust-flag")).to_have_text("距客户18.6 公里，超出500 米。 说明的原因：客户在新厂区开会")
    assert fits_the_screen(manager1.page)

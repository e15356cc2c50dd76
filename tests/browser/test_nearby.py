"""Issue #19 item 4 on a 360-px phone: sales1 opens "Nearby", the browser gives the position (Playwright's
geolocation), and the customers around are listed nearest first; refused, the page says why and offers a
district instead."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_tap_targets import too_small

pytestmark = pytest.mark.browser

HERE = {"latitude": 23.0215, "longitude": 113.1214, "accuracy": 15}


@pytest.fixture
def around(people, owned_tree):
    def at(name, d_lat, d_lon, intent=""):
        return CustomerFactory(
            unit_name=name,
            district="禅城区",
            territory=owned_tree["nanshan_clubs"],
            owner=people.sales1,
            intent=intent,
            latitude=Decimal("23.021500") + Decimal(d_lat),
            longitude=Decimal("113.121400") + Decimal(d_lon),
            location_source=Customer.LocationSource.GEOCODED,
        )

    return [
        at("季华五路汽修厂", "0.001", "0", intent="A"),  # 111 m
        at("祖庙物流有限公司", "0", "0.002"),  # 205 m
        at("汾江中路车行", "-0.0045", "0", intent="C"),  # 500 m
        at("石湾五金商行", "0.02", "0"),  # 2.2 km: outside 1 km
    ]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_nearby_lists_the_customers_around_the_phone_nearest_first(phone, people, around):
    sales1 = phone("sales1", geolocation=HERE)
    page = sales1.page

    page.locator(".navbar-toggler").tap()
    with page.expect_navigation():
        page.get_by_role("link", name="附近客户").tap()
    # the page asks the browser for the position itself and loads the list around it
    expect(page).to_have_url(re.compile(r"/visits/nearby/\?.*latitude=23\.021500.*longitude=113\.121400"))
    rows = page.locator("#nearby-list .nearby-row")
    expect(rows).to_have_count(3)
    expect(page.locator("#nearby-count")).to_have_text("1 公里内有 3 个客户，由近及远")
    expect(page.locator("label[for=radius-1000]")).to_have_text("1 公里")
    assert rows.locator(".nearby-name").all_inner_texts() == ["季华五路汽修厂", "祖庙物流有限公司", "汾江中路车行"]
    assert rows.locator(".nearby-distance").all_inner_texts() == ["111 米", "205 米", "500 米"]
    expect(rows.first.locator(".badge.text-bg-info")).to_have_text("A")
    expect(rows.first.locator(".nearby-last-visit")).to_have_text("从未拜访")
    expect(page.locator("#nearby-status")).to_have_text("您的位置附近（± 15 米）。")
    assert fits_the_screen(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nearby-360.png"), full_page=True)
    assert too_small(page) == []  # opens the menu too

    # A larger distance around the same position: the fourth customer joins, last.
    with page.expect_navigation():
        page.locator("label[for=radius-5000]").tap()
    expect(rows).to_have_count(4)
    assert rows.locator(".nearby-distance").all_inner_texts() == ["111 米", "205 米", "500 米", "2.2 公里"]

    # "Plan" puts the customer on the day picked above the list (the plans' own door, answered in place).
    day = page.locator("#plan-day").input_value()
    rows.nth(0).get_by_role("button", name=re.compile("季华五路汽修厂")).tap()
    expect(rows.nth(0).locator(".add-to-plan-message")).to_contain_text("已将季华五路汽修厂安排在")
    from visits.models import RouteStop

    assert list(
        RouteStop.objects.filter(plan__salesperson=people.sales1, plan__day=day).values_list("customer_id", flat=True)
    ) == [around[0].pk]

    # "Log a visit" opens the visit form for that customer.
    with page.expect_navigation():
        rows.nth(1).get_by_role("link", name="记录拜访").tap()
    expect(page).to_have_url(re.compile(rf"/visits/new/\?customer={around[1].pk}$"))


def test_a_refused_position_is_said_and_a_district_can_be_picked(phone, people, around):
    sales1 = phone("sales1")  # no permission to read the position
    page = sales1.page

    sales1.goto("/visits/nearby/")

    expect(page.locator("#nearby-status")).to_have_text(
        "浏览器没有提供您的位置：本网站未获定位权限。请在浏览器设置中允许定位，或在下方选择区域。"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nearby-refused-360.png"), full_page=True)
    page.locator("#nearby-district").select_option("禅城区")
    with page.expect_navigation():
        page.get_by_role("button", name="显示该区域的客户").tap()
    names = page.locator("#nearby-list .nearby-name").all_inner_texts()
    assert names == sorted(["季华五路汽修厂", "祖庙物流有限公司", "汾江中路车行", "石湾五金商行"])
    assert page.locator("#nearby-list .nearby-distance").count() == 0
    assert fits_the_screen(page)

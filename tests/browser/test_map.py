"""Issue #19 on the map: sales1 opens the customer map on a 360-px phone, sees their customers as markers (and
nobody else's), taps one and logs a visit from its card; manager1 at a 1280-px desk moves a pin and sees
sales1's day as numbered check-ins. Tiles: none (the tests' setting), so the markers stand on a plain
background. JOURNEY_SCREENSHOTS=1 keeps screenshots of the key screens in var/test-screenshots/."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.browser.test_daily_journeys import screen
from tests.browser.test_tap_targets import too_small
from tests.visits.factories import VisitFactory

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}


@pytest.fixture
def nanhai(people, owned_tree):
    """Three located customers of sales1 around 南海区 桂城 (a few kilometres apart), one without a position,
    and one of sales3 (another team) in the middle of them."""
    held = {"territory": owned_tree["nanshan_clubs"], "owner": people.sales1}
    customers = {
        "顺达汽修厂": CustomerFactory(
            unit_name="顺达汽修厂",
            intent="A",
            address="桂城街道南海大道1号",
            district="南海区",
            latitude=Decimal("23.030100"),
            longitude=Decimal("113.140200"),
            **held,
        ),
        "嘉禾车行": CustomerFactory(
            unit_name="嘉禾车行",
            intent="C",
            district="南海区",
            latitude=Decimal("23.055000"),
            longitude=Decimal("113.175000"),
            **held,
        ),
        "星河停车场": CustomerFactory(
            unit_name="星河停车场",
            district="南海区",
            latitude=Decimal("23.005000"),
            longitude=Decimal("113.105000"),
            **held,
        ),
    }
    CustomerFactory(unit_name="无坐标公司", **held)
    CustomerFactory(
        unit_name="别组的客户",
        territory=owned_tree["futian_clubs"],
        owner=people.sales3,
        latitude=Decimal("23.032000"),
        longitude=Decimal("113.142000"),
    )
    return customers


def markers_on_the_map(page) -> dict:
    """The pins drawn, by title, and how many customers the clusters hold (a cluster shows its count)."""
    pins = page.locator("#customer-map .map-pin").evaluate_all("(pins) => pins.map((pin) => pin.title)")
    clustered = page.locator("#customer-map .map-cluster").evaluate_all(
        "(clusters) => clusters.reduce((sum, cluster) => sum + Number(cluster.textContent), 0)"
    )
    return {"pins": sorted(pins), "in_clusters": clustered}


def test_sales1_sees_their_customers_on_a_360_px_phone_and_logs_a_visit_from_a_card(login_as, people, nanhai):
    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size({"width": 360, "height": 780})

    browser.goto("/map/")
    expect(page.locator("#customer-map")).to_have_attribute("data-loaded", "true")

    assert markers_on_the_map(page) == {"pins": ["嘉禾车行", "星河停车场", "顺达汽修厂"], "in_clusters": 0}
    expect(page.locator("#map-status")).to_have_text("地图上有 3 个客户。")
    unlocated = page.locator("#map-unlocated")
    expect(unlocated).to_have_text("1 个客户还没有位置。")
    expect(unlocated).to_have_attribute("href", "/customers/?located=false")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screen(browser, "map-360")

    page.locator('#customer-map .map-pin[title="顺达汽修厂"]').tap()
    card = page.locator("#map-card")
    expect(card).to_be_visible()
    expect(card.locator(".map-card-name")).to_have_text("顺达汽修厂")
    expect(card).to_contain_text("意向: A")
    expect(card).to_contain_text("最近拜访: 尚未拜访")
    expect(card).to_contain_text("南海区 桂城街道南海大道1号")
    shunda = nanhai["顺达汽修厂"]
    log = card.get_by_role("link", name="记录拜访")
    expect(log).to_have_attribute("href", f"/visits/new/?customer={shunda.pk}")
    expect(card.get_by_role("link", name="打开客户")).to_have_attribute("href", f"/customers/{shunda.pk}/")
    screen(browser, "map-card-360")
    assert too_small(page) == []  # the markers, the card's buttons, the zoom; then the menu, left open
    page.locator(".navbar-toggler").click()
    expect(page.locator(".navbar-collapse")).not_to_be_visible()

    log.tap()
    page.wait_for_url(f"**/visits/new/?customer={shunda.pk}")
    expect(page.locator("body")).to_contain_text("顺达汽修厂")


def test_the_list_of_customers_without_position_opens_from_the_map(login_as, people, nanhai):
    browser = login_as("sales1")
    page = browser.page
    browser.goto("/map/?intent=")
    expect(page.locator("#customer-map")).to_have_attribute("data-loaded", "true")

    page.locator("#map-unlocated").tap()

    page.wait_for_url("**/customers/?intent=&located=false")
    expect(page.locator("[data-customer-id]")).to_have_count(1)
    expect(page.locator("[data-customer-id]")).to_contain_text("无坐标公司")


def test_manager1_moves_a_pin_at_a_desk_and_the_history_says_so(login_as, people, nanhai):
    browser = login_as("manager1")
    page = browser.page
    page.set_viewport_size(DESK)
    browser.goto("/map/")
    expect(page.locator("#customer-map")).to_have_attribute("data-loaded", "true")
    shunda = nanhai["顺达汽修厂"]

    page.locator('#customer-map .map-pin[title="顺达汽修厂"]').click()
    page.locator("#map-card").get_by_role("button", name="移动标记").click()
    expect(page.locator("#map-card")).to_contain_text("把标记拖到客户所在位置，然后保存。")
    pin = page.locator(".map-pin-editing")
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y, steps=8)
    page.mouse.move(x + 80, y + 40, steps=8)
    page.mouse.up()
    page.locator("#map-card").get_by_role("button", name="保存位置").click()

    expect(page.locator("#map-card")).to_contain_text("顺达汽修厂 的位置已保存。")
    moved = Customer.objects.get(pk=shunda.pk)
    assert moved.longitude > Decimal("113.140200")  # dragged east
    assert moved.latitude < Decimal("23.030100")  # and south
    assert moved.history.latest("history_date").history_user == people.manager1
    screen(browser, "map-pin-1280")


def test_manager1_sees_sales1s_track_at_a_desk(login_as, people, nanhai):
    today = timezone.localdate()

    def at(hour: int, minute: int = 0):
        return timezone.make_aware(datetime.combine(today, time(hour, minute)))

    near = {"accuracy_m": 15, "distance_m": 20}
    VisitFactory(
        salesperson=people.sales1,
        customer=nanhai["顺达汽修厂"],
        visited_at=at(9),
        latitude=Decimal("23.030200"),
        longitude=Decimal("113.140300"),
        **near,
    )
    VisitFactory(
        salesperson=people.sales1,
        customer=nanhai["嘉禾车行"],
        visited_at=at(10, 30),
        latitude=Decimal("23.010000"),
        longitude=Decimal("113.120000"),
        accuracy_m=20,
        distance_m=5_300,
        far_from_customer=True,
        far_reason="客户在仓库",
    )
    VisitFactory(salesperson=people.sales1, customer=nanhai["星河停车场"], visited_at=at(11, 15))  # no position
    VisitFactory(
        salesperson=people.sales1,
        customer=nanhai["星河停车场"],
        visited_at=at(9) - timedelta(days=1),
        latitude=Decimal("23.005000"),
        longitude=Decimal("113.105000"),
    )

    browser = login_as("manager1")
    page = browser.page
    page.set_viewport_size(DESK)
    browser.goto("/")
    page.locator('[data-menu-group="visits"] .dropdown-toggle').click()  # the menu's 拜访 group
    page.get_by_role("link", name="当日轨迹").click()
    expect(page.locator("#track-map")).to_have_attribute("data-loaded", "true")

    expect(page.locator("#track-notice")).to_contain_text("这里只显示签到")
    expect(page.locator("#track-salesperson")).to_have_value(str(people.sales1.pk))
    expect(page.locator("#track-map .map-stop")).to_have_count(2)
    expect(page.locator("#track-map .map-stop-flagged")).to_have_text("2")
    expect(page.locator("#track-map path.map-track-line")).to_have_count(1)
    rows = page.locator(".track-stop")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("顺达汽修厂")
    expect(rows.nth(1).locator(".trust-flag")).to_contain_text("5.3 公里")
    expect(rows.nth(2).locator(".trust-flag")).to_have_text("手机未提供位置。")
    screen(browser, "track-1280")

    page.locator("#track-map .map-stop-flagged").click()
    expect(rows.nth(1)).to_have_class("list-group-item track-stop track-stop-current")


def test_sales1_plans_visits_from_the_map_for_the_day_picked_above_it(login_as, people, nanhai):
    """#19 done-when: tomorrow's visits planned from the map. Each pin's card has "Plan", which adds the customer
    to the day picked above the map through the plans' own door; a second tap on the same customer is told."""
    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size({"width": 360, "height": 780})
    browser.goto("/map/")
    expect(page.locator("#customer-map")).to_have_attribute("data-loaded", "true")
    day = page.locator("#plan-day").input_value()  # the next working day, as every day picker starts

    for name in ("顺达汽修厂", "嘉禾车行"):
        page.locator(f'#customer-map .map-pin[title="{name}"]').tap()
        card = page.locator("#map-card")
        expect(card.locator(".map-card-name")).to_have_text(name)
        card.get_by_role("button", name="计划").tap()
        expect(card.locator(".map-card-message")).to_contain_text(f"已将{name}安排在")
        card.locator(".map-card-close").tap()
    page.locator('#customer-map .map-pin[title="顺达汽修厂"]').tap()
    with browser.refused(400):
        page.locator("#map-card").get_by_role("button", name="计划").tap()
        expect(page.locator("#map-card .map-card-message")).to_contain_text("顺达汽修厂 已安排在")
    screen(browser, "map-plan-360")

    from visits.models import RouteStop

    planned = list(
        RouteStop.objects.filter(plan__salesperson=people.sales1, plan__day=day).values_list("customer_id", flat=True)
    )
    assert sorted(planned) == sorted([nanhai["顺达汽修厂"].pk, nanhai["嘉禾车行"].pk])

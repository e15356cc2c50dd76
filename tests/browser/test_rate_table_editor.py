"""Issue #21, done when: an admin edits a rate table and the next quote uses it. At a desk (1280 × 800), in
English: the admin types a band that overlaps the one before, is told which rows while typing, fixes it,
changes the band's rate, saves, and a quote made next shows the new amount."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.service_tools.models import Quote
from tests.accounts.factories import CustomerFactory
from tests.accounts.service_tools.fixtures import car  # noqa: F401
from tests.browser.conftest import REPORT_CSP_VIOLATIONS, SCREENSHOTS, BrowserPage

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def desk_page(request, chromium, live_server) -> Iterator[BrowserPage]:
    """As tests/browser/conftest.py's browser_page, on a desk-sized page in English."""
    context = chromium.new_context(locale="en-US", timezone_id=settings.TIME_ZONE, **DESK)
    context.set_default_timeout(15_000)
    page = context.new_page()
    browser_page = BrowserPage(page=page, base_url=live_server.url)
    context.expose_function("__reportCspViolation", lambda text: browser_page.problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda message: message.type == "error" and browser_page.problems.append(message.text))
    page.on("pageerror", lambda error: browser_page.problems.append(f"uncaught: {error}"))
    yield browser_page
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    if failed or browser_page.problems:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    if browser_page.problems and not failed:
        pytest.fail("the browser reported problems:\n" + "\n".join(browser_page.problems), pytrace=False)


def test_the_admin_edits_a_band_and_the_next_quote_uses_it(desk_page, people, owned_tree, car):  # noqa: F811
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")
    damage = car.coverage_map["damage"].rate_tables.get()
    page = desk_page.page
    desk_page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", settings.CRM["DEMO_PASSWORD"])
    with page.expect_navigation():
        page.click("button[type=submit]")

    # From the price tables to the 车损险 table's editor.
    desk_page.goto(f"/service/products/{car.pk}/")
    with page.expect_navigation():
        page.locator(f"#table-{damage.pk}").get_by_role("link", name="Edit the bands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate table of 车损险")

    # Row 2 typed to start inside row 1: the problem, naming both rows, appears while typing.
    start = page.get_by_label("Row 2: from")
    start.fill("")
    start.press_sequentially("90000", delay=30)
    problems = page.locator("#band-problems")
    expect(problems).to_contain_text("Rows 1 and 2 overlap: row 2 starts at 90000, before row 1 ends at 100000.")
    page.screenshot(path=str(SCREENSHOTS / "rate-table-editor-overlap.png"), full_page=True)

    # Fixed, and the band's rate raised from 1.05 % to 1.10 %.
    start.fill("")
    start.press_sequentially("100000", delay=30)
    expect(problems).to_contain_text("The bands run end to end: no gap, no overlap.")
    page.get_by_label("Row 2: rate").fill("1.10")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the rate table").click()
    expect(page.locator("#messages")).to_contain_text("Rate table of 车损险 saved: 3 bands")
    expect(page.locator(f"#table-{damage.pk}")).to_contain_text("1.1%")

    # The next quote: 5 seats, vehicle ¥158,000, 三者 ¥1,000,000, every coverage.
    # 950 + (600 + 158000 × 1.10% = 2338.00) + 1350 + 250 + 752 = 5640.00
    desk_page.goto(f"/service/quotes/new/?customer={customer.pk}&product={car.pk}")
    page.get_by_label("Seats").fill("5")
    page.get_by_label("Vehicle value (CNY)").fill("158000")
    page.get_by_label("第三者责任险: sum insured (CNY)").fill("1000000")
    page.get_by_role("button", name="Calculate").click()
    breakdown = page.locator("#breakdown")
    expect(breakdown).to_contain_text("2338.00")
    expect(breakdown).to_contain_text("5640.00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save quote").click()
    expect(page).to_have_url(re.compile(r"/service/quotes/\d+/$"))
    quote = Quote.objects.get()
    assert quote.total == quote.subtotal
    assert str(quote.total) == "5640.00"
    assert [line["premium"] for line in quote.lines if line["coverage"] == "damage"] == ["2338.00"]
    page.screenshot(path=str(SCREENSHOTS / "rate-table-editor-quote.png"), full_page=True)

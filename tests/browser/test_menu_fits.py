"""The menu fits a desk's screen (issue #21 item 1): at 1280 × 800 and 1920 × 1080, in Chinese and English,
for every role, on every page the role's menu opens. The boxes are measured (getBoundingClientRect): no
label of the bar wraps, nothing lies beyond the window's right edge, the page is no wider than the
window, sign-out is reachable. At 360 px the phone menu opens and lists the same groups.

One browser for the run, one sign-in per role; the language is switched with Django's language cookie.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from crm.models import Notification
from crm.navigation import menu_for, nav_items_for
from tests.browser.conftest import REPORT_CSP_VIOLATIONS
from tests.roles import ROLE_USERS

pytestmark = pytest.mark.browser

DESKS = ({"width": 1280, "height": 800}, {"width": 1920, "height": 1080})
PHONE = {"width": 360, "height": 740}
LANGUAGES = ("zh-hans", "en")

# Problems of the bar on the page as it is shown, as readable lines; [] when it fits.
MEASURE_BAR = """() => {
  const width = window.innerWidth;
  const problems = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) { problems.push(`the page is ${page} px wide in a ${width} px window`); }
  const items = [...document.querySelectorAll("#menu-groups > li, #user-nav > li")];
  const name = (li) => (li.querySelector(".nav-label") || li).textContent.trim().replace(/\\s+/g, " ");
  const rows = new Set();
  items.forEach((li) => {
    const box = li.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) { problems.push(`${name(li)}: not shown`); return; }
    if (box.left < 0 || box.right > width) {
      problems.push(`${name(li)}: ${Math.round(box.left)}–${Math.round(box.right)} px, beyond the ${width} px window`);
    }
    rows.add(Math.round(box.top));
    const label = li.querySelector(".nav-label");
    const line = parseFloat(getComputedStyle(label).lineHeight);
    const labelBox = label.getBoundingClientRect();
    if (label.getClientRects().length > 1 || labelBox.height > line * 1.5) {
      problems.push(`${name(li)}: the label wraps (${Math.round(labelBox.height)} px high, a line is ${line} px)`);
    }
  });
  if (rows.size > 1) { problems.push(`the bar runs on ${rows.size} rows`); }
  return {problems, groups: document.querySelectorAll("#menu-groups > li").length};
}"""

# An open dropdown lies inside the window and none of its entries wraps.
MEASURE_OPEN_MENU = """(menu) => {
  const problems = [];
  const box = menu.getBoundingClientRect();
  if (box.left < 0 || box.right > window.innerWidth || box.bottom > window.innerHeight) {
    problems.push(`menu at ${Math.round(box.left)}–${Math.round(box.right)} × ${Math.round(box.bottom)} px`);
  }
  menu.querySelectorAll(".dropdown-item").forEach((item) => {
    const line = parseFloat(getComputedStyle(item).lineHeight);
    const range = document.createRange();
    range.selectNodeContents(item);
    if (range.getClientRects().length > 1 && range.getBoundingClientRect().height > line * 1.5) {
      problems.push(`${item.textContent.trim()}: wraps`);
    }
  });
  return problems;
}"""


@pytest.fixture
def crowded_people(people):
    """The worst the bar has to hold: a long name and a count on the bell for each role's user."""
    for username in ROLE_USERS.values():
        user = getattr(people, username)
        user.last_name, user.first_name = "Montgomery-Fairweather", "Alexandra"
        user.save(update_fields=["last_name", "first_name"])
        Notification.objects.bulk_create(
            Notification(recipient=user, kind="test", text=f"Reminder {n}") for n in range(12)
        )
    return people


class Desk:
    """One signed-in browser context for one user, with what went wrong in it."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.page: Page = context.new_page()
        self.problems: list[str] = []
        context.expose_function("__reportCspViolation", lambda text: self.problems.append(f"CSP: {text}"))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def sign_in(self, username: str) -> None:
        self.page.goto(self.base_url + "/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", settings.CRM["DEMO_PASSWORD"])
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")

    def speak(self, language: str) -> None:
        self.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.base_url}])

    def open(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, path


@pytest.fixture
def desk(chromium, live_server, request):
    desks: list[Desk] = []

    def make(username: str) -> Desk:
        context = chromium.new_context(locale="zh-CN", timezone_id=settings.TIME_ZONE, viewport=DESKS[0])
        context.set_default_timeout(15_000)
        made = Desk(context, live_server.url)
        made.sign_in(username)
        desks.append(made)
        return made

    yield make
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for made in desks:
        if failed:
            from tests.browser.conftest import SCREENSHOTS

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = f"menu-fits-{request.node.name}-{made.page.viewport_size['width']}.png"
            made.page.screenshot(path=str(SCREENSHOTS / name))
        made.context.close()
        if made.problems and not failed:
            pytest.fail("the browser reported problems:\n" + "\n".join(made.problems), pytrace=False)


def _menu_paths(page: Page) -> list[str]:
    return page.eval_on_selector_all("#menu-groups a[href]", "(links) => links.map((a) => a.getAttribute('href'))")


def _sign_out_reachable(page: Page, viewport: dict) -> list[str]:
    page.click("#user-menu .dropdown-toggle")
    sign_out = page.locator("#user-menu .js-logout-form button")
    expect(sign_out).to_be_visible()
    box = sign_out.bounding_box()
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()
    if box["x"] + box["width"] > viewport["width"] or box["y"] + box["height"] > viewport["height"]:
        return [f"sign-out at {box}, outside the window"]
    return []


def _open_menus_fit(page: Page) -> list[str]:
    problems = []
    for toggle in page.locator("#menu-groups .dropdown-toggle").all():
        toggle.click()
        menu = toggle.locator("xpath=following-sibling::ul[contains(@class, 'dropdown-menu')]")
        expect(menu).to_be_visible()
        problems += [f"{toggle.inner_text()}: {problem}" for problem in menu.evaluate(MEASURE_OPEN_MENU)]
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
    return problems


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_the_menu_fits_a_desk_on_every_page_of_the_role_in_both_languages(desk, crowded_people, role):
    user = getattr(crowded_people, ROLE_USERS[role])
    browser = desk(user.username)
    page = browser.page
    paths = _menu_paths(page)
    assert paths == [reverse(item.url_name) for item in nav_items_for(user)]

    problems: list[str] = []
    for language in LANGUAGES:
        browser.speak(language)
        for number, path in enumerate(paths):
            browser.open(path)
            assert page.get_attribute("html", "lang") == language
            for viewport in DESKS:
                page.set_viewport_size(viewport)
                where = f"{language} {viewport['width']}×{viewport['height']} {path}"
                bar = page.evaluate(MEASURE_BAR)
                assert bar["groups"] <= 7, where
                problems += [f"{where}: {problem}" for problem in bar["problems"]]
                problems += [f"{where}: {problem}" for problem in _sign_out_reachable(page, viewport)]
                if number == 0:  # the dropdowns are the same on every page
                    problems += [f"{where}: {problem}" for problem in _open_menus_fit(page)]
            page.set_viewport_size(DESKS[0])

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_the_phone_menu_lists_the_same_groups(desk, crowded_people, role):
    user = getattr(crowded_people, ROLE_USERS[role])
    browser = desk(user.username)
    page = browser.page
    page.set_viewport_size(PHONE)

    for language in LANGUAGES:
        browser.speak(language)
        browser.open(reverse("notifications"))
        expect(page.locator("#menu-groups")).to_be_hidden()
        page.click(".navbar-toggler")
        expect(page.locator("nav .navbar-collapse.show")).to_be_visible()
        expect(page.locator("nav .collapsing")).to_have_count(0)

        with translation.override(language):
            groups = [str(group.label) for group in menu_for(user, "/")]
        assert page.locator(".menu-phone-heading").all_inner_texts() == groups
        links = page.locator("#menu-phone a.nav-link")
        assert links.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))") == [
            reverse(item.url_name) for item in nav_items_for(user)
        ]
        assert (
            links.evaluate_all(
                "(links) => links.filter((a) => { const b = a.getBoundingClientRect();"
                " return b.width < 1 || b.left < 0 || b.right > innerWidth; }).length"
            )
            == 0
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.click("#user-menu .dropdown-toggle")
        expect(page.locator("#user-menu .js-logout-form button")).to_be_visible()


def test_the_group_dropdowns_work_from_the_keyboard(desk, crowded_people):
    page = desk(crowded_people.manager1.username).page
    toggle = page.locator('[data-menu-group="deals"] .dropdown-toggle')

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == reverse("deals:deal_list")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == reverse("deals:receivables")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith(reverse("deals:receivables"))
    deals = page.locator('#menu-groups [data-menu-group="deals"]')
    assert deals.locator(".dropdown-toggle").get_attribute("aria-current") == "true"
    assert deals.locator('[aria-current="page"]').get_attribute("href") == reverse("deals:receivables")

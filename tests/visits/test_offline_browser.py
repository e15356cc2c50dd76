"""The field app in a phone-sized Chromium with the network switched off and on (Playwright).

Visits logged offline wait on the phone and arrive once when the signal returns; a replayed sync
creates nothing; a visit for a customer reassigned meanwhile is shown as a conflict, not lost.
"""

import io
import os
import shutil
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image

from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory
from visits.models import Visit, VisitPhoto

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian Chromium"),
]


@pytest.fixture(autouse=True)
def _channel_types(transactional_db):
    """live_server's tests flush the database, which removes what the data migration seeded."""
    from territories.models import ChannelType

    for code, name in (("car-clubs", "车友俱乐部和协会"), ("smes", "中小企业")):
        ChannelType.objects.get_or_create(code=code, defaults={"name": name})


@pytest.fixture
def customers(owned_tree):
    return {
        "shunda": CustomerFactory(
            unit_name="顺达汽修厂",
            territory=owned_tree["nanshan_clubs"],
            latitude=Decimal("22.533000"),
            longitude=Decimal("113.930000"),
        ),
        "jiayuan": CustomerFactory(unit_name="佳园车友会", territory=owned_tree["nanshan_clubs"]),
    }


@pytest.fixture
def browser(chromium):
    return chromium  # the session's one Chromium (tests/conftest.py)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def phone_as(browser, live_server, user):
    """A phone-sized page logged in as ``user``, standing 111 m from 顺达 with a 20 m fix."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation={"latitude": 22.534, "longitude": 113.93, "accuracy": 20},
        permissions=["geolocation"],
        bypass_csp=True,  # lets the test poll with wait_for_function; the pages run no inline code
    )
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


def open_visit_form(page, live_server):
    with page.expect_response(lambda response: "/api/offline/customers/" in response.url):
        page.goto(f"{live_server.url}/visits/new/")
    page.wait_for_function("document.querySelector('#id_latitude').value !== ''")


def log_offline(page, name, photo=None):
    page.fill("#customer-search", name[:2])
    page.click(f"#customer-results label:has-text('{name}')")
    page.click("label[for='material-business_card']")
    if photo:
        page.set_input_files("#id_photos", str(photo))
    page.click("button.js-submit-once")


def pending_count(page):
    return page.locator(".js-pending-item").count()


def test_two_visits_logged_offline_arrive_once(browser, live_server, people, customers, media):
    photo = media / "card.png"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)

    context.set_offline(True)
    log_offline(page, "顺达汽修厂", photo=photo)
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 1")
    log_offline(page, "佳园车友会", photo=photo)
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 2")

    # "N 条待发送" once the catalogue has it (regenerated at merge); the number is what counts here.
    assert page.inner_text(".js-sync-count").startswith("2 ")
    assert Visit.objects.count() == 0

    context.set_offline(False)
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 0", timeout=15000)
    assert page.inner_text(".js-sync-count").startswith("0 ")
    visits = list(Visit.objects.order_by("customer__unit_name").select_related("customer"))
    assert sorted(v.customer.unit_name for v in visits) == ["佳园车友会", "顺达汽修厂"]
    shunda = next(v for v in visits if v.customer_id == customers["shunda"].pk)
    jiayuan = next(v for v in visits if v.customer_id == customers["jiayuan"].pk)
    assert (shunda.distance_m, shunda.far_from_customer, shunda.verified, shunda.accuracy_m) == (111, False, True, 20)
    # 佳园 had no location: this precise check-in sets it.
    assert (jiayuan.distance_m, jiayuan.verified) == (0, True)
    assert VisitPhoto.objects.filter(visit__in=visits).count() == 2

    # A replay of the same entries creates nothing.
    items = [{"client_id": str(v.client_id), "customer": v.customer_id} for v in visits]
    answer = page.evaluate(
        """async (items) => {
            const body = new FormData();
            body.append("items", JSON.stringify(items));
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const response = await fetch("/api/visits/sync/", {method: "POST", body, headers: {"X-CSRFToken": token}});
            return response.json();
        }""",
        items,
    )
    assert [result["status"] for result in answer["results"]] == ["duplicate", "duplicate"]
    assert Visit.objects.count() == 2

    # The manager sees them once, with the check-in distance.
    manager_context, manager_page = phone_as(browser, live_server, people.manager1)
    manager_page.goto(f"{live_server.url}/visits/")
    text = manager_page.inner_text("main")
    assert text.count("顺达汽修厂") == 1
    assert text.count("佳园车友会") == 1
    assert "111 米" in text
    manager_context.close()
    context.close()


def test_a_visit_for_a_customer_reassigned_meanwhile_is_shown_as_a_conflict(
    browser, live_server, people, customers, owned_tree
):
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)

    context.set_offline(True)
    log_offline(page, "顺达汽修厂")
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 1")
    assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=people.sales2, assigned_by=people.admin)
    context.set_offline(False)

    page.wait_for_selector(".js-problem-item[data-reason='out_of_scope']", timeout=15000)
    assert Visit.objects.count() == 0
    assert "顺达汽修厂" in page.inner_text(".js-sync-problems")
    # Still on the phone after a reload: never silently dropped.
    page.reload()
    page.wait_for_selector(".js-problem-item[data-reason='out_of_scope']")
    context.close()


def test_logout_clears_the_offline_copy(browser, live_server, people, customers):
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const request = indexedDB.open("crm-offline");
            request.onsuccess = () => {
                const tx = request.result.transaction("customers");
                const count = tx.objectStore("customers").count();
                count.onsuccess = () => { request.result.close(); resolve(count.result === 2); };
            };
        })"""
    )

    page.click(".navbar-toggler")  # the phone-width menu
    # The menu slides open: click inside it once it has finished (a click during the slide is lost).
    page.locator(".navbar-collapse.show").wait_for()
    page.wait_for_function("() => !document.querySelector('nav .collapsing')")
    page.click("#user-menu .dropdown-toggle")
    page.locator(".js-logout-form button").wait_for(state="visible")
    page.click(".js-logout-form button")
    page.wait_for_url(lambda url: "/visits/new/" not in url)
    databases = page.evaluate("async () => (await indexedDB.databases()).map((db) => db.name)")

    assert "crm-offline" not in databases
    context.close()

"""Photos as a salesperson takes them on the phone: uploaded through the pages, shown on the customer's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import CustomerFactory
from tests.files import jpeg

LOADED = "image => image.complete && image.naturalWidth > 0"


@pytest.mark.browser
def test_the_business_card_and_visit_photos_show_on_the_customers_page(login_as, people, routed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    card, photo = tmp_path / "card.jpg", tmp_path / "photo.jpg"
    card.write_bytes(jpeg((20, 60, 200), size=(600, 360)))
    photo.write_bytes(jpeg((200, 60, 20), size=(800, 600)))
    customer = CustomerFactory(unit_name="顺达汽修厂", territory=routed["nanshan_clubs"], owner=people.sales1)
    browser = login_as("sales1")
    page = browser.page

    browser.goto(f"/customers/{customer.pk}/edit/")
    page.set_input_files("#id_business_card_upload", str(card))
    with page.expect_navigation():
        page.get_by_role("button", name="保存").tap()
    browser.goto(f"/visits/new/?customer={customer.pk}")
    page.set_input_files("#id_photos", str(photo))
    with page.expect_navigation():
        page.get_by_role("button", name="保存拜访").tap()
    expect(page).to_have_url(re.compile(r"/visits/today/$"))
    browser.goto(customer.get_absolute_url())

    business_card = page.get_by_role("img", name="个人名片")
    visit_photo = page.locator("#visit-timeline img.visit-photo")
    expect(visit_photo).to_have_count(1)
    business_card.scroll_into_view_if_needed()
    visit_photo.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert business_card.evaluate(LOADED) is True
    assert visit_photo.evaluate(LOADED) is True
    assert visit_photo.evaluate("image => image.naturalWidth") == 800

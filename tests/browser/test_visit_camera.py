"""Proof of the visit on a 360-px phone: sales1 takes a photo with the in-page camera (Chromium's fake
camera), saves the visit and sees the stamped photo; manager1 sees its thumbnail in the team review
and opens the full size (on the visit's page)."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.accounts.factories import CustomerFactory
from visits.models import VisitPhoto
from visits.tasks import make_visit_photo_thumbnails_task

LOADED = "image => image.complete && image.naturalWidth > 0"
SMALL_PHONE = {"width": 360, "height": 780}


@pytest.mark.browser
def test_a_camera_photo_is_stamped_shown_on_the_visit_and_in_the_team_review(
    login_as, people, routed, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = CustomerFactory(unit_name="顺达汽修厂", territory=routed["nanshan_clubs"], owner=people.sales1)
    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size(SMALL_PHONE)
    page.context.grant_permissions(["camera"])

    browser.goto(f"/visits/new/?customer={customer.pk}")
    expect(page.locator("#id_camera_photos")).to_be_hidden()  # the in-page camera replaces the file input
    page.get_by_role("button", name="打开相机").tap()
    video = page.locator("#visit-camera video")
    expect(video).to_be_visible()
    page.wait_for_function("() => document.querySelector('#visit-camera video').videoWidth > 0")
    page.get_by_role("button", name="拍下这张").tap()
    expect(page.locator(".visit-camera-preview img")).to_have_count(1)
    expect(page.locator(".js-camera-status")).to_have_text("已拍照片：1 张")
    assert page.evaluate("() => document.getElementById('id_camera_photos').files.length") == 1
    with page.expect_navigation():
        page.get_by_role("button", name="保存拜访").tap()
    expect(page).to_have_url(re.compile(r"/visits/today/$"))

    photo = VisitPhoto.objects.get()
    assert photo.source == VisitPhoto.Source.CAMERA and photo.taken_at is not None
    with Image.open(photo.original.path) as original, Image.open(photo.image.path) as stamped:
        assert stamped.width == original.width and stamped.height > original.height  # the band below

    # From "My day" to the visit: the stamped photo, full width.
    with page.expect_navigation():
        page.get_by_role("link", name="顺达汽修厂").tap()
    expect(page).to_have_url(re.compile(rf"/visits/{photo.visit_id}/$"))
    shown = page.locator("#visit-photos img")
    expect(shown).to_have_count(1)
    expect(page.locator("#visit-photos figcaption")).to_contain_text("相机拍摄")
    shown.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=shown.element_handle())
    assert shown.evaluate("image => [image.naturalWidth, image.naturalHeight]") == [stamped.width, stamped.height]
    assert shown.evaluate("image => image.getBoundingClientRect().width") <= SMALL_PHONE["width"]

    # The worker makes the thumbnail after the commit; here the test plays the worker.
    make_visit_photo_thumbnails_task([photo.pk])

    browser = login_as("manager1")  # on a phone of his own
    page = browser.page
    page.set_viewport_size(SMALL_PHONE)
    browser.goto("/visits/")
    thumbnail = page.locator(f'a[href="/visits/{photo.visit_id}/#photo-{photo.pk}"] img.visit-photo')
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=thumbnail.element_handle())
    assert max(thumbnail.evaluate("image => [image.naturalWidth, image.naturalHeight]")) == 320
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SMALL_PHONE["width"]

    # A tap opens the photo full size, on the visit's page.
    with page.expect_navigation():
        thumbnail.tap()
    expect(page).to_have_url(re.compile(rf"/visits/{photo.visit_id}/#photo-{photo.pk}$"))
    full = page.locator(f"#photo-{photo.pk} img")
    full.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=full.element_handle())
    assert full.evaluate("image => image.currentSrc").endswith(f"/visits/photos/{photo.pk}/")
    assert full.evaluate("image => [image.naturalWidth, image.naturalHeight]") == [stamped.width, stamped.height]


@pytest.mark.browser
def test_a_camera_photo_taken_without_signal_arrives_as_a_camera_photo(
    chromium, live_server, people, routed, settings, tmp_path
):
    from tests.visits.test_offline_browser import open_visit_form, phone_as

    settings.MEDIA_ROOT = tmp_path / "media"
    CustomerFactory(unit_name="顺达汽修厂", territory=routed["nanshan_clubs"], owner=people.sales1)
    context, page = phone_as(chromium, live_server, people.sales1)
    context.grant_permissions(["camera", "geolocation"])
    page.set_viewport_size(SMALL_PHONE)
    open_visit_form(page, live_server)

    context.set_offline(True)
    page.fill("#customer-search", "顺达")
    page.click("#customer-results label:has-text('顺达汽修厂')")
    page.get_by_role("button", name="打开相机").click()
    page.wait_for_function("() => document.querySelector('#visit-camera video').videoWidth > 0")
    page.get_by_role("button", name="拍下这张").click()
    page.wait_for_function("() => document.getElementById('id_camera_photos').files.length === 1")
    page.click("button.js-submit-once")
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 1")
    # The form is ready for the next visit: the pictures went with the queued one.
    assert page.locator(".visit-camera-preview").count() == 0
    assert page.evaluate("() => document.getElementById('id_camera_photos').files.length") == 0

    context.set_offline(False)
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 0", timeout=15000)
    photo = VisitPhoto.objects.get()
    assert photo.source == VisitPhoto.Source.CAMERA
    context.close()

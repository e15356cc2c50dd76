"""Two-step verification in a real browser: the enrolment page's QR code (an SVG data: image) loads
under the CSP, and a manager whose role requires it goes from the password to the morning meeting."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import TOTP


@pytest.mark.browser
def test_a_manager_sets_up_two_step_verification_on_first_login(login_as, settings):
    settings.CRM_MFA_REQUIRED_ROLES = ["manager"]

    browser_page = login_as("manager1")

    page = browser_page.page
    assert browser_page.path().startswith("/mfa/setup/")
    assert page.evaluate("document.querySelector('img.mfa-qr').naturalWidth") > 0
    key = b32decode(page.inner_text("code.user-select-all").replace(" ", ""))
    page.fill("#id_code", f"{TOTP(key).token():06d}")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".mfa-backup-codes li").count() == 10
    with page.expect_navigation():
        page.click("text=继续")
    assert browser_page.path() == "/dashboard/"

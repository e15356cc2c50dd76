"""#23 item 4 on a 360-px phone: sales1 chooses to have routed inquiries posted in the team's WeCom group, reads
the inbox, opens a message (read, and on to its page) and marks the rest read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm.models import Notification
from crm.services import notify


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_sales1_sets_how_she_is_told_and_works_through_the_inbox_on_the_phone(phone, people, settings):
    settings.CRM = {**settings.CRM, "NOTIFY_CHANNELS": ["email", "wecom_robot"]}
    people.team_one.wecom_robot_url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=never-called"
    people.team_one.save()
    for number in range(34):
        notify(recipient=people.sales1, kind="approval_decided", text=f"审批结果 {number}")
    routed = notify(recipient=people.sales1, kind="phone_inquiry", text="新的来电咨询：顺达汽修厂", link="/inquiries/")
    sales1 = phone("sales1")
    page = sales1.page

    sales1.goto("/notifications/settings/")
    expect(page.locator("#phone_inquiry-email")).to_be_disabled()  # no e-mail address on file
    page.locator("#phone_inquiry-wecom_robot").tap()
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").tap()
    expect(page.locator("#messages")).to_have_text("通知设置已保存。")
    people.sales1.refresh_from_db()
    assert people.sales1.notification_channels["phone_inquiry"] == ["wecom_robot"]

    sales1.goto("/notifications/")
    expect(page.locator("#inbox .list-group-item")).to_have_count(30)
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_role("button", name="全部标为已读").tap()
    expect(page.locator("#messages")).to_have_text("已将 35 条标为已读。")
    assert Notification.objects.filter(recipient=people.sales1, read_at__isnull=True).count() == 0

    Notification.objects.filter(pk=routed.pk).update(read_at=None)
    sales1.goto("/notifications/")
    expect(page.locator("#inbox .fw-semibold")).to_have_count(1)  # the one unread, in bold
    with page.expect_navigation():
        page.locator("#inbox .list-group-item").filter(has_text="顺达汽修厂").tap()
    expect(page).to_have_url(re.compile(r"/inquiries/$"))
    assert Notification.objects.get(pk=routed.pk).read_at is not None

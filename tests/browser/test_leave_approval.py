"""Leave 请假 on the phone (360 px): sales1 asks for Friday off, manager1 approves it from the inbox, and
Friday raises no shortfall for sales1."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Approval, User
from tests.browser.test_daily_journeys import rename, screen
from visits.models import Leave, QuotaShortfall
from visits.services import check_visit_quotas

NARROW_PHONE = {"width": 360, "height": 760}


@pytest.mark.browser
def test_sales1_asks_for_leave_on_friday_and_manager1_approves_it_from_the_inbox(login_as, people):
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    rename(people.sales1, "李", "娜")
    rename(people.manager1, "张", "伟")
    today = timezone.localdate()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)

    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size(NARROW_PHONE)
    page.get_by_role("button", name="菜单").tap()
    page.get_by_role("link", name="请假", exact=True).tap()
    expect(page.locator("h1")).to_have_text("请假")
    page.get_by_label("第一天").fill(friday.isoformat())
    page.get_by_label("原因").fill("看病")
    screen(browser, "leave-1-ask")
    with page.expect_navigation():
        page.get_by_role("button", name="发送申请").tap()
    expect(page.locator("#messages")).to_have_text(f"已提交请假：{friday.isoformat()} 看病。等待 张伟 审批。")
    expect(page.locator("#leave-requests li")).to_have_text(
        [re.compile(rf"{friday.isoformat()} 看病\s+等待 张伟 审批\s+待审批")]
    )
    screen(browser, "leave-2-asked")

    browser = login_as("manager1")  # on a phone of his own
    page = browser.page
    page.set_viewport_size(NARROW_PHONE)
    expect(page.locator("#pending-approvals-alert")).to_contain_text("1 个申请等待您审批。")
    page.locator("#pending-approvals-alert").get_by_role("link", name="去审批").tap()
    expect(page.locator("h1")).to_have_text("审批")
    request = page.locator("#to-decide li")
    expect(request).to_have_count(1)
    expect(request).to_contain_text(f"请假: {friday.isoformat()} 看病")
    screen(browser, "leave-3-inbox")
    with page.expect_navigation():
        request.get_by_role("button", name="批准").tap()
    expect(page.locator("#messages")).to_have_text(f"已批准：{friday.isoformat()} 看病")
    expect(page.locator("#to-decide-count")).to_have_text("0")
    screen(browser, "leave-4-approved")

    approval = Approval.objects.get()
    assert (approval.state, approval.decided_by) == ("approved", people.manager1)
    assert Leave.objects.filter(salesperson=people.sales1, start_day=friday, end_day=friday).count() == 1
    check_visit_quotas(day=friday)
    assert not QuotaShortfall.objects.filter(salesperson=people.sales1, day=friday).exists()
    assert QuotaShortfall.objects.filter(salesperson=people.sales2, day=friday).exists()

"""Issue #22's first journey, in the Chinese interface at phone size: info1 builds a segment of private car owners
renewing next month (its live count moving as the filters are chosen), turns it into a call list for the two
callers of the telemarketing channel; a caller works the screen with the keyboard only, and the callee's
"interested" reaches the salesperson who holds the customer's territory."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.customers.models import Customer
from campaigns.models import CallAttempt, CallEntry, CallList, PhoneInquiry, Segment
from crm.models import User
from tests.accounts.factories import CustomerFactory
from tests.browser.test_daily_journeys import rename, screen


@pytest.mark.browser
def test_info_staff_turn_a_segment_into_a_call_list_and_a_callers_interested_reaches_the_salesperson(
    login_as, people, telemarketing
):
    rename(people.sales1, "李", "娜")
    rename(people.sales2, "王", "芳")
    rename(people.sales3, "赵", "强")
    tree = telemarketing.tree
    next_month = timezone.localdate().month % 12 + 1
    owner = CustomerFactory(
        unit_name="陈先生（私家车主）", phone="+8613711110001", district="南山区", vehicle_type="private_car",
        vehicle_count=1, renewal_month=next_month, territory=tree["nanshan_clubs"], owner=people.sales1,
    )  # fmt: skip
    CustomerFactory(
        unit_name="刘女士（私家车主）", phone="+8613711110002", district="福田区", vehicle_type="private_car",
        renewal_month=next_month, territory=tree["futian_clubs"], owner=people.sales3,
    )  # fmt: skip
    CustomerFactory(
        unit_name="周先生（私家车主）", phone="+8613711110003", district="南山区", vehicle_type="private_car",
        renewal_month=(next_month % 12) + 1, territory=tree["nanshan_clubs"], owner=people.sales1,
    )  # fmt: skip
    CustomerFactory(
        unit_name="蓝海物流", phone="+8613711110004", district="南山区", vehicle_type="truck", renewal_month=next_month,
        territory=tree["nanshan_smes"], owner=people.sales2,
    )  # fmt: skip

    # --- info1 builds the segment, watching the count --------------------------------------------------
    browser = login_as("info1")
    page = browser.page
    browser.goto("/segments/new/")
    expect(page.locator("h1")).to_have_text("新建客户细分")
    expect(page.locator("#segment-count-value")).to_have_text("4")
    page.get_by_label("细分名称").fill("私家车主 下月续保")
    page.get_by_label("私家车", exact=True).check()
    expect(page.locator("#segment-count-value")).to_have_text("3")
    page.get_by_label("续保月份").select_option("next_month")
    expect(page.locator("#segment-count-value")).to_have_text("2")
    screen(browser, "22-segment")
    with page.expect_navigation():
        page.get_by_role("button", name="保存客户细分").click()
    segment = Segment.objects.get()
    assert segment.criteria == {"vehicle_types": ["private_car"], "renewal": "next_month"}

    # --- … and turns it into a call list for the channel's two callers --------------------------------
    with page.expect_navigation():
        page.get_by_role("link", name="建立电话营销名单").click()
    expect(page.get_by_label("号码来自客户细分")).to_have_value(str(segment.pk))
    page.get_by_label("名单名称").fill("私家车主下月续保")
    page.get_by_label("王芳").check()
    page.get_by_label("赵强").check()
    page.get_by_label("话术").fill("您好，我是天安财险的客服，您的爱车下个月保险到期。")
    with page.expect_navigation():
        page.get_by_role("button", name="保存名单").click()
    call_list = CallList.objects.get()
    expect(page.locator("#messages")).to_have_text("名单已保存，共 2 个号码，分配给 2 名话务员。")
    expect(page.locator("#call-progress tbody tr")).to_have_count(2)
    screen(browser, "22-call-list")
    assert list(
        CallEntry.objects.filter(call_list=call_list).order_by("position").values_list("phone", "caller__username")
    ) == [("+8613711110001", "sales2"), ("+8613711110002", "sales3")]

    # --- 王芳 (sales2) calls, hands on the keyboard ----------------------------------------------------
    page = login_as("sales2").page  # on a device of their own
    browser.goto("/calls/")
    expect(page.locator("h1")).to_have_text("电话营销")
    expect(page.locator("#next-call")).to_be_focused()
    page.keyboard.press("n")
    expect(page.locator("#call-phone")).to_have_text("137 1111 0001")
    expect(page.locator("#call-script")).to_contain_text("您的爱车下个月保险到期")
    screen(browser, "22-caller-number")
    page.keyboard.press("4")
    expect(page.locator("#interested-panel")).to_be_visible()
    expect(page.locator("#interested-panel input[name=name]")).to_be_focused()
    page.keyboard.press("Tab")  # unit
    page.keyboard.press("Tab")  # district
    expect(page.locator("#interested-panel input[name=district]")).to_be_focused()
    page.keyboard.press("Tab")  # address
    page.keyboard.press("Tab")  # business
    page.keyboard.press("Tab")
    expect(page.locator("#interested-panel input[name=topic]")).to_be_focused()
    page.keyboard.type("下月续保，想要报价")
    screen(browser, "22-caller-interested")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("#messages")).to_have_text("有意向：咨询已分派给 李娜（南山车友会）。")
    expect(page.locator("#no-call")).to_be_visible()
    screen(browser, "22-caller-done")
    inquiry = PhoneInquiry.objects.get()
    assert (inquiry.customer_id, inquiry.salesperson_id, inquiry.channel, inquiry.topic) == (
        owner.pk,
        people.sales1.pk,
        PhoneInquiry.Channel.TELEMARKETING,
        "下月续保，想要报价",
    )
    assert list(CallAttempt.objects.values_list("caller__username", "outcome")) == [("sales2", "interested")]

    # --- 李娜 (sales1) finds the caller among her inquiries and her customers --------------------------
    page = login_as("sales1").page  # on a device of their own
    browser.goto("/inquiries/")
    expect(page.locator("main .list-group-item")).to_have_count(1)
    expect(page.locator("main .list-group-item")).to_contain_text("陈先生（私家车主）")
    browser.goto("/customers/?q=陈先生")
    expect(page.locator("#results")).to_contain_text("陈先生（私家车主）")
    assert Customer.objects.get(pk=owner.pk).owner == User.objects.get(username="sales1")

    # --- the morning meeting shows the list's progress per caller -----------------------------------
    page = login_as("manager1").page  # on a device of their own
    browser.goto("/dashboard/")
    calls = page.locator("#meeting-calls")
    expect(calls).to_contain_text("私家车主下月续保")
    expect(calls.locator("tbody tr")).to_have_count(3)  # the list, 王芳, 赵强
    expect(calls.locator("tbody tr").nth(1)).to_contain_text("王芳")
    screen(browser, "22-morning-meeting")


@pytest.mark.browser
def test_a_caller_saves_a_callback_and_a_no_answer_by_keyboard_at_phone_size(login_as, people, telemarketing):
    from campaigns.services.calls import resplit_call_list
    from tests.campaigns.factories import CallEntryFactory, CallListCallerFactory, CallListFactory

    call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1, script="您好")
    CallListCallerFactory(call_list=call_list, caller=people.sales2, added_by=people.info1)
    for position in (1, 2):
        CallEntryFactory(call_list=call_list, position=position, phone=f"+86137222200{position:02d}")
    resplit_call_list(call_list=call_list)
    browser = login_as("sales2")
    page = browser.page
    browser.goto("/calls/")

    page.keyboard.press("n")
    expect(page.locator("#call-phone")).to_have_text("137 2222 0001")
    page.keyboard.press("2")
    expect(page.locator("#id_callback_at")).to_be_focused()
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.keyboard.type(f"{tomorrow:%m-%d} 16:30")  # this year's, or next year's once past
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_have_text(f"约定 {tomorrow:%Y-%m-%d} 16:30 回拨。")

    page.keyboard.press("Enter")  # the next-number button has the focus
    page.wait_for_url("**/calls/")
    expect(page.locator("#call-phone")).to_have_text("137 2222 0002")
    with page.expect_navigation():
        page.keyboard.press("1")
    expect(page.locator("#messages")).to_contain_text("无人接听")
    screen(browser, "22-caller-phone")

    assert list(CallEntry.objects.order_by("position").values_list("status", "attempts")) == [
        ("callback", 1),
        ("retry", 1),
    ]


@pytest.mark.browser
def test_the_callers_screen_and_the_meetings_call_lists_have_thumb_sized_targets(
    login_as, browser_page, people, telemarketing
):
    from campaigns.services import next_call
    from campaigns.services.calls import resplit_call_list
    from tests.browser.test_tap_targets import measure_pages, report
    from tests.campaigns.factories import CallEntryFactory, CallListCallerFactory, CallListFactory

    call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1, script="您好")
    CallListCallerFactory(call_list=call_list, caller=people.sales2, added_by=people.info1)
    for position in (1, 2):
        CallEntryFactory(call_list=call_list, position=position)
    resplit_call_list(call_list=call_list)
    next_call(caller=people.sales2)

    failures = measure_pages(login_as, people.sales2.username, ["/calls/"])
    failures |= measure_pages(login_as, people.manager1.username, ["/dashboard/"])

    assert not failures, report(failures)

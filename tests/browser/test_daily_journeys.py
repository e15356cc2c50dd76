"""The four daily journeys of DESIGN.md §1, each driven as its user would in the Chinese interface.

A phone-sized Chromium (tests/browser/conftest.py) taps and types through the real pages;
each journey then checks exactly what the database holds and what the page says. Set
JOURNEY_SCREENSHOTS=1 to keep a screenshot of each key screen in var/test-screenshots/.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.customers.models import Contact, Customer, OwnerChange
from campaigns.models import PhoneInquiry
from crm.models import Notification, User
from territories.models import TerritoryAssignment
from tests.accounts.factories import CustomerFactory
from tests.browser.conftest import SCREENSHOTS
from tests.campaigns.factories import CampaignFactory
from visits.models import FormSubmission, QuotaShortfall, Visit
from visits.services import check_visit_quotas, explain_shortfall, rate_visit, record_visit, submit_forms
from visits.tasks import default_quota_day


def rename(person: User, last_name: str, first_name: str) -> None:
    """A real name for a person of the `people` fixture, as pages and notifications show it."""
    User.objects.filter(pk=person.pk).update(last_name=last_name, first_name=first_name)
    person.refresh_from_db()


def screen(browser, name: str) -> None:
    """A full-page screenshot of a key screen, when asked for (to look at the pages at phone size)."""
    if os.environ.get("JOURNEY_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.page.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


# --- 1. the salesperson's day on the phone ------------------------------------------------------


@pytest.mark.browser
def test_salesperson_logs_a_visit_to_a_new_customer_rates_it_and_submits_the_day(login_as, people, routed):
    browser = login_as("sales1")
    page = browser.page
    main = page.locator("main")
    expect(page.locator("h1")).to_have_text("我的今天")
    screen(browser, "1-today-empty")

    # At the door: the customer is not in the list yet, so it is registered from the visit form.
    main.get_by_role("link", name="记录拜访").tap()
    expect(page).to_have_url(re.compile(r"/visits/new/$"))
    page.get_by_placeholder("输入单位名称或电话").fill("顺达")
    expect(page.locator("#customer-results")).to_contain_text("没有匹配的客户，请在下方登记。")
    page.get_by_text("新客户？立即登记").tap()
    page.get_by_label("单位名称").fill("顺达汽修厂")
    page.get_by_label("联系人").fill("王师傅")
    page.get_by_label("手机").fill("138 0013 8000")
    page.get_by_label("区县").fill("南山区")
    page.get_by_label("地址").fill("南山区科技园路1号")
    screen(browser, "1-register-customer")
    page.get_by_role("button", name="登记并选择").tap()
    expect(page.locator("#customer-results")).to_contain_text("客户已登记。")
    expect(page.get_by_role("radio", name=re.compile("顺达汽修厂"))).to_be_checked()

    # What happened at the visit: the kind, what was handed over and said, a note and the next step.
    expect(page.get_by_role("radio", name="首次拜访")).to_be_checked()
    page.get_by_text("个人名片", exact=True).tap()
    page.get_by_text("自我介绍", exact=True).tap()
    page.get_by_label("备注").fill("老板在外地，下周回来")
    page.get_by_label("下一步", exact=True).fill("带报价单再访")
    screen(browser, "1-visit-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存拜访").tap()

    expect(page).to_have_url(re.compile(r"/visits/today/$"))
    expect(page.locator("#messages")).to_have_text("已记录对顺达汽修厂的拜访，手机未提供位置。")
    customer = Customer.objects.get()
    visit = Visit.objects.get()
    card = page.locator(f"#visit-{visit.pk}")
    expect(card).to_contain_text("顺达汽修厂")
    expect(card).to_contain_text("待评定")
    expect(page.locator("#day-summary")).to_have_text("今天拜访 1 次 · 1 条待评定")
    screen(browser, "1-today-logged")

    # End of the day: the intent rating, with the obstacle met, then the day's forms.
    card.get_by_text("合作障碍", exact=True).tap()
    card.get_by_text("价格", exact=True).tap()
    card.get_by_role("button", name=re.compile("^B")).tap()
    expect(card.locator(".badge")).to_have_text("B")
    expect(card.get_by_role("button", name=re.compile("^B"))).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_role("button", name=re.compile("^A"))).to_have_attribute("aria-pressed", "false")
    expect(card).to_contain_text("合作障碍: 价格")
    expect(page.locator("#day-summary")).to_have_text("今天拜访 1 次")
    # In a team on daily forms the day's report hands them in (issue 19): one tap, texts optional.
    page.get_by_label("明日计划").fill("带报价单再访顺达")
    page.get_by_role("button", name="提交今天的日报和表单").tap()
    expect(page.locator("#daily-report")).to_contain_text("当天的表单已一并提交。")
    expect(page.locator("#daily-report")).to_contain_text("按时")
    screen(browser, "1-today-submitted")

    today = timezone.localdate()
    assert Customer.objects.values_list(
        "pk", "unit_name", "phone", "district", "address", "source", "territory", "owner", "created_by", "intent"
    ).get() == (
        customer.pk,
        "顺达汽修厂",
        "+8613800138000",
        "南山区",
        "南山区科技园路1号",
        Customer.Source.VISIT,
        routed["nanshan_clubs"].pk,
        people.sales1.pk,
        people.sales1.pk,
        "B",
    )
    assert list(Contact.objects.values_list("customer", "name", "mobile")) == [
        (customer.pk, "王师傅", "+8613800138000")
    ]
    assert list(OwnerChange.objects.values_list("customer", "kind", "from_owner", "to_owner")) == [
        (customer.pk, OwnerChange.Kind.REGISTERED, None, people.sales1.pk)
    ]
    assert Visit.objects.values_list(
        "salesperson",
        "customer",
        "kind",
        "visited_on",
        "materials",
        "talking_points",
        "notes",
        "next_step",
        "intent",
        "obstacles",
    ).get() == (
        people.sales1.pk,
        customer.pk,
        Visit.Kind.FIRST,
        today,
        ["business_card"],
        ["self_introduction"],
        "老板在外地，下周回来",
        "带报价单再访",
        "B",
        ["price"],
    )
    assert list(
        FormSubmission.objects.values_list("salesperson", "period_start", "period_end", "visit_count", "late")
    ) == [(people.sales1.pk, today, today, 1, False)]


# --- 2. the manager's morning -------------------------------------------------------------------


@pytest.fixture
def yesterday_below_quota(people):
    """The last working day: team one's quota is 3; 李娜 (sales1) made 1 visit and explained why,
    王强 (sales2) made 3 and submitted his forms. The daily quota check has run, as at 06:00."""
    day = default_quota_day()
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    rename(people.sales1, "李", "娜")
    rename(people.sales2, "王", "强")
    people.team_one.daily_visit_quota = 3
    people.team_one.save()
    at = timezone.make_aware(datetime.combine(day, time(10)))
    shunda = CustomerFactory(unit_name="顺达汽修厂", owner=people.sales1)
    record_visit(salesperson=people.sales1, customer_id=shunda.pk, visited_at=at)
    for hour, intent in enumerate("ABC"):
        customer = CustomerFactory(owner=people.sales2)
        visit = record_visit(salesperson=people.sales2, customer_id=customer.pk, visited_at=at + timedelta(hours=hour))
        rate_visit(visit_id=visit.pk, salesperson=people.sales2, intent=intent)
    submit_forms(salesperson=people.sales2, day=day, at=at + timedelta(hours=8))

    assert check_visit_quotas(day=day) == 2  # 李娜 (1 of 3) and, in team two, sales3 (0 of 6)
    explain_shortfall(
        shortfall=QuotaShortfall.objects.get(salesperson=people.sales1),
        salesperson=people.sales1,
        explanation="下午去车管所办事，只拜访了一家",
    )
    return day


@pytest.mark.browser
def test_manager_sees_a_shortfall_at_the_morning_meeting_and_rejects_the_explanation(
    login_as, people, yesterday_below_quota
):
    day = yesterday_below_quota
    browser = login_as("manager1")
    page = browser.page

    expect(page.locator("h1")).to_contain_text(f"早会 · {day.isoformat()}")
    expect(page.locator("#meeting-totals .card")).to_have_text(
        ["拜访 / 定额 4 / 6", "新客户 0", "未达定额 1", "未提交表单 1"]
    )
    rows = page.locator("#meeting-table tbody tr:not(.meeting-explanation)")
    expect(rows).to_have_count(2)
    li_na, wang_qiang = rows.filter(has_text="李娜"), rows.filter(has_text="王强")
    expect(li_na).to_have_class(re.compile(r"\btable-danger\b"))
    expect(li_na.locator("td").nth(1)).to_have_text("1 / 3")
    expect(li_na.locator("td").nth(4)).to_have_text("未提交")
    expect(li_na.locator("td").nth(5)).to_have_text("待审核")
    expect(page.locator("#meeting-table .meeting-explanation")).to_have_text("说明：下午去车管所办事，只拜访了一家")
    expect(wang_qiang.locator("td").nth(1)).to_have_text("3 / 3")
    expect(wang_qiang.locator("td").nth(3)).to_have_text("1/1/1/0")
    expect(wang_qiang.locator("td").nth(4)).to_have_text("已提交")
    expect(wang_qiang.locator("td").nth(5)).to_have_text("—")
    screen(browser, "2-morning-meeting")

    # From the meeting to the shortfall: a rejection needs a reason, so one is asked for first.
    li_na.get_by_role("link", name="待审核").tap()
    expect(page.locator("h1")).to_have_text("拜访量未达标")
    items = page.locator("main li.list-group-item")
    expect(items).to_have_count(1)  # team two's shortfall is not this manager's
    shortfall = QuotaShortfall.objects.get(salesperson=people.sales1)
    item = page.locator(f"#shortfall-{shortfall.pk}")
    expect(item).to_contain_text(f"{day.isoformat()}")
    expect(item).to_contain_text("李娜")
    expect(item).to_contain_text("下午去车管所办事，只拜访了一家")
    with browser.refused(400):
        item.get_by_role("button", name="驳回").tap()
    expect(page.locator("#messages")).to_have_text("请说明驳回的原因。")
    screen(browser, "2-shortfall-needs-a-note")
    item.get_by_placeholder("批注（驳回时必填）").fill("车管所的事请安排在下班后，本周补上拜访量")
    item.get_by_role("button", name="驳回").tap()
    expect(item.locator(".badge")).to_have_text("已驳回")
    expect(item).to_contain_text("经理批注: 车管所的事请安排在下班后，本周补上拜访量")
    expect(page.locator("#messages")).to_have_text("")  # the refusal answered the first attempt only
    expect(item.get_by_role("button", name="驳回")).to_have_count(0)
    screen(browser, "2-shortfall-rejected")

    # Back at the meeting, the row says so.
    page.get_by_role("button", name="菜单").tap()
    with page.expect_navigation():
        page.get_by_role("link", name="早会").tap()
    expect(rows.filter(has_text="李娜").locator("td").nth(5)).to_have_text("已驳回")

    assert list(
        QuotaShortfall.objects.order_by("salesperson__username").values_list(
            "salesperson", "day", "required", "actual", "status", "reviewed_by", "review_note"
        )
    ) == [
        (people.sales1.pk, day, 3, 1, "rejected", people.manager1.pk, "车管所的事请安排在下班后，本周补上拜访量"),
        (people.sales3.pk, day, 6, 0, "awaiting_explanation", None, ""),
    ]
    assert list(
        Notification.objects.filter(recipient=people.sales1).order_by("pk").values_list("kind", "text", "link")
    ) == [
        ("quota_shortfall", f"{day.isoformat()}：拜访 1 次，要求 3 次。请说明未达标原因。", "/visits/shortfalls/"),
        ("shortfall_reviewed", f"您对 {day.isoformat()} 的说明被驳回。", "/visits/shortfalls/"),
    ]


# --- 3. the info staff's inquiry ----------------------------------------------------------------


@pytest.mark.browser
def test_info_staff_registers_an_inquiry_call_by_keyboard_and_it_goes_to_the_territorys_salesperson(
    login_as, people, routed
):
    """南山区 is routed to 南山车友会, which 李娜 (sales1) owns (tests/campaigns/fixtures.py)."""
    rename(people.sales1, "李", "娜")
    campaign = CampaignFactory(name="小区直邮十一月", created_by=people.info1)
    browser = login_as("info1")
    page = browser.page
    expect(page.locator("h1")).to_have_text("登记来电咨询")

    # Headset on, hands on the keyboard: the fields come in the order the caller is asked.
    expect(page.get_by_label("电话")).to_be_focused()
    page.keyboard.type("139 2345 6789")
    page.keyboard.press("Tab")
    page.keyboard.type("陈先生")
    page.keyboard.press("Tab")
    page.keyboard.type("蓝海物流有限公司")
    page.keyboard.press("Tab")
    page.keyboard.type("南山区")
    page.keyboard.press("Tab")  # no address: the district routes the call
    page.keyboard.press("Tab")
    page.keyboard.type("物流运输")  # the caller's business: the channel type is found from it
    page.keyboard.press("Tab")
    expect(page.get_by_label("渠道类型")).to_be_focused()  # left empty
    page.keyboard.press("Tab")
    page.keyboard.type("车队12台车的商业险续保，想要报价")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("来源宣传活动")).to_have_value(str(campaign.pk))
    page.keyboard.press("Shift+Tab")
    screen(browser, "3-inquiry-typed")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # in "what they asked", Enter saves

    expect(page.locator("#messages")).to_have_text("咨询已保存，已分派给 李娜（南山车友会）。")
    latest = page.locator("main .list-group-item")
    expect(latest).to_have_count(1)
    expect(latest).to_contain_text("蓝海物流有限公司")
    expect(latest).to_contain_text("→ 李娜")
    expect(latest).to_contain_text("已分派")
    expect(page.get_by_label("电话")).to_be_focused()  # ready for the next call
    screen(browser, "3-inquiry-routed")

    inquiry = PhoneInquiry.objects.get()
    customer = Customer.objects.get()
    assert PhoneInquiry.objects.values_list(
        "phone",
        "caller_name",
        "unit_name",
        "district",
        "topic",
        "campaign",
        "channel",
        "entered_by",
        "territory",
        "salesperson",
        "status",
        "customer",
    ).get() == (
        "+8613923456789",
        "陈先生",
        "蓝海物流有限公司",
        "南山区",
        "车队12台车的商业险续保，想要报价",
        campaign.pk,
        PhoneInquiry.Channel.PHONE,
        people.info1.pk,
        routed["nanshan_clubs"].pk,
        people.sales1.pk,
        PhoneInquiry.Status.ASSIGNED,
        customer.pk,
    )
    assert inquiry.assigned_at is not None
    # The caller is registered as a prospect in the territory, held by its salesperson.
    assert Customer.objects.values_list("business_type", "channel_type__code").get() == ("物流运输", "smes")
    assert Customer.objects.values_list(
        "unit_name", "phone", "source", "territory", "owner", "created_by", "status"
    ).get() == (
        "蓝海物流有限公司",
        "+8613923456789",
        Customer.Source.PHONE_INQUIRY,
        routed["nanshan_clubs"].pk,
        people.sales1.pk,
        people.info1.pk,
        Customer.Status.PROSPECT,
    )
    assert list(Contact.objects.values_list("customer", "name", "mobile")) == [
        (customer.pk, "陈先生", "+8613923456789")
    ]
    assert list(Notification.objects.values_list("recipient", "kind", "text", "link")) == [
        (
            people.sales1.pk,
            "phone_inquiry",
            "新的来电咨询：蓝海物流有限公司（139 2345 6789）咨询车队12台车的商业险续保，想要报价",
            f"/inquiries/{inquiry.pk}/",
        )
    ]


# --- 4. the admin's reassignment of a territory ---------------------------------------------------


@pytest.mark.browser
def test_admin_reassigns_a_territory_and_its_customers_follow_with_their_history(login_as, people, owned_tree):
    """李娜 (sales1) hands 南山车友会 over to 赵敏 (sales3); the territory's customers go with it."""
    rename(people.sales1, "李", "娜")
    rename(people.sales3, "赵", "敏")
    rename(people.admin, "周", "伟")
    clubs, smes = owned_tree["nanshan_clubs"], owned_tree["nanshan_smes"]
    moving = [
        CustomerFactory(unit_name="顺达汽修厂", territory=clubs, owner=people.sales1).pk,
        CustomerFactory(unit_name="佳园车友会", territory=clubs, owner=people.sales1).pk,
        CustomerFactory(unit_name="南山摩友会", territory=clubs, owner=people.sales2).pk,  # registered by a colleague
    ]
    already_hers = CustomerFactory(unit_name="蛇口车友会", territory=clubs, owner=people.sales3).pk
    pooled = CustomerFactory(unit_name="公海车行", territory=clubs, owner=None, pooled_at=timezone.now()).pk
    elsewhere = CustomerFactory(unit_name="南山小企业", territory=smes, owner=people.sales1).pk
    browser = login_as("admin")
    page = browser.page
    expect(page.locator("h1")).to_have_text("区域")

    territory = page.locator(f"#territory-{clubs.pk}")
    expect(territory.locator(".badge.text-bg-primary")).to_have_text("李娜")
    territory.get_by_text("负责人及历史").tap()
    territory.get_by_label("新负责人").select_option(label="赵敏 (sales3)")
    territory.get_by_label("原因").fill("李娜调往福田网点")
    screen(browser, "4-reassign")
    with page.expect_navigation():
        territory.get_by_role("button", name="调整").tap()
    # What will move, before anything does.
    expect(page.locator("h1")).to_have_text("将 南山车友会 交给 赵敏？")
    expect(page.locator("#handover-preview [data-kind=customers]")).to_contain_text("3 个客户")
    expect(page.locator("#handover-preview [data-kind=customers]")).to_contain_text(
        "佳园车友会 · 南山摩友会 · 顺达汽修厂"
    )
    expect(page.locator("main")).to_contain_text("目前尚未做任何改动。")
    assert TerritoryAssignment.objects.current().get(territory=clubs).salesperson == people.sales1
    screen(browser, "4-reassign-preview")
    with page.expect_navigation():
        page.get_by_role("button", name="确认调整").tap()

    expect(page.locator("#messages")).to_have_text("南山车友会 现由 赵敏 负责。已移交：3 个客户。")
    expect(territory.locator(".badge.text-bg-primary")).to_have_text("赵敏")
    territory.get_by_text("负责人及历史").tap()
    history = territory.locator("ul li")
    expect(history).to_have_count(2)
    minute = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"
    expect(history).to_have_text(
        [
            re.compile(rf"^{minute} – 至今: 赵敏 \(操作人：周伟\) · 李娜调往福田网点从 李娜 移交：3 个客户$"),
            re.compile(rf"^{minute} – {minute}: 李娜 \(操作人：周伟\)$"),
        ]
    )
    screen(browser, "4-reassigned")

    assert TerritoryAssignment.objects.current().get(territory=clubs).salesperson == people.sales3
    (before, after) = TerritoryAssignment.objects.filter(territory=clubs).order_by("started_at", "pk")
    assert (before.salesperson, before.assigned_by, before.reason) == (people.sales1, people.admin, "")
    assert (after.salesperson, after.assigned_by, after.reason) == (people.sales3, people.admin, "李娜调往福田网点")
    assert (before.ended_at, after.ended_at) == (after.started_at, None)  # one owner at a time, no gap
    owners = dict(Customer.objects.values_list("pk", "owner"))
    assert owners == {
        **dict.fromkeys(moving, people.sales3.pk),
        already_hers: people.sales3.pk,
        pooled: None,
        elsewhere: people.sales1.pk,
    }
    assert sorted(
        OwnerChange.objects.filter(kind=OwnerChange.Kind.REASSIGNED).values_list(
            "customer", "from_owner", "to_owner", "changed_by", "reason"
        )
    ) == [
        (moving[0], people.sales1.pk, people.sales3.pk, people.admin.pk, "李娜调往福田网点"),
        (moving[1], people.sales1.pk, people.sales3.pk, people.admin.pk, "李娜调往福田网点"),
        (moving[2], people.sales2.pk, people.sales3.pk, people.admin.pk, "李娜调往福田网点"),
    ]
    assert OwnerChange.objects.exclude(kind=OwnerChange.Kind.REASSIGNED).count() == 0

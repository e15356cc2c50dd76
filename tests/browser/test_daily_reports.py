"""Issue 19 item 8, as people use it: sales1 (a 360-px phone) submits the day's report with the three texts
from My day, which hands in the day's forms too; manager1 (a 1280-px desk) reads the team's reports of the
day and comments on sales1's; sales1 finds the comment on My day and on the report."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Notification, Team, User
from tests.accounts.deals.factories import DealFactory
from tests.accounts.factories import CustomerFactory
from tests.browser.test_daily_journeys import screen
from visits.models import FormSubmission, WorkingDay
from visits.reports.models import DailyReport, DailyReportComment
from visits.services import rate_visit, record_visit

COMMENT = "报价思路很好，明天先把车队方案打印出来。"


@pytest.fixture
def sales1s_day(people, owned_tree):
    """Today counts (a make-up working day if it falls on a weekend); team one's quota is 6. sales1 visited
    顺达汽修厂 (first visit, rated B) and 嘉园物业 (second visit, rated A), registered 嘉园物业 today and
    has a deal of ¥12,000.00 issued today."""
    WorkingDay.objects.update_or_create(day=timezone.localdate(), defaults={"is_working": True})
    User.objects.update(date_joined=timezone.now() - timedelta(days=100))
    Team.objects.filter(pk=people.team_one.pk).update(daily_visit_quota=6)
    territory = owned_tree["nanshan_clubs"]
    shunda = CustomerFactory(unit_name="顺达汽修厂", territory=territory)
    jiayuan = CustomerFactory(unit_name="嘉园物业", territory=territory, created_by=people.sales1)
    now = timezone.now()
    for customer, kind, intent, minutes in ((shunda, "first", "B", 3), (jiayuan, "second", "A", 2)):
        visit = record_visit(
            salesperson=people.sales1, customer_id=customer.pk, kind=kind, visited_at=now - timedelta(minutes=minutes)
        )
        rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent=intent)
    DealFactory(salesperson=people.sales1, customer=shunda, amount=Decimal("12000.00"), issued_on=timezone.localdate())


def sign_in_again(login_as, username: str, width: int, height: int):
    """The next person, on a device of their own."""
    browser = login_as(username)
    browser.page.set_viewport_size({"width": width, "height": height})
    return browser, browser.page


@pytest.mark.browser
def test_sales1_reports_the_day_manager1_comments_and_sales1_reads_it(login_as, people, sales1s_day):
    # --- sales1, on a 360-px phone, at the end of the day -------------------------------------------
    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size({"width": 360, "height": 740})
    browser.goto("/visits/today/")
    card = page.locator("#daily-report")
    expect(card.get_by_role("heading")).to_have_text("今天的日报")
    # The bare "submit forms" step is gone: the report hands the forms in.
    expect(page.get_by_role("button", name="提交今天的表单")).to_have_count(0)
    card.get_by_label("做得好的").fill("嘉园物业当场登记，意向A。")
    card.get_by_label("遇到的问题").fill("顺达嫌价格高。")
    card.get_by_label("明日计划").fill("带车队方案回访顺达汽修厂。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screen(browser, "report-1-my-day-360")
    card.get_by_role("button", name="提交今天的日报和表单").tap()

    expect(card).to_contain_text("当天的表单已一并提交。")
    expect(card).to_contain_text(re.compile(r"已于 \d\d:\d\d 提交日报。"))
    expect(page.locator("#forms-status")).to_contain_text("表单已于")
    report = DailyReport.objects.get()
    assert (report.salesperson, report.form_submission, report.went_well, report.tomorrow_plan) == (
        people.sales1,
        FormSubmission.objects.get(),
        "嘉园物业当场登记，意向A。",
        "带车队方案回访顺达汽修厂。",
    )
    assert (report.figures.visit_count, report.new_customers, report.deal_count, report.deal_amount) == (
        2,
        1,
        1,
        Decimal("12000.00"),
    )
    screen(browser, "report-2-submitted-360")

    # --- manager1, at the desk ----------------------------------------------------------------------
    browser, page = sign_in_again(login_as, "manager1", 1280, 900)
    page.locator('[data-menu-group="visits"] .dropdown-toggle').click()  # the menu's 拜访 group
    page.get_by_role("link", name="团队日报").click()
    expect(page.locator("h1")).to_have_text("团队日报")
    if page.get_by_role("link", name="今天", exact=True).count():
        page.get_by_role("link", name="今天", exact=True).click()
    article = page.locator(f"#report-{report.pk}")
    expect(article).to_contain_text(str(people.sales1))
    expect(article).to_contain_text("2 次拜访")
    expect(article).to_contain_text("登记新客户 1 家")
    expect(article).to_contain_text("成交 1 笔，¥12,000.00")
    expect(article).to_contain_text("定额：2 / 6 — 差 4 次")
    expect(article).to_contain_text("顺达嫌价格高。")
    expect(page.locator("#not-submitted")).to_contain_text(str(people.sales2))
    article.get_by_label("评语").fill(COMMENT)
    screen(browser, "report-3-team-1280")
    article.get_by_role("button", name="发送评语").click()
    expect(article.locator(".report-comment")).to_contain_text(COMMENT)
    assert list(DailyReportComment.objects.values_list("author", "text")) == [(people.manager1.pk, COMMENT)]
    assert Notification.objects.get(recipient=people.sales1).link == f"/reports/{report.pk}/"
    screen(browser, "report-4-commented-1280")

    # --- sales1 reads it on My day --------------------------------------------------------------------
    browser, page = sign_in_again(login_as, "sales1", 360, 740)
    browser.goto("/visits/today/")
    comments = page.locator("#report-comments")
    expect(comments.get_by_role("heading")).to_have_text("日报评语")
    expect(comments).to_contain_text(COMMENT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screen(browser, "report-5-comment-on-my-day-360")
    comments.get_by_role("link").first.tap()
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/$"))
    expect(page.locator(".comment-thread")).to_contain_text(COMMENT)
    # The manager has commented: the texts stay as they were read.
    expect(page.get_by_role("button", name="保存文字")).to_have_count(0)
    screen(browser, "report-6-report-360")

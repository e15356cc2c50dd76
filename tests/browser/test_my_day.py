"""Issue 18 items 5 and 6 on a 360-px phone: "my day" shows the quota as progress, refuses the forms
while a visit is unrated (naming it), and takes them once it is rated (with the day's report, issue 19)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Team, User
from tests.accounts.factories import CustomerFactory
from tests.browser.test_daily_journeys import screen
from visits.models import FormSubmission, Visit, WorkingDay
from visits.services import rate_visit, record_visit


@pytest.fixture
def day_with_an_unrated_visit(people, owned_tree):
    """Today counts (a make-up working day if it falls on a weekend); team one's quota is 6. sales1 has
    visited 佛山某某公司 (unrated) and 顺达汽修厂 (rated B), and phoned 嘉园物业 (rated C, not counted)."""
    WorkingDay.objects.update_or_create(day=timezone.localdate(), defaults={"is_working": True})
    User.objects.update(date_joined=timezone.now() - timedelta(days=100))
    Team.objects.filter(pk=people.team_one.pk).update(daily_visit_quota=6)
    territory = owned_tree["nanshan_clubs"]
    now = timezone.now()
    foshan, shunda, jiayuan = (
        CustomerFactory(unit_name=name, territory=territory) for name in ("佛山某某公司", "顺达汽修厂", "嘉园物业")
    )
    unrated = record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=now - timedelta(minutes=3))
    for customer, kind, intent, minutes in ((shunda, Visit.Kind.FIRST, "B", 2), (jiayuan, Visit.Kind.PHONE, "C", 1)):
        visit = record_visit(
            salesperson=people.sales1, customer_id=customer.pk, kind=kind, visited_at=now - timedelta(minutes=minutes)
        )
        rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent=intent)
    return unrated


@pytest.mark.browser
def test_my_day_on_a_small_phone_refuses_the_forms_until_the_visit_is_rated(
    login_as, people, day_with_an_unrated_visit
):
    unrated = day_with_an_unrated_visit
    browser = login_as("sales1")
    page = browser.page
    page.set_viewport_size({"width": 360, "height": 740})
    browser.goto("/visits/today/")

    expect(page.locator("#progress-figures")).to_have_text("2 / 6")
    expect(page.locator("#progress-text")).to_have_text("今日定额已计 2 / 6 次拜访 — 还差 4 次 · 1 次电话未计入")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "2")
    expect(page.locator("#forms-status")).to_contain_text("表单未提交 — 截止时间")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screen(browser, "my-day-360")

    # The team hands in its forms daily: the day's report is the submission (issue 19).
    submit = page.get_by_role("button", name="提交今天的日报和表单")
    with browser.refused(400):
        submit.tap()
    visited = timezone.localtime(unrated.visited_at).strftime("%H:%M")
    expect(page.locator("#messages")).to_contain_text(f"请先评定这些拜访：佛山某某公司 ({visited})。")
    assert FormSubmission.objects.count() == 0

    card = page.locator(f"#visit-{unrated.pk}")
    card.get_by_role("button", name=re.compile("^B")).tap()
    expect(card.locator(".badge")).to_have_text("B")
    submit.tap()

    expect(page.locator("#daily-report")).to_contain_text("当天的表单已一并提交。")
    expect(page.locator("#forms-status")).to_contain_text("表单已于")
    expect(page.locator("#forms-status")).to_contain_text("提交。")
    assert list(FormSubmission.objects.values_list("salesperson", "visit_count")) == [(people.sales1.pk, 3)]

"""Issue 19 item 8 on the pages: My day's report card (it replaces the bare "submit forms" step in daily
mode), the comment on My day, the report page, the manager's page of a day; visibility and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Notification, Team
from tests.crm.factories import SalespersonFactory
from tests.visits.factories import VisitFactory
from tests.visits.reports.conftest import WEDNESDAY, at
from tests.visits.reports.factories import DailyReportCommentFactory, DailyReportFactory
from visits.models import FormSubmission
from visits.reports.models import DailyReport
from visits.reports.services import comment_on_daily_report, submit_daily_report

TEXTS = {"went_well": "顺达答应看报价", "problems": "两家嫌贵", "tomorrow_plan": "带车队方案回访顺达"}


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


# --- My day --------------------------------------------------------------------------------------


def test_in_daily_mode_my_day_offers_the_report_instead_of_the_bare_forms(client, staff):
    client.force_login(staff.sales1)

    daily = page(client, "/visits/today/")
    Team.objects.filter(pk=staff.team_one.pk).update(form_submission=Team.FormSubmission.WEEKLY)
    weekly = page(client, "/visits/today/")

    assert "Submit today's report and forms" in daily and "Submit today's forms" not in daily
    assert 'name="went_well"' in daily and 'name="tomorrow_plan"' in daily
    assert "Submit this week's forms" in weekly and "Submit today's report</button>" in weekly


def test_submitting_the_report_from_my_day_hands_in_the_forms_too(client, staff, rated_day):
    client.force_login(staff.sales1)

    response = client.post("/reports/write/", {"from": "my_day", **TEXTS}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    report = DailyReport.objects.get()
    assert response.status_code == 200
    assert 'id="daily-report"' in html and "Report submitted at 19:00." in html
    assert "The day's forms went with it." in html
    assert 'id="forms-status"' in html and 'hx-swap-oob="true"' in html and "Forms submitted at 19:00." in html
    assert f'href="/reports/{report.pk}/"' in html
    assert FormSubmission.objects.get().pk == report.form_submission_id
    assert "Report submitted at 19:00." in page(client, "/visits/today/")


def test_the_report_is_refused_on_my_day_while_a_visit_is_unrated(client, staff, a_day):
    client.force_login(staff.sales1)

    response = client.post("/reports/write/", {"from": "my_day", **TEXTS}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#messages"
    assert "Rate these visits first: 客户7 (16:00)." in response.content.decode()
    assert (DailyReport.objects.count(), FormSubmission.objects.count()) == (0, 0)


def test_the_managers_comment_reaches_my_day(client, staff, rated_day):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    client.force_login(staff.manager1)

    response = client.post(f"/reports/{report.pk}/comments/", {"text": "明天先去顺达"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "明天先去顺达" in response.content.decode()
    notice = Notification.objects.get()
    assert (notice.recipient, notice.link) == (staff.sales1, f"/reports/{report.pk}/")
    client.force_login(staff.sales1)
    my_day = page(client, "/visits/today/")
    section = my_day[my_day.index('id="report-comments"') :]
    assert "Comments on your daily reports" in section
    assert f"{staff.manager1} on your report of 11-25 · 11-25 19:00" in section
    assert "明天先去顺达" in section and f'href="/reports/{report.pk}/"' in section
    assert "明天先去顺达" in page(client, f"/reports/{report.pk}/")


def test_my_day_in_chinese(client, staff, rated_day):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="很好")
    client.force_login(staff.sales1)

    my_day = page(client, "/visits/today/")

    assert "日报评语" in my_day
    assert "今天的日报" in my_day and "已于 19:00 提交日报。" in my_day
    assert Notification.objects.get().text == f"{staff.manager1} 点评了你 2026-11-25 的日报：很好"


def test_my_day_costs_the_same_queries_with_more_reports_and_comments(client, staff):
    client.force_login(staff.sales1)
    DailyReportCommentFactory(report=DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=1)))
    with CaptureQueriesContext(connection) as few:
        page(client, "/visits/today/")

    for days in range(2, 9):
        report = DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=days))
        DailyReportCommentFactory.create_batch(2, report=report)
    DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY)
    with CaptureQueriesContext(connection) as many:
        html = page(client, "/visits/today/")

    assert len(many) == len(few)
    assert html.count("report-comment-text") == 5


# --- writing and reading one's report -------------------------------------------------------------


def test_the_write_page_shows_the_figures_and_submits_with_a_plain_post(client, staff, rated_day):
    client.force_login(staff.sales1)

    html = page(client, "/reports/write/")
    response = client.post("/reports/write/", {"day": "2026-11-25", **TEXTS})

    assert "7 visits</span>: First visit 3 · Second visit 1 · Joint visit with the manager 1" in html
    assert "2 new customers registered" in html and "2 deals, ¥19,999.75" in html
    assert "Quota: 5 / 6 — 1 short" in html
    assert "Submit the report and the day's forms" in html
    report = DailyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    # Once submitted, the write page is the report.
    assert client.get("/reports/write/")["Location"] == f"/reports/{report.pk}/"


def test_a_refused_plain_post_shows_the_reason_and_keeps_the_texts(client, staff, a_day):
    client.force_login(staff.sales1)

    response = client.post("/reports/write/", TEXTS)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Rate these visits first: 客户7 (16:00)." in html and "带车队方案回访顺达</textarea>" in html


def test_a_report_for_a_day_to_come_is_a_bad_address(client, staff):
    client.force_login(staff.sales1)

    response = client.get("/reports/write/?day=2026-11-26")

    assert response.status_code == 400
    assert "A report cannot be submitted for a day that has not come yet." in response.content.decode()


def test_the_report_page_says_when_the_day_changed_after_the_submission(client, staff, rated_day):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    VisitFactory(salesperson=staff.sales1, customer=rated_day.customers[0], visited_at=at(WEDNESDAY, 18), intent="A")
    client.force_login(staff.manager1)

    html = page(client, f"/reports/{report.pk}/")

    assert "The day changed after this report was submitted (figures as submitted below):" in html
    assert "visits 7 → 8; ratings A1 B3 C2 D1 → A2 B3 C2 D1; quota 5/6 → 6/6." in html
    assert "7 visits</span>" in html  # as submitted


def test_the_salesperson_edits_the_texts_until_the_manager_comments(client, staff, rated_day):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    client.force_login(staff.sales1)

    editable = page(client, f"/reports/{report.pk}/")
    response = client.post(f"/reports/{report.pk}/texts/", TEXTS | {"problems": "一家嫌贵"}, HTTP_HX_REQUEST="true")
    comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="收到")
    locked = page(client, f"/reports/{report.pk}/")
    refused = client.post(f"/reports/{report.pk}/texts/", TEXTS, HTTP_HX_REQUEST="true")

    assert "Save the texts" in editable and "until the end of 2026-11-26" in editable
    assert response.status_code == 200 and "一家嫌贵</textarea>" in response.content.decode()
    assert "Save the texts" not in locked and "so its texts stay as they were read" in locked
    assert refused.status_code == 400
    assert DailyReport.objects.get().problems == "一家嫌贵"


# --- the manager's page of a day ------------------------------------------------------------------


def test_the_manager_reads_the_teams_reports_of_a_day_and_who_has_not_submitted(client, staff, rated_day):
    mine = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    other_team = DailyReportFactory(salesperson=staff.sales3, day=WEDNESDAY, went_well="二组的日报")
    client.force_login(staff.manager1)

    html = page(client, "/reports/team/?day=2026-11-25")

    assert "2026-11-25 Wed: 1 report submitted · 1 person has not submitted yet." in html
    missing = html[html.index('id="not-submitted"') : html.index("</section>", html.index('id="not-submitted"'))]
    assert str(staff.sales2) in missing and str(staff.sales1) not in missing
    assert f'id="report-{mine.pk}"' in html and "带车队方案回访顺达" in html and "2 deals, ¥19,999.75" in html
    assert f'id="report-{other_team.pk}"' not in html and "二组的日报" not in html


def test_the_admin_reads_every_teams_reports(client, staff, rated_day):
    mine = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    other_team = DailyReportFactory(salesperson=staff.sales3, day=WEDNESDAY)
    client.force_login(staff.admin)

    html = page(client, "/reports/team/?day=2026-11-25")

    assert f'id="report-{mine.pk}"' in html and f'id="report-{other_team.pk}"' in html
    assert "2026-11-25 Wed: 2 reports submitted · 1 person has not submitted yet." in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("sales1", 200),
        ("manager1", 200),
        ("admin", 200),
        ("sales2", 404),
        ("sales3", 404),
        ("manager2", 404),
        ("info1", 403),
    ],
)
def test_a_report_is_seen_by_the_salesperson_their_manager_and_the_admin(client, staff, who, status):
    report = DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY)
    client.force_login(getattr(staff, who))

    assert client.get(f"/reports/{report.pk}/").status_code == status
    answer = client.post(f"/reports/{report.pk}/comments/", {"text": "看看"})
    assert answer.status_code == (302 if status == 200 else status)


@pytest.mark.parametrize(("who", "status"), [("sales1", 403), ("info1", 403), ("manager1", 200), ("admin", 200)])
def test_only_managers_and_the_admin_open_the_teams_page(client, staff, who, status):
    client.force_login(getattr(staff, who))

    assert client.get("/reports/team/").status_code == status


def team_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, "/reports/team/?day=2026-11-25")
    return len(queries)


def test_the_teams_page_costs_the_same_queries_at_two_sizes(client, staff):
    client.force_login(staff.manager1)
    DailyReportCommentFactory(report=DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY))
    few = team_page_queries(client)

    for n in range(8):
        person = SalespersonFactory(username=f"extra{n}", team=staff.team_one)
        report = DailyReportFactory(salesperson=person, day=WEDNESDAY)
        DailyReportCommentFactory.create_batch(3, report=report)
        SalespersonFactory(username=f"missing{n}", team=staff.team_one)
    many = team_page_queries(client)

    assert many == few


@pytest.mark.parametrize(
    ("who", "start", "mine", "team"),
    [
        ("sales1", "/visits/today/", True, False),
        ("manager1", "/dashboard/", False, True),
        ("admin", "/territories/", False, True),
        ("info1", "/inquiries/new/", False, False),
    ],
)
def test_the_menu_offers_each_role_its_daily_reports(client, staff, who, start, mine, team):
    client.force_login(getattr(staff, who))

    html = page(client, start)

    assert ('href="/reports/">Daily report</a>' in html) is mine
    assert ('href="/reports/team/">Daily reports</a>' in html) is team


def test_my_reports_lists_mine_with_their_comments_at_a_fixed_cost(client, staff):
    tuesday = DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=1))
    DailyReportCommentFactory.create_batch(2, report=tuesday)
    theirs = DailyReportFactory(salesperson=staff.sales2, day=WEDNESDAY - timedelta(days=1))
    client.force_login(staff.sales1)
    with CaptureQueriesContext(connection) as few:
        html = page(client, "/reports/")
    for days in range(2, 12):
        DailyReportCommentFactory(
            report=DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=days))
        )
    with CaptureQueriesContext(connection) as many:
        more = page(client, "/reports/")

    assert f'href="/reports/{tuesday.pk}/"' in html and f'href="/reports/{theirs.pk}/"' not in html
    assert "2 comments" in html and "Write today's report" in html
    assert (
        more.count('href="/reports/') - more.count('href="/reports/write/"') == 11 + 2
    )  # + the menu's, desk and phone
    assert len(many) == len(few)

"""Issue 19 item 9: /api/daily-reports/: my reports, one report (figures, texts, comments), submit, edit the
texts, comment, the team's reports of a day; the same visibility and services as the pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crm.models import Notification, Team
from tests.crm.factories import SalespersonFactory
from tests.visits.factories import VisitFactory
from tests.visits.reports.conftest import WEDNESDAY, at
from tests.visits.reports.factories import DailyReportCommentFactory, DailyReportFactory
from visits.models import FormSubmission
from visits.reports.models import DailyReport, DailyReportComment
from visits.reports.services import comment_on_daily_report, submit_daily_report

TEXTS = {"went_well": "顺达答应看报价", "problems": "两家嫌贵", "tomorrow_plan": "带车队方案回访顺达"}


@pytest.fixture
def api():
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_submit_answers_the_report_with_its_figures_and_a_resend_answers_it_again(api, staff, rated_day):
    api.force_authenticate(staff.sales1)

    created = api.post("/api/daily-reports/", TEXTS, format="json")
    resent = api.post("/api/daily-reports/", TEXTS, format="json")
    other = api.post("/api/daily-reports/", TEXTS | {"problems": "别的"}, format="json")

    assert (created.status_code, resent.status_code, other.status_code) == (201, 200, 400)
    body = created.json()
    report = DailyReport.objects.get()
    assert (body["id"], body["day"], body["late"], body["form_submission"]) == (
        report.pk,
        "2026-11-25",
        False,
        FormSubmission.objects.get().pk,
    )
    assert body["figures"] == {
        "visit_count": 7,
        "visits_by_kind": {"first": 3, "second": 1, "joint": 1, "office": 1, "phone": 1},
        "intent_counts": {"A": 1, "B": 3, "C": 2, "D": 1},
        "new_customers": 2,
        "deal_count": 2,
        "deal_amount": "19999.75",
        "quota_required": 6,
        "quota_counted": 5,
        "shortfall": 1,
    }
    assert body["current_figures"] == body["figures"]
    assert (body["changes_since_submission"], body["comments"], body["texts_editable"]) == ([], [], True)
    assert (body["went_well"], body["problems"], body["tomorrow_plan"]) == tuple(TEXTS.values())
    assert resent.json()["id"] == report.pk
    assert other.json()["detail"].startswith("Your report of 2026-11-25 was submitted at 11-25 19:00.")


def test_submit_is_refused_while_a_visit_is_unrated(api, staff, a_day):
    api.force_authenticate(staff.sales1)

    response = api.post("/api/daily-reports/", TEXTS, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Rate these visits first: 客户7 (16:00)."}
    assert (DailyReport.objects.count(), FormSubmission.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"day": "2026-11-26"}, 400, "detail"),
        ({"day": "not a day"}, 400, "day"),
        ({"went_well": "x" * 2001}, 400, "went_well"),
        ({"tomorrow_plan": 0}, 400, "tomorrow_plan"),  # text only: a number is not turned into "0"
        ({"problems": ["列表"]}, 400, "problems"),
    ],
)
def test_submit_refuses_bad_input_with_its_reason(api, staff, rated_day, body, status, field):
    api.force_authenticate(staff.sales1)

    response = api.post("/api/daily-reports/", body, format="json")

    assert response.status_code == status and field in response.json()
    assert DailyReport.objects.count() == 0


@pytest.mark.parametrize("who", ["manager1", "admin", "info1"])
def test_only_a_salesperson_submits(api, staff, who):
    api.force_authenticate(getattr(staff, who))

    assert api.post("/api/daily-reports/", TEXTS, format="json").status_code == 403


def test_weekly_mode_submits_no_forms(api, staff, rated_day):
    Team.objects.filter(pk=staff.team_one.pk).update(form_submission=Team.FormSubmission.WEEKLY)
    api.force_authenticate(staff.sales1)

    response = api.post("/api/daily-reports/", TEXTS, format="json")

    assert (response.status_code, response.json()["form_submission"]) == (201, None)
    assert FormSubmission.objects.count() == 0


@pytest.fixture
def reports(staff):
    """Wednesday's and Tuesday's report of sales1, Wednesday's of sales2 (team one) and of sales3 (team two)."""
    return {
        "sales1": DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY),
        "sales1_tuesday": DailyReportFactory(salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=1)),
        "sales2": DailyReportFactory(salesperson=staff.sales2, day=WEDNESDAY),
        "sales3": DailyReportFactory(salesperson=staff.sales3, day=WEDNESDAY),
    }


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("sales1", ["sales1", "sales1_tuesday"]),
        ("sales3", ["sales3"]),
        ("manager1", ["sales1", "sales2", "sales1_tuesday"]),
        ("manager2", ["sales3"]),
        ("admin", ["sales1", "sales2", "sales3", "sales1_tuesday"]),
        ("info1", []),
    ],
)
def test_each_role_lists_the_reports_it_sees(api, staff, reports, who, seen):
    api.force_authenticate(getattr(staff, who))

    listed = api.get("/api/daily-reports/").json()["results"]

    assert [row["id"] for row in listed] == [reports[name].pk for name in seen]
    for name, report in reports.items():
        expected = 200 if name in seen else 404
        assert api.get(f"/api/daily-reports/{report.pk}/").status_code == expected, name


def test_the_list_filters_by_day_and_counts_comments(api, staff, reports):
    DailyReportCommentFactory.create_batch(2, report=reports["sales1"])
    api.force_authenticate(staff.manager1)

    listed = api.get("/api/daily-reports/?day=2026-11-24").json()["results"]
    wednesday = api.get(f"/api/daily-reports/?day=2026-11-25&salesperson={staff.sales1.pk}").json()["results"]

    assert [row["id"] for row in listed] == [reports["sales1_tuesday"].pk]
    assert [(row["id"], row["comment_count"]) for row in wednesday] == [(reports["sales1"].pk, 2)]


def test_the_manager_comments_and_the_salesperson_is_told(api, staff, rated_day):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    api.force_authenticate(staff.manager1)

    response = api.post(f"/api/daily-reports/{report.pk}/comments/", {"text": "明天先去顺达"}, format="json")
    empty = api.post(f"/api/daily-reports/{report.pk}/comments/", {"text": ""}, format="json")

    assert response.status_code == 201
    comment = DailyReportComment.objects.get()
    assert response.json() == {
        "id": comment.pk,
        "report": report.pk,
        "author": staff.manager1.pk,
        "author_name": str(staff.manager1),
        "text": "明天先去顺达",
        "created_at": "2026-11-25T19:00:00+08:00",
    }
    assert empty.status_code == 400
    assert Notification.objects.get().recipient == staff.sales1
    api.force_authenticate(staff.sales1)
    detail = api.get(f"/api/daily-reports/{report.pk}/").json()
    assert [(row["author"], row["text"]) for row in detail["comments"]] == [(staff.manager1.pk, "明天先去顺达")]
    assert detail["texts_editable"] is False


@pytest.mark.parametrize("who", ["manager2", "sales2", "sales3", "info1"])
def test_outside_the_report_a_comment_is_404(api, staff, reports, who):
    api.force_authenticate(getattr(staff, who))

    response = api.post(f"/api/daily-reports/{reports['sales1'].pk}/comments/", {"text": "看看"}, format="json")

    assert response.status_code == 404
    assert DailyReportComment.objects.count() == 0


def test_patch_changes_the_texts_until_the_manager_comments(api, staff, rated_day):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    api.force_authenticate(staff.sales1)

    changed = api.patch(f"/api/daily-reports/{report.pk}/", {"problems": "一家嫌贵"}, format="json")
    comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="收到")
    refused = api.patch(f"/api/daily-reports/{report.pk}/", {"problems": "都嫌贵"}, format="json")
    api.force_authenticate(staff.manager1)
    by_manager = api.patch(f"/api/daily-reports/{report.pk}/", {"problems": "经理改"}, format="json")

    assert changed.status_code == 200
    assert (changed.json()["problems"], changed.json()["went_well"]) == ("一家嫌贵", TEXTS["went_well"])
    assert changed.json()["texts_edited_at"] == "2026-11-25T19:00:00+08:00"
    assert refused.status_code == 400 and "so its texts stay as they were read" in refused.json()["detail"]
    assert by_manager.status_code == 404
    assert DailyReport.objects.get().problems == "一家嫌贵"


def test_the_detail_says_what_changed_since_the_submission(api, staff, rated_day):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    VisitFactory(salesperson=staff.sales1, customer=rated_day.customers[0], visited_at=at(WEDNESDAY, 18), intent="A")
    api.force_authenticate(staff.manager1)

    body = api.get(f"/api/daily-reports/{report.pk}/").json()

    assert body["figures"]["visit_count"] == 7 and body["current_figures"]["visit_count"] == 8
    assert body["changes_since_submission"] == ["visits 7 → 8", "ratings A1 B3 C2 D1 → A2 B3 C2 D1", "quota 5/6 → 6/6"]


def test_the_team_day_lists_the_reports_and_who_has_not_submitted(api, staff, reports):
    api.force_authenticate(staff.manager1)

    body = api.get("/api/daily-reports/team-day/?day=2026-11-25").json()

    assert (body["day"], body["count"], body["page"], body["pages"]) == ("2026-11-25", 2, 1, 1)
    assert [row["id"] for row in body["reports"]] == [reports["sales1"].pk, reports["sales2"].pk]
    assert body["not_submitted"] == []
    tuesday = api.get("/api/daily-reports/team-day/?day=2026-11-24").json()
    assert [row["username"] for row in tuesday["not_submitted"]] == ["sales2"]
    assert tuesday["not_submitted"][0]["team"] == "一组"


@pytest.mark.parametrize(("who", "status"), [("sales1", 403), ("info1", 403), ("manager2", 200), ("admin", 200)])
def test_the_team_day_is_for_managers_and_the_admin(api, staff, reports, who, status):
    api.force_authenticate(getattr(staff, who))

    response = api.get("/api/daily-reports/team-day/?day=2026-11-25")

    assert response.status_code == status
    if who == "manager2":
        assert [row["id"] for row in response.json()["reports"]] == [reports["sales3"].pk]


def test_a_bad_day_is_a_400_with_the_reason(api, staff):
    api.force_authenticate(staff.manager1)

    response = api.get("/api/daily-reports/team-day/?day=2026-13-45")
    page = api.get("/api/daily-reports/team-day/?page=null")

    assert response.status_code == 400 and "day" in response.json()
    assert page.status_code == 400 and page.json() == {"page": ["“null” is not a page number."]}


def queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


def test_the_api_costs_the_same_queries_at_two_sizes(api, staff, reports):
    api.force_authenticate(staff.manager1)
    paths = [
        "/api/daily-reports/",
        "/api/daily-reports/team-day/?day=2026-11-25",
        f"/api/daily-reports/{reports['sales1'].pk}/",
    ]
    few = [queries(api, path) for path in paths]

    for n in range(6):
        person = SalespersonFactory(username=f"extra{n}", team=staff.team_one)
        report = DailyReportFactory(salesperson=person, day=WEDNESDAY)
        DailyReportCommentFactory.create_batch(2, report=report)
        SalespersonFactory(username=f"missing{n}", team=staff.team_one)
    DailyReportCommentFactory.create_batch(4, report=reports["sales1"])

    assert [queries(api, path) for path in paths] == few

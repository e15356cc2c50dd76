"""The demo shows the daily reports: sales1's report of the previous working day with manager1's comment,
which sales1 finds on My day; two salespeople still to submit it."""

import pytest
from django.core.management import call_command

from crm.models import Notification, User
from visits.reports.models import DailyReport, DailyReportComment
from visits.reports.selectors import comments_for_my_day, day_figures_of
from visits.tasks import default_quota_day


@pytest.mark.django_db
def test_the_demo_has_sales1s_report_with_manager1s_comment(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")

    day = default_quota_day()
    sales1 = User.objects.get(username="sales1")
    report = DailyReport.objects.get(salesperson=sales1, day=day)
    comment = DailyReportComment.objects.get(report=report)
    assert comment.author.username == "manager1"
    assert [found.pk for found in comments_for_my_day(salesperson=sales1)] == [comment.pk]
    assert (
        Notification.objects.filter(
            recipient=sales1, kind="daily_report_comment", link=f"/reports/{report.pk}/"
        ).count()
        == 1
    )
    # Written through the service: the figures are the demo day's, and no later change is reported.
    assert report.figures == day_figures_of(salesperson=sales1, day=day)
    assert report.figures.visit_count > 0 and report.went_well and report.tomorrow_plan
    assert not DailyReport.objects.filter(day=day, salesperson__username__in=["sales4", "sales8"]).exists()
    client.force_login(sales1)
    assert comment.text in client.get("/visits/today/").content.decode()

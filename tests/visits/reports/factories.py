"""Factories for daily reports and their comments: rows stored directly, for building state.
``visits.reports.services`` (``submit_daily_report``, ``edit_daily_report``, ``comment_on_daily_report``)
apply the rules (the figures of the day, the forms, the refusals, the notices); use them when the test is
about those."""

from datetime import datetime, time, timedelta

import factory
from django.utils import timezone

from tests.crm.factories import SalespersonFactory
from visits.reports.models import DailyReport, DailyReportComment


class DailyReportFactory(factory.django.DjangoModelFactory):
    """Today's report handed in now, on time, of a day without a visit, with its three texts."""

    class Meta:
        model = DailyReport

    salesperson = factory.SubFactory(SalespersonFactory)
    day = factory.LazyFunction(timezone.localdate)
    submitted_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(
        lambda report: timezone.make_aware(datetime.combine(report.day + timedelta(days=1), time(8, 30)))
    )
    visits_by_kind = factory.LazyFunction(lambda: {"first": 0, "second": 0, "joint": 0, "office": 0, "phone": 0})
    intent_counts = factory.LazyFunction(lambda: {"A": 0, "B": 0, "C": 0, "D": 0})
    went_well = "拿下一家车队客户"
    problems = "价格异议"
    tomorrow_plan = "回访顺达汽修厂"


class DailyReportCommentFactory(factory.django.DjangoModelFactory):
    """A comment in a report's thread; the author defaults to the salesperson's team manager when there is one."""

    class Meta:
        model = DailyReportComment

    report = factory.SubFactory(DailyReportFactory)
    author = factory.LazyAttribute(
        lambda comment: (
            (comment.report.salesperson.team and comment.report.salesperson.team.manager) or comment.report.salesperson
        )
    )
    text = "很好，继续跟进"

"""A report sent from two devices at once, and a comment written while the salesperson edits the texts, on
PostgreSQL with real threads. SQLite serialises every writer, so there is no race to lose there."""

import pytest
from django.db import connection
from django.utils import timezone

from crm.errors import ApplicationError
from tests.accounts.factories import CustomerFactory
from tests.concurrency import at_once
from visits.models import FormSubmission
from visits.reports.models import DailyReport, DailyReportComment
from visits.reports.services import comment_on_daily_report, edit_daily_report, submit_daily_report
from visits.services import rate_visit, record_visit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]

TEXTS = {"went_well": "顺达答应看报价", "problems": "两家嫌贵", "tomorrow_plan": "带车队方案回访顺达"}


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


@pytest.fixture
def rated_visit(people, owned_tree):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"])
    visit = record_visit(salesperson=people.sales1, customer_id=customer.pk, visited_at=timezone.now())
    return rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent="B")


def test_the_same_report_sent_twice_at_once_is_stored_once_with_one_form_submission(people, rated_visit):
    outcomes = at_once(*[lambda: submit_daily_report(salesperson=people.sales1, **TEXTS)] * 3)

    report = DailyReport.objects.get()
    assert [outcome.pk for outcome in outcomes] == [report.pk] * 3, outcomes
    assert sorted(outcome.replayed for outcome in outcomes) == [False, True, True]
    assert FormSubmission.objects.get().pk == report.form_submission_id


def test_a_comment_and_an_edit_at_once_never_leave_an_edit_after_the_comment(people, rated_visit):
    report = submit_daily_report(salesperson=people.sales1, **TEXTS)

    edit, comment = at_once(
        lambda: edit_daily_report(report_id=report.pk, salesperson=people.sales1, **(TEXTS | {"problems": "改了"})),
        lambda: comment_on_daily_report(report_id=report.pk, author=people.manager1, text="收到"),
    )

    assert isinstance(comment, DailyReportComment), comment
    report.refresh_from_db()
    if isinstance(edit, ApplicationError):  # the comment came first: the texts stay as they were read
        assert (report.problems, report.texts_edited_at) == ("两家嫌贵", None)
    else:  # the edit came first: the manager commented on the edited texts
        assert report.problems == "改了" and report.texts_edited_at < comment.created_at

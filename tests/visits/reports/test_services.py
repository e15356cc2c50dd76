"""Issue 19 item 8: submitting the daily report (with the day's forms where the team hands them in daily),
its refusals, editing its texts, and the comment thread with its notices."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.errors import ApplicationError, NotFound, NotPermitted
from crm.models import Notification, Team
from tests.visits.factories import VisitFactory
from tests.visits.reports.conftest import WEDNESDAY, at
from visits.models import FormSubmission
from visits.reports.models import DailyReport, DailyReportComment
from visits.reports.services import comment_on_daily_report, edit_daily_report, submit_daily_report
from visits.services import submit_forms

TEXTS = {"went_well": "顺达答应看报价", "problems": "两家嫌贵", "tomorrow_plan": "带车队方案回访顺达"}


def test_in_daily_mode_the_report_is_the_days_form_submission(rated_day, staff):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    submission = FormSubmission.objects.get()
    assert (submission.salesperson, submission.period_start, submission.period_end, submission.visit_count) == (
        staff.sales1,
        WEDNESDAY,
        WEDNESDAY,
        7,
    )
    assert (submission.submitted_at, submission.late) == (at(WEDNESDAY, 19), False)
    stored = DailyReport.objects.get()
    assert stored.pk == report.pk and stored.form_submission == submission
    assert (stored.day, stored.submitted_at, stored.due_at, stored.late) == (
        WEDNESDAY,
        at(WEDNESDAY, 19),
        at(WEDNESDAY + timedelta(days=1), 8, 30),
        False,
    )
    assert (stored.went_well, stored.problems, stored.tomorrow_plan) == tuple(TEXTS.values())
    # The figures as submitted, kept on the report.
    assert (stored.visits_by_kind, stored.intent_counts) == (
        {"first": 3, "second": 1, "joint": 1, "office": 1, "phone": 1},
        {"A": 1, "B": 3, "C": 2, "D": 1},
    )
    assert (stored.new_customers, stored.deal_count, stored.deal_amount) == (2, 2, Decimal("19999.75"))
    assert (stored.quota_required, stored.quota_counted, stored.figures.shortfall) == (6, 5, 1)


def test_forms_handed_in_before_the_report_are_linked_not_handed_in_again(rated_day, staff):
    earlier = submit_forms(salesperson=staff.sales1, at=at(WEDNESDAY, 18))

    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    assert report.form_submission == earlier
    assert FormSubmission.objects.count() == 1


def test_in_weekly_mode_the_report_leaves_the_forms_to_the_week(rated_day, staff):
    Team.objects.filter(pk=staff.team_one.pk).update(form_submission=Team.FormSubmission.WEEKLY)

    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    assert report.form_submission is None
    assert FormSubmission.objects.count() == 0
    assert report.due_at == at(WEDNESDAY + timedelta(days=1), 8, 30)
    # The week's forms are handed in as before, by the week.
    submission = submit_forms(salesperson=staff.sales1)
    assert (submission.period_start, submission.period_end, submission.visit_count) == (
        WEDNESDAY - timedelta(days=2),
        WEDNESDAY + timedelta(days=4),
        8,  # Tuesday's visit too
    )


@pytest.mark.parametrize("mode", [Team.FormSubmission.DAILY, Team.FormSubmission.WEEKLY])
def test_refused_while_a_visit_of_the_day_is_unrated_and_nothing_is_stored(a_day, staff, english, mode):
    Team.objects.filter(pk=staff.team_one.pk).update(form_submission=mode)

    with pytest.raises(ApplicationError) as refused:
        submit_daily_report(salesperson=staff.sales1, **TEXTS)

    assert str(refused.value.message) == "Rate these visits first: 客户7 (16:00)."
    assert (DailyReport.objects.count(), FormSubmission.objects.count()) == (0, 0)


def test_a_late_report_is_late(rated_day, staff, wednesday):
    wednesday.move_to(at(WEDNESDAY + timedelta(days=1), 9))

    report = submit_daily_report(salesperson=staff.sales1, day=WEDNESDAY, **TEXTS)

    assert (report.day, report.late, report.form_submission.late) == (WEDNESDAY, True, True)


def test_the_same_report_sent_twice_is_stored_once_and_other_texts_are_refused(rated_day, staff, english):
    first = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    again = submit_daily_report(salesperson=staff.sales1, **TEXTS)
    with pytest.raises(ApplicationError) as refused:
        submit_daily_report(salesperson=staff.sales1, **(TEXTS | {"problems": "别的"}))

    assert (again.pk, again.replayed, first.replayed) == (first.pk, True, False)
    assert str(refused.value.message) == (
        "Your report of 2026-11-25 was submitted at 11-25 19:00. Change its texts on the report instead."
    )
    assert DailyReport.objects.get().problems == "两家嫌贵"


def test_refusals_that_change_nothing(rated_day, staff, english, settings):
    with pytest.raises(NotPermitted):
        submit_daily_report(salesperson=staff.manager1, **TEXTS)
    with pytest.raises(ApplicationError) as future:
        submit_daily_report(salesperson=staff.sales1, day=WEDNESDAY + timedelta(days=1), **TEXTS)
    settings.CRM = settings.CRM | {"MAX_NOTE_LENGTH": 5}
    with pytest.raises(ValidationError) as too_long:
        submit_daily_report(salesperson=staff.sales1, went_well="一二三四五六", problems="", tomorrow_plan="")

    assert str(future.value.message) == "A report cannot be submitted for a day that has not come yet."
    assert too_long.value.message_dict == {"went_well": ["Write at most 5 characters (this has 6)."]}
    assert (DailyReport.objects.count(), FormSubmission.objects.count()) == (0, 0)


def test_a_visit_logged_after_the_report_leaves_its_figures_as_submitted(rated_day, staff):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    VisitFactory(salesperson=staff.sales1, customer=rated_day.customers[0], visited_at=at(WEDNESDAY, 18), intent="A")

    report.refresh_from_db()
    assert (report.figures.visit_count, report.intent_counts["A"]) == (7, 1)


# --- editing the texts ---------------------------------------------------------------------------


def test_the_texts_can_be_changed_until_the_manager_comments(rated_day, staff, english):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    edited = edit_daily_report(report_id=report.pk, salesperson=staff.sales1, **(TEXTS | {"problems": "一家嫌贵"}))
    comment_on_daily_report(report_id=report.pk, author=staff.sales1, text="补充：下午去了工业园")
    still = edit_daily_report(report_id=report.pk, salesperson=staff.sales1, **(TEXTS | {"problems": "都嫌贵"}))
    comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="价格的事明天早会谈")
    with pytest.raises(ApplicationError) as refused:
        edit_daily_report(report_id=report.pk, salesperson=staff.sales1, **TEXTS)

    assert (edited.problems, edited.texts_edited_at) == ("一家嫌贵", at(WEDNESDAY, 19))
    assert still.problems == "都嫌贵"  # the salesperson's own answer does not lock the texts
    assert str(refused.value.message) == (
        "Your manager has commented on this report, so its texts stay as they were read. Answer in the comments."
    )
    report.refresh_from_db()
    assert report.problems == "都嫌贵"
    assert (report.figures.visit_count, report.deal_amount) == (7, Decimal("19999.75"))


def test_the_texts_can_be_changed_until_the_end_of_the_next_day(rated_day, staff, english, wednesday):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    wednesday.move_to(at(WEDNESDAY + timedelta(days=1), 23, 59))
    edit_daily_report(report_id=report.pk, salesperson=staff.sales1, **(TEXTS | {"went_well": "周四改"}))
    wednesday.move_to(at(WEDNESDAY + timedelta(days=2), 0, 1))
    with pytest.raises(ApplicationError) as refused:
        edit_daily_report(report_id=report.pk, salesperson=staff.sales1, **(TEXTS | {"went_well": "周五改"}))

    assert (
        str(refused.value.message) == "The texts of a report can be changed until the end of the next day (2026-11-26)."
    )
    assert DailyReport.objects.get().went_well == "周四改"


def test_only_ones_own_report_can_be_edited(rated_day, staff):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    with pytest.raises(NotFound):
        edit_daily_report(report_id=report.pk, salesperson=staff.sales2, **TEXTS)


# --- comments -----------------------------------------------------------------------------------


def test_the_managers_comment_tells_the_salesperson_and_the_answer_tells_the_manager(rated_day, staff, english):
    """Each notice in its recipient's language: sales1 reads English, manager1 has none set (the site's: Chinese)."""
    staff.sales1.language = "en"
    staff.sales1.save(update_fields=["language"])
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    comment = comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="  价格异议用理赔时效回应  ")
    comment_on_daily_report(report_id=report.pk, author=staff.sales1, text="好的，明天试试")

    assert (comment.report, comment.author, comment.text) == (report, staff.manager1, "价格异议用理赔时效回应")
    link = f"/reports/{report.pk}/"
    assert list(Notification.objects.order_by("pk").values_list("recipient", "kind", "text", "link")) == [
        (
            staff.sales1.pk,
            "daily_report_comment",
            f"{staff.manager1} commented on your daily report of 2026-11-25: 价格异议用理赔时效回应",
            link,
        ),
        (staff.manager1.pk, "daily_report_comment", f"{staff.sales1} 答复了 2026-11-25 的日报：好的，明天试试", link),
    ]


def test_the_admin_comments_on_any_report_and_the_answer_tells_the_admin_and_the_manager(rated_day, staff):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    comment_on_daily_report(report_id=report.pk, author=staff.admin, text="整个团队都要学")
    comment_on_daily_report(report_id=report.pk, author=staff.sales1, text="谢谢")

    assert list(Notification.objects.order_by("pk").values_list("recipient", flat=True)) == [
        staff.sales1.pk,
        *sorted([staff.manager1.pk, staff.admin.pk]),
    ]


@pytest.mark.parametrize("who", ["manager2", "sales2", "sales3", "info1"])
def test_outside_the_report_nobody_comments(rated_day, staff, who):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    with pytest.raises(NotFound):
        comment_on_daily_report(report_id=report.pk, author=getattr(staff, who), text="看不到")

    assert (DailyReportComment.objects.count(), Notification.objects.count()) == (0, 0)


def test_an_empty_comment_is_refused_and_a_double_tap_posts_once(rated_day, staff, english):
    report = submit_daily_report(salesperson=staff.sales1, **TEXTS)

    with pytest.raises(ValidationError) as empty:
        comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="   ")
    first = comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="很好")
    second = comment_on_daily_report(report_id=report.pk, author=staff.manager1, text="很好")

    assert empty.value.message_dict == {"text": ["Write a comment first."]}
    assert second.pk == first.pk
    assert (DailyReportComment.objects.count(), Notification.objects.count()) == (1, 1)

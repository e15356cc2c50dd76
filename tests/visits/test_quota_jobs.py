"""The daily visit-quota check and the weekly assessment: edges and idempotency."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.customers.models import Customer
from crm.models import Notification, User
from visits.models import Assessment, Leave, QuotaOverride, QuotaShortfall, Visit, WorkingDay
from visits.services import assess_visit_counts, check_visit_quotas

WEDNESDAY = date(2026, 11, 25)


@pytest.fixture
def staff(people):
    """Everyone joined long ago; team one's quota is 3 a day, team two's 2."""
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    people.team_one.daily_visit_quota = 3
    people.team_one.save()
    people.team_two.daily_visit_quota = 2
    people.team_two.save()
    return people


@pytest.fixture
def customer(db):
    return Customer.objects.create(unit_name="顺达汽修厂")


def log_visits(salesperson, customer, day, count):
    at = timezone.make_aware(datetime.combine(day, time(10)))
    Visit.objects.bulk_create(
        [Visit(salesperson=salesperson, customer=customer, visited_at=at, visited_on=day) for _ in range(count)]
    )


def shortfalls(day):
    return sorted(QuotaShortfall.objects.filter(day=day).values_list("salesperson__username", "required", "actual"))


def test_shortfalls_for_everyone_below_quota_and_only_them(staff, customer):
    log_visits(staff.sales1, customer, WEDNESDAY, 3)
    log_visits(staff.sales2, customer, WEDNESDAY, 1)
    log_visits(staff.sales3, customer, WEDNESDAY - timedelta(days=1), 5)  # the day before does not count

    assert check_visit_quotas(day=WEDNESDAY) == 2

    assert shortfalls(WEDNESDAY) == [("sales2", 3, 1), ("sales3", 2, 0)]
    notes = Notification.objects.filter(kind="quota_shortfall").order_by("recipient__username")
    assert [n.recipient.username for n in notes] == ["sales2", "sales3"]
    assert notes[0].text == "2026-11-25：拜访 1 次，要求 3 次。请说明未达标原因。"


def test_running_twice_changes_nothing(staff, customer):
    log_visits(staff.sales1, customer, WEDNESDAY, 1)

    first = check_visit_quotas(day=WEDNESDAY)
    second = check_visit_quotas(day=WEDNESDAY)

    assert (first, second) == (3, 0)
    assert QuotaShortfall.objects.count() == 3
    assert Notification.objects.filter(kind="quota_shortfall").count() == 3


def test_a_visit_logged_late_withdraws_the_shortfall_on_the_rerun(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    log_visits(staff.sales1, customer, WEDNESDAY, 3)

    with time_machine.travel(datetime(2026, 11, 26, 7, 0, tzinfo=timezone.get_default_timezone()), tick=False):
        assert check_visit_quotas(day=WEDNESDAY) == 0

    withdrawn = QuotaShortfall.objects.get(salesperson=staff.sales1, day=WEDNESDAY)
    assert withdrawn.status == QuotaShortfall.Review.WITHDRAWN
    assert withdrawn.withdrawal_reason == QuotaShortfall.Withdrawal.QUOTA_MET
    assert withdrawn.withdrawn_at == datetime(2026, 11, 26, 7, 0, tzinfo=timezone.get_default_timezone())
    assert (withdrawn.required, withdrawn.actual, withdrawn.counted_at_withdrawal) == (3, 0, 3)
    # the others still fall short and stay open
    assert sorted(
        QuotaShortfall.objects.exclude(status=QuotaShortfall.Review.WITHDRAWN).values_list(
            "salesperson__username", flat=True
        )
    ) == ["sales2", "sales3"]
    told = Notification.objects.filter(kind="quota_shortfall_withdrawn")
    assert [(n.recipient.username, n.text) for n in told] == [
        ("sales1", "2026-11-25 的拜访量不足已撤销：计入的拜访已达到要求（3 / 3）。无需再说明。")
    ]


def test_leave_entered_afterwards_withdraws_the_shortfall(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    Leave.objects.create(salesperson=staff.sales2, start_day=WEDNESDAY, end_day=WEDNESDAY, reason="病假")

    check_visit_quotas(day=WEDNESDAY)

    withdrawn = QuotaShortfall.objects.get(salesperson=staff.sales2, day=WEDNESDAY)
    assert (withdrawn.status, withdrawn.withdrawal_reason) == ("withdrawn", "leave")
    assert withdrawn.withdrawn_at is not None
    assert [n.text for n in Notification.objects.filter(kind="quota_shortfall_withdrawn")] == [
        "2026-11-25 的拜访量不足已撤销：当天请假。无需再说明。"
    ]


def test_a_holiday_entered_afterwards_withdraws_the_days_shortfalls(staff):
    check_visit_quotas(day=WEDNESDAY)
    WorkingDay.objects.create(day=WEDNESDAY, is_working=False, note="假日")

    assert check_visit_quotas(day=WEDNESDAY) == 0

    assert sorted(QuotaShortfall.objects.values_list("salesperson__username", "status", "withdrawal_reason")) == [
        ("sales1", "withdrawn", "not_working_day"),
        ("sales2", "withdrawn", "not_working_day"),
        ("sales3", "withdrawn", "not_working_day"),
    ]
    assert Notification.objects.filter(kind="quota_shortfall_withdrawn").count() == 3


def test_a_withdrawal_is_told_once_and_the_rerun_changes_nothing(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    log_visits(staff.sales1, customer, WEDNESDAY, 3)
    check_visit_quotas(day=WEDNESDAY)
    before = list(QuotaShortfall.objects.order_by("pk").values())

    assert check_visit_quotas(day=WEDNESDAY) == 0

    assert list(QuotaShortfall.objects.order_by("pk").values()) == before
    assert Notification.objects.filter(kind="quota_shortfall_withdrawn").count() == 1
    assert Notification.objects.filter(kind="quota_shortfall").count() == 3


def test_a_reviewed_shortfall_that_no_longer_holds_is_withdrawn_and_its_review_kept(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    QuotaShortfall.objects.filter(salesperson=staff.sales1).update(
        explanation="客户不在", status=QuotaShortfall.Review.REJECTED, reviewed_by=staff.manager1, review_note="不行"
    )
    log_visits(staff.sales1, customer, WEDNESDAY, 3)

    check_visit_quotas(day=WEDNESDAY)

    shortfall = QuotaShortfall.objects.get(salesperson=staff.sales1)
    assert (shortfall.status, shortfall.reviewed_by, shortfall.review_note) == ("withdrawn", staff.manager1, "不行")


def test_a_late_visit_that_leaves_a_shortfall_updates_its_figure_quietly(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    log_visits(staff.sales1, customer, WEDNESDAY, 2)

    check_visit_quotas(day=WEDNESDAY)

    shortfall = QuotaShortfall.objects.get(salesperson=staff.sales1)
    assert (shortfall.status, shortfall.required, shortfall.actual) == ("awaiting_explanation", 3, 2)
    assert Notification.objects.filter(kind="quota_shortfall_withdrawn").count() == 0
    assert Notification.objects.filter(recipient=staff.sales1).count() == 1


def test_a_withdrawn_shortfall_that_holds_again_is_reopened_and_told(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    leave = Leave.objects.create(salesperson=staff.sales2, start_day=WEDNESDAY, end_day=WEDNESDAY)
    check_visit_quotas(day=WEDNESDAY)
    leave.delete()  # entered by mistake

    assert check_visit_quotas(day=WEDNESDAY) == 0

    shortfall = QuotaShortfall.objects.get(salesperson=staff.sales2)
    assert (shortfall.status, shortfall.withdrawn_at, shortfall.withdrawal_reason) == (
        "awaiting_explanation",
        None,
        "",
    )
    assert list(Notification.objects.filter(recipient=staff.sales2).order_by("pk").values_list("kind", flat=True)) == [
        "quota_shortfall",
        "quota_shortfall_withdrawn",
        "quota_shortfall",
    ]


def test_weekends_and_holidays_have_no_quota_but_make_up_days_do(staff):
    WorkingDay.objects.create(day=WEDNESDAY, is_working=False, note="假日")
    WorkingDay.objects.create(day=date(2026, 11, 28), is_working=True, note="调休")

    assert check_visit_quotas(day=WEDNESDAY) == 0
    assert check_visit_quotas(day=date(2026, 11, 29)) == 0  # Sunday
    assert check_visit_quotas(day=date(2026, 11, 28)) == 3  # Saturday, make-up working day
    assert QuotaShortfall.objects.filter(day=WEDNESDAY).count() == 0


def test_leave_and_new_starters_are_not_shortfalls(staff, settings):
    settings.CRM = {**settings.CRM, "NEW_STARTER_GRACE_DAYS": 5}
    Leave.objects.create(salesperson=staff.sales1, start_day=WEDNESDAY, end_day=WEDNESDAY, reason="病假")
    staff.sales2.date_joined = timezone.make_aware(datetime(2026, 11, 21, 9))  # four days before
    staff.sales2.save()

    check_visit_quotas(day=WEDNESDAY)

    assert shortfalls(WEDNESDAY) == [("sales3", 2, 0)]


def test_a_personal_quota_replaces_the_teams_from_its_start_day(staff, customer):
    QuotaOverride.objects.create(salesperson=staff.sales1, daily_minimum=1, valid_from=WEDNESDAY)
    QuotaOverride.objects.create(salesperson=staff.sales2, daily_minimum=1, valid_from=WEDNESDAY + timedelta(days=1))
    log_visits(staff.sales1, customer, WEDNESDAY, 1)
    log_visits(staff.sales2, customer, WEDNESDAY, 1)

    check_visit_quotas(day=WEDNESDAY)

    assert shortfalls(WEDNESDAY) == [("sales2", 3, 1), ("sales3", 2, 0)]


def test_inactive_people_and_other_roles_are_not_checked(staff):
    staff.sales3.is_active = False
    staff.sales3.save()

    check_visit_quotas(day=WEDNESDAY)

    assert [row[0] for row in shortfalls(WEDNESDAY)] == ["sales1", "sales2"]


def test_the_check_is_one_query_for_everyone(staff, customer, django_assert_max_num_queries):
    log_visits(staff.sales1, customer, WEDNESDAY, 3)

    with django_assert_max_num_queries(9):  # + the recipients of the notifications (their language)
        check_visit_quotas(day=WEDNESDAY)


# Weekly assessment: the fewest visits in the team N weeks running.

MONDAYS = [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def test_the_fewest_three_weeks_running_is_flagged_with_evidence(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 3}
    for monday, (first, second) in zip(MONDAYS, [(5, 2), (4, 1), (6, 3)], strict=True):
        log_visits(staff.sales1, customer, monday + timedelta(days=1), first)
        log_visits(staff.sales2, customer, monday + timedelta(days=2), second)

    assert assess_visit_counts(week=MONDAYS[-1]) == 1
    assessment = Assessment.objects.get()
    assert assessment.salesperson == staff.sales2
    assert assessment.consecutive_weeks == 3
    assert assessment.evidence == [
        week_figures("2026-11-09", 2, 5, "0.40", "0.40", "1.00"),
        week_figures("2026-11-16", 1, 5, "0.20", "0.20", "0.80"),
        week_figures("2026-11-23", 3, 5, "0.60", "0.60", "1.20"),
    ]
    # team two has one salesperson: nobody to be the fewest against
    assert assess_visit_counts(week=MONDAYS[-1]) == 0
    assert Assessment.objects.count() == 1


def week_figures(week, visits, days, rate, lowest, highest):
    return {
        "week": week,
        "visits": visits,
        "working_days": days,
        "rate": rate,
        "team_lowest_rate": lowest,
        "team_highest_rate": highest,
    }


def test_not_the_fewest_every_week_is_not_flagged(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 3}
    for monday, (first, second) in zip(MONDAYS, [(5, 2), (1, 4), (6, 3)], strict=True):
        log_visits(staff.sales1, customer, monday, first)
        log_visits(staff.sales2, customer, monday, second)

    assert assess_visit_counts(week=MONDAYS[-1]) == 0


def test_the_whole_team_tying_flags_nobody(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 2}
    log_visits(staff.sales1, customer, MONDAYS[1], 4)
    log_visits(staff.sales2, customer, MONDAYS[1], 4)

    assert assess_visit_counts(week=MONDAYS[-1]) == 0  # 0 visits each last week, 4 each the week before
    assert Assessment.objects.count() == 0


def test_a_tie_at_the_bottom_below_a_colleague_flags_both(staff, customer, settings):
    from tests.crm.factories import SalespersonFactory

    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 1}
    sales4 = SalespersonFactory(username="sales4", team=staff.team_one)
    User.objects.filter(pk=sales4.pk).update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    log_visits(sales4, customer, MONDAYS[-1], 6)
    log_visits(staff.sales1, customer, MONDAYS[-1], 2)
    log_visits(staff.sales2, customer, MONDAYS[-1], 2)

    assert assess_visit_counts(week=MONDAYS[-1]) == 2
    assert set(Assessment.objects.values_list("salesperson__username", flat=True)) == {"sales1", "sales2"}


def test_visits_are_compared_per_working_day_present(staff, customer, settings):
    """Week of 23 Nov with Monday a holiday: sales1 works all four days and makes 6 visits (1.50 a day);
    sales2 is on leave Tuesday and Wednesday and makes 4 visits in two days (2.00 a day). sales1 made
    more visits but is the one flagged."""
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 1}
    WorkingDay.objects.create(day=MONDAYS[-1], is_working=False, note="假日")
    Leave.objects.create(salesperson=staff.sales2, start_day=date(2026, 11, 24), end_day=date(2026, 11, 25))
    log_visits(staff.sales1, customer, date(2026, 11, 26), 6)
    log_visits(staff.sales2, customer, date(2026, 11, 27), 4)

    assert assess_visit_counts(week=MONDAYS[-1]) == 1

    assessment = Assessment.objects.get(salesperson__team=staff.team_one)
    assert assessment.salesperson == staff.sales1
    assert assessment.evidence == [week_figures("2026-11-23", 6, 4, "1.50", "1.50", "2.00")]


def test_a_week_away_is_not_compared(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 2}
    Leave.objects.create(salesperson=staff.sales2, start_day=MONDAYS[1], end_day=MONDAYS[1] + timedelta(days=6))
    log_visits(staff.sales1, customer, MONDAYS[1] + timedelta(days=1), 1)
    log_visits(staff.sales1, customer, MONDAYS[2], 1)
    log_visits(staff.sales2, customer, MONDAYS[2], 9)

    # sales1 was lowest last week, but alone the week before: not the fewest two weeks running
    assert assess_visit_counts(week=MONDAYS[-1]) == 0


def test_phone_calls_do_not_count_in_the_assessment(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 1}
    at = timezone.make_aware(datetime.combine(MONDAYS[-1], time(10)))
    Visit.objects.bulk_create(
        [
            Visit(salesperson=staff.sales1, customer=customer, kind="phone", visited_at=at, visited_on=MONDAYS[-1])
            for _ in range(5)
        ]
    )
    log_visits(staff.sales2, customer, MONDAYS[-1], 1)

    assert assess_visit_counts(week=MONDAYS[-1]) == 1
    assert Assessment.objects.get(salesperson__team=staff.team_one).salesperson == staff.sales1


def test_a_territory_reassigned_mid_week_counts_each_visit_for_whoever_made_it(staff, owned_tree, settings):
    """sales1 works 南山车友会 on Monday and Tuesday; it moves to sales2 on Wednesday. Each day's
    quota and the week's figures go to the person who made the visits, not to the territory's owner now."""
    from territories.services import assign_territory

    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 1}
    monday = date(2026, 11, 23)
    customer = Customer.objects.create(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"])
    log_visits(staff.sales1, customer, monday, 3)
    log_visits(staff.sales1, customer, monday + timedelta(days=1), 3)
    assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=staff.sales2, assigned_by=staff.admin)
    log_visits(staff.sales2, customer, WEDNESDAY, 3)
    log_visits(staff.sales2, customer, WEDNESDAY + timedelta(days=1), 1)

    for day in (monday, monday + timedelta(days=1), WEDNESDAY, WEDNESDAY + timedelta(days=1)):
        check_visit_quotas(day=day)

    by_person_and_day = sorted(
        QuotaShortfall.objects.filter(salesperson__team=staff.team_one).values_list(
            "salesperson__username", "day", "actual"
        )
    )
    assert by_person_and_day == [
        ("sales1", WEDNESDAY, 0),
        ("sales1", WEDNESDAY + timedelta(days=1), 0),
        ("sales2", monday, 0),
        ("sales2", monday + timedelta(days=1), 0),
        ("sales2", WEDNESDAY + timedelta(days=1), 1),
    ]
    # Week: sales1 made 6 visits, sales2 made 4; sales2 is the fewest, sales1 keeps their Monday and Tuesday.
    assert assess_visit_counts(week=monday) == 1
    assessment = Assessment.objects.get(salesperson__team=staff.team_one)
    assert assessment.salesperson == staff.sales2
    assert assessment.evidence == [week_figures("2026-11-23", 4, 5, "0.80", "0.80", "1.20")]
    # sales1 still sees the history of their own work on the customer they no longer hold.
    assert Visit.objects.visible_to(staff.sales1).count() == 6
    assert Visit.objects.visible_to(staff.sales2).count() == 10


def test_the_scheduled_check_defaults_to_the_previous_working_day(staff, monkeypatch):
    """On Monday the check looks at Friday, not at Sunday; after a holiday, at the day before it."""
    from visits import tasks

    monkeypatch.setattr(tasks, "local_today", lambda: date(2026, 11, 30))  # a Monday
    assert tasks.default_quota_day() == date(2026, 11, 27)

    WorkingDay.objects.create(day=date(2026, 11, 27), is_working=False, note="假日")
    WorkingDay.objects.create(day=date(2026, 11, 28), is_working=True, note="调休")
    assert tasks.default_quota_day() == date(2026, 11, 28)
    assert tasks.check_visit_quotas_task() == 3
    assert QuotaShortfall.objects.filter(day=date(2026, 11, 28)).count() == 3


@pytest.mark.parametrize("extra_people", [0, 20])
def test_the_rerun_that_withdraws_is_a_fixed_number_of_queries(staff, customer, extra_people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.crm.factories import SalespersonFactory

    for n in range(extra_people):
        SalespersonFactory(username=f"extra{n}", team=staff.team_two)
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    check_visit_quotas(day=WEDNESDAY)
    for salesperson in User.objects.filter(role=User.Role.SALESPERSON):
        log_visits(salesperson, customer, WEDNESDAY, 3)

    with CaptureQueriesContext(connection) as queries:
        check_visit_quotas(day=WEDNESDAY)

    assert QuotaShortfall.objects.filter(status="withdrawn").count() == 3 + extra_people
    # + the job lock, + the recipients of the notifications (their language and channels)
    assert len(queries) == (9 if connection.vendor == "postgresql" else 8)


def test_the_scheduled_check_also_rechecks_recent_days_with_open_shortfalls(staff, customer, monkeypatch, settings):
    """Monday's shortfalls are corrected by Wednesday morning's job without anyone re-running Monday by hand;
    days outside the window, and days that were never checked, are left alone."""
    from visits import tasks

    settings.CRM = {**settings.CRM, "QUOTA_RECHECK_DAYS": 7}
    monday, tuesday, wednesday = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
    old = date(2026, 11, 13)  # a Friday outside the window
    check_visit_quotas(day=old)
    check_visit_quotas(day=monday)
    log_visits(staff.sales1, customer, monday, 3)  # synced late from the phone
    log_visits(staff.sales1, customer, old, 3)
    Leave.objects.create(salesperson=staff.sales3, start_day=monday, end_day=monday)
    monkeypatch.setattr(tasks, "local_today", lambda: wednesday)

    assert tasks.check_visit_quotas_task() == 3  # Tuesday's, the default day

    assert sorted(
        QuotaShortfall.objects.filter(day=monday).values_list("salesperson__username", "status", "withdrawal_reason")
    ) == [
        ("sales1", "withdrawn", "quota_met"),
        ("sales2", "awaiting_explanation", ""),
        ("sales3", "withdrawn", "leave"),
    ]
    assert QuotaShortfall.objects.filter(day=old, status="withdrawn").count() == 0
    assert QuotaShortfall.objects.filter(day=tuesday).count() == 3
    assert QuotaShortfall.objects.filter(day=date(2026, 11, 20)).count() == 0  # never checked: not created now
    assert Notification.objects.filter(kind="quota_shortfall_withdrawn").count() == 2
    # the same job again changes nothing
    assert tasks.check_visit_quotas_task() == 0
    assert Notification.objects.filter(kind="quota_shortfall_withdrawn").count() == 2

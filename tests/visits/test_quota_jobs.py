"""The daily visit-quota check and the weekly assessment: edges and idempotency."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer
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


def test_a_visit_logged_late_does_not_undo_but_the_rerun_adds_nobody(staff, customer):
    check_visit_quotas(day=WEDNESDAY)
    log_visits(staff.sales1, customer, WEDNESDAY, 3)

    assert check_visit_quotas(day=WEDNESDAY) == 0
    assert len(shortfalls(WEDNESDAY)) == 3


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

    with django_assert_max_num_queries(8):
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
        {"week": "2026-11-09", "visits": 2, "team_lowest": 2, "team_highest": 5},
        {"week": "2026-11-16", "visits": 1, "team_lowest": 1, "team_highest": 4},
        {"week": "2026-11-23", "visits": 3, "team_lowest": 3, "team_highest": 6},
    ]
    # team two has one salesperson: nobody to be the fewest against
    assert assess_visit_counts(week=MONDAYS[-1]) == 0
    assert Assessment.objects.count() == 1


def test_not_the_fewest_every_week_is_not_flagged(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 3}
    for monday, (first, second) in zip(MONDAYS, [(5, 2), (1, 4), (6, 3)], strict=True):
        log_visits(staff.sales1, customer, monday, first)
        log_visits(staff.sales2, customer, monday, second)

    assert assess_visit_counts(week=MONDAYS[-1]) == 0


def test_a_tie_for_fewest_flags_both(staff, customer, settings):
    settings.CRM = {**settings.CRM, "ASSESSMENT_CONSECUTIVE_WEEKS": 2}

    assert assess_visit_counts(week=MONDAYS[-1]) == 2
    assert set(Assessment.objects.values_list("salesperson__username", flat=True)) == {"sales1", "sales2"}


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
    assert assessment.evidence == [{"week": "2026-11-23", "visits": 4, "team_lowest": 4, "team_highest": 6}]
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

"""Issue 16 item 9: only visits count toward the visit quota; phone calls and customers' office visits
count where the team's setting says so. The quota check, the morning meeting and "my day" agree."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

from accounts.customers.models import Customer
from crm.models import Team, User
from performance.selectors import morning_meeting
from visits.models import QuotaShortfall, Visit
from visits.selectors import quota_results_for
from visits.services import check_visit_quotas

WEDNESDAY = date(2026, 11, 25)
K = Visit.Kind


@pytest.fixture
def staff(people):
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    Team.objects.filter(pk=people.team_one.pk).update(daily_visit_quota=3)
    people.team_one.refresh_from_db()
    return people


@pytest.fixture
def customer(db):
    return Customer.objects.create(unit_name="顺达汽修厂")


def log(salesperson, customer, *kinds, day=WEDNESDAY):
    at = timezone.make_aware(datetime.combine(day, time(10)))
    Visit.objects.bulk_create(
        [Visit(salesperson=salesperson, customer=customer, kind=kind, visited_at=at, visited_on=day) for kind in kinds]
    )


def actual(salesperson):
    return quota_results_for(day=WEDNESDAY).get(pk=salesperson.pk).actual


def test_the_team_settings_default_to_counting_visits_only(db):
    team = Team.objects.create(name="三组")

    assert (team.quota_counts_phone_calls, team.quota_counts_office_visits) == (False, False)


def test_phone_calls_and_office_visits_do_not_count_by_default(staff, customer):
    log(staff.sales1, customer, K.FIRST, K.SECOND, K.JOINT, K.PHONE, K.OFFICE, K.PHONE)

    assert actual(staff.sales1) == 3


@pytest.mark.parametrize(
    ("calls", "office", "expected"),
    [(False, False, 2), (True, False, 4), (False, True, 3), (True, True, 5)],
)
def test_the_teams_setting_decides_whether_calls_and_office_visits_count(staff, customer, calls, office, expected):
    Team.objects.filter(pk=staff.team_one.pk).update(quota_counts_phone_calls=calls, quota_counts_office_visits=office)
    log(staff.sales1, customer, K.FIRST, K.SECOND, K.PHONE, K.PHONE, K.OFFICE)
    # team two keeps the default: the same calls do not count for sales3
    log(staff.sales3, customer, K.FIRST, K.PHONE, K.OFFICE)

    assert actual(staff.sales1) == expected
    assert actual(staff.sales3) == 1


def test_the_check_finds_a_shortfall_where_only_calls_made_up_the_number(staff, customer):
    log(staff.sales1, customer, K.FIRST, K.PHONE, K.PHONE)
    log(staff.sales2, customer, K.FIRST, K.SECOND, K.JOINT)

    check_visit_quotas(day=WEDNESDAY)

    assert list(
        QuotaShortfall.objects.filter(salesperson__team=staff.team_one).values_list(
            "salesperson__username", "required", "actual"
        )
    ) == [("sales1", 3, 1)]


def test_the_morning_meeting_counts_what_the_check_counts(staff, customer):
    log(staff.sales1, customer, K.FIRST, K.PHONE, K.PHONE, K.OFFICE)
    log(staff.sales2, customer, K.FIRST, K.SECOND, K.JOINT)

    rows = {row.salesperson.username: row for row in morning_meeting(viewer=staff.manager1, day=WEDNESDAY).rows}

    assert (rows["sales1"].visits, rows["sales1"].counted, rows["sales1"].required) == (4, 1, 3)
    assert rows["sales1"].below_quota is True
    assert (rows["sales2"].visits, rows["sales2"].counted, rows["sales2"].below_quota) == (3, 3, False)
    assert morning_meeting(viewer=staff.manager1, day=WEDNESDAY).totals["counted"] == 4


def test_the_morning_meeting_page_and_api_show_counted_visits_against_the_quota(client, staff, customer):
    log(staff.sales1, customer, K.FIRST, K.PHONE, K.PHONE, K.OFFICE)
    client.force_login(staff.manager1)

    html = client.get(f"/dashboard/?day={WEDNESDAY}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    api = client.get(f"/api/dashboard/?day={WEDNESDAY}").json()

    assert "1 / 3" in html
    assert "4 logged in all" in html
    sales1 = next(row for row in api["salespeople"] if row["username"] == "sales1")
    assert (sales1["visits"], sales1["counted_visits"], sales1["required"], sales1["below_quota"]) == (4, 1, 3, True)


def test_the_morning_meeting_page_in_chinese(client, staff, customer):
    log(staff.sales1, customer, K.FIRST, K.PHONE)
    client.force_login(staff.manager1)

    html = client.get(f"/dashboard/?day={WEDNESDAY}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "共登记 2 次" in html


@time_machine.travel(datetime(2026, 11, 25, 17, 0, tzinfo=timezone.get_default_timezone()), tick=False)
@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "1 / 3 visits counted toward today&#x27;s quota — 2 to go · 1 phone call not counted"
            " · 1 office visit not counted",
        ),
        ("zh-hans", "今日定额已计 1 / 3 次拜访 — 还差 2 次 · 1 次电话未计入 · 1 次来访未计入"),
    ],
)
def test_my_day_shows_the_same_count_against_the_quota(client, staff, customer, language, text):
    log(staff.sales1, customer, K.FIRST, K.PHONE, K.OFFICE)
    client.force_login(staff.sales1)

    response = client.get("/visits/today/", HTTP_ACCEPT_LANGUAGE=language)

    progress = response.context["progress"]
    assert (progress.required, progress.counted) == (3, 1)
    assert text in response.content.decode()


@time_machine.travel(datetime(2026, 11, 29, 17, 0, tzinfo=timezone.get_default_timezone()), tick=False)
def test_my_day_on_a_sunday_shows_no_quota(client, staff, customer):
    client.force_login(staff.sales1)

    response = client.get("/visits/today/")

    assert response.context["progress"].required is None
    assert response.context["progress"].no_quota == "not_working_day"


def test_the_admin_edits_the_teams_setting(client, staff):
    """On the Settings pages (team modes, visit quotas); the site administration only shows them."""
    User.objects.filter(pk=staff.admin.pk).update(is_superuser=True)
    client.force_login(staff.admin)
    team = staff.team_one
    prefix = f"team-{team.pk}"

    form = client.get(f"/admin/crm/team/{team.pk}/change/").content.decode()
    modes = client.post(
        "/settings/teams/",
        {
            "team": team.pk,
            f"{prefix}-form_submission": "daily",
            f"{prefix}-quota_counts_phone_calls": "on",
            f"{prefix}-check_in_radius_m": 800,
            f"{prefix}-repeat_visit_window_minutes": 20,
            f"{prefix}-discount_limit_percent": "10",
        },
    )
    quota = client.post("/settings/quotas/", {"team": team.pk, f"{prefix}-daily_visit_quota": 3})

    assert 'name="quota_counts_phone_calls"' not in form  # read-only there
    assert (modes.status_code, quota.status_code) == (302, 302)
    team.refresh_from_db()
    assert (team.quota_counts_phone_calls, team.quota_counts_office_visits) == (True, False)
    assert (team.check_in_radius_m, team.repeat_visit_window_minutes, team.daily_visit_quota) == (800, 20, 3)


@pytest.mark.parametrize(
    ("day", "calendar", "counted"),
    [
        (date(2026, 11, 29), None, False),  # a Sunday
        (WEDNESDAY, False, False),  # a holiday
        (date(2026, 11, 28), True, True),  # a make-up Saturday
    ],
)
def test_a_day_off_has_no_quota_at_the_morning_meeting_either(staff, customer, day, calendar, counted):
    from visits.models import WorkingDay

    if calendar is not None:
        WorkingDay.objects.create(day=day, is_working=calendar)
    log(staff.sales1, customer, K.FIRST, day=day)

    rows = {row.salesperson.username: row for row in morning_meeting(viewer=staff.manager1, day=day).rows}

    assert (rows["sales1"].required, rows["sales1"].below_quota) == ((3, True) if counted else (None, False))
    assert [person.username for person in quota_results_for(day=day)] == (
        ["sales1", "sales2", "sales3"] if counted else []
    )

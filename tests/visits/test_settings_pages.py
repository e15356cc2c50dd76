"""The admin's visits settings: the working-day calendar as a month grid, the teams' daily minimums and the
personal minimums. Each page writes through its service (recorded with who); bad input changes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from crm.models import Team
from tests.visits.factories import QuotaOverrideFactory, WorkingDayFactory
from visits.calendar import is_working_day
from visits.models import QuotaOverride, WorkingDay

pytestmark = pytest.mark.usefixtures("english")

MONDAY = date(2026, 10, 5)
SATURDAY = date(2026, 10, 10)


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


# --- the calendar ------------------------------------------------------------------------------------------------


def test_the_month_grid_shows_weeks_from_monday_with_the_exceptions(client, people):
    WorkingDayFactory(day=date(2026, 10, 1), is_working=False, note="国庆节")
    WorkingDayFactory(day=date(2026, 10, 11), is_working=True, note="调休")
    client.force_login(people.admin)

    response = client.get(reverse("visit_settings:working_days"), {"month": "2026-10"})

    weeks = response.context["weeks"]
    assert [cell["day"].day if cell else None for cell in weeks[0]] == [None, None, None, 1, 2, 3, 4]
    cells = {cell["day"]: cell for week in weeks for cell in week if cell}
    assert len(cells) == 31
    assert (cells[date(2026, 10, 1)]["working"], cells[date(2026, 10, 1)]["exception"].note) == (False, "国庆节")
    assert cells[date(2026, 10, 11)]["working"] is True  # a Sunday made working
    assert cells[MONDAY]["working"] is True and cells[MONDAY]["exception"] is None
    assert cells[SATURDAY]["working"] is False
    body = response.content.decode()
    assert 'data-day="2026-10-01" data-working="0"' in body
    assert "国庆节" in body


def test_tapping_a_weekday_makes_it_a_holiday_and_tapping_again_undoes_it(client, people):
    client.force_login(people.admin)
    url = reverse("visit_settings:working_days") + "?month=2026-10"

    swapped = client.post(url, {"day": "2026-10-05", "is_working": "0"}, headers={"HX-Request": "true"})

    assert "<html" not in swapped.content.decode()  # the month alone, swapped in place
    assert 'data-day="2026-10-05" data-working="0"' in swapped.content.decode()
    assert is_working_day(MONDAY) is False
    exception = WorkingDay.objects.get(day=MONDAY)
    assert exception.history.latest().history_user == people.admin

    client.post(url, {"day": "2026-10-05", "is_working": "1"})

    assert is_working_day(MONDAY) is True
    assert not WorkingDay.objects.filter(day=MONDAY).exists()  # back to the usual week: no exception kept
    assert WorkingDay.history.filter(day=MONDAY).values_list("history_type", flat=True).first() == "-"


def test_a_make_up_working_day_with_its_note(client, people):
    client.force_login(people.admin)

    response = client.post(
        reverse("visit_settings:working_days"), {"day": "2026-10-10", "is_working": "1", "note": "国庆调休"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?month=2026-10")
    assert list(WorkingDay.objects.values_list("day", "is_working", "note")) == [(SATURDAY, True, "国庆调休")]


def test_a_day_outside_the_window_is_refused_and_nothing_stored(client, people):
    client.force_login(people.admin)

    response = client.post(reverse("visit_settings:working_days"), {"day": "1999-01-04", "is_working": "0"})

    assert response.status_code == 200
    assert response.context["form"].errors["day"][0].startswith("Enter a date between 2000-01-01 and ")
    assert not WorkingDay.objects.exists()


def test_a_bad_month_in_the_address_is_a_400_with_the_reason(client, people):
    client.force_login(people.admin)

    response = client.get(reverse("visit_settings:working_days"), {"month": "2026-13"})

    assert response.status_code == 400
    assert "“2026-13” is not a month in the form YYYY-MM." in response.content.decode()


# --- quotas -------------------------------------------------------------------------------------------------------


def test_a_teams_daily_minimum_is_saved_through_the_service_with_who(client, people):
    client.force_login(people.admin)
    team = people.team_one

    response = client.post(
        reverse("visit_settings:quota_settings"), {"team": team.pk, f"team-{team.pk}-daily_visit_quota": "10"}
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.daily_visit_quota == 10
    assert team.history.latest().history_user == people.admin


def test_a_daily_minimum_out_of_range_is_refused_and_nothing_changes(client, people):
    client.force_login(people.admin)
    team = people.team_one
    before = team.daily_visit_quota

    response = client.post(
        reverse("visit_settings:quota_settings"), {"team": team.pk, f"team-{team.pk}-daily_visit_quota": "500"}
    )

    forms = dict(response.context["teams"])
    assert forms[team].errors == {"daily_visit_quota": ["Ensure this value is less than or equal to 100."]}
    assert Team.objects.get(pk=team.pk).daily_visit_quota == before


def test_a_personal_minimum_is_set_replaced_on_the_same_day_and_removed(client, people):
    client.force_login(people.admin)
    url = reverse("visit_settings:quota_settings")
    data = {"salesperson": people.sales1.pk, "daily_minimum": "4", "valid_from": "2026-11-02", "reason": "新人"}

    client.post(url, data)
    client.post(url, {**data, "daily_minimum": "5", "reason": "新人第二周"})

    override = QuotaOverride.objects.get()
    assert (override.salesperson, override.daily_minimum, override.valid_from, override.reason) == (
        people.sales1,
        5,
        date(2026, 11, 2),
        "新人第二周",
    )
    assert list(override.history.values_list("history_user", flat=True)) == [people.admin.pk, people.admin.pk]
    listed = client.get(url).content.decode()
    assert f'id="override-{override.pk}"' in listed

    client.post(reverse("visit_settings:quota_override_remove", args=[override.pk]))

    assert not QuotaOverride.objects.exists()
    assert client.post(reverse("visit_settings:quota_override_remove", args=[override.pk])).status_code == 404


def test_only_a_salesperson_gets_a_personal_minimum(client, people):
    client.force_login(people.admin)

    response = client.post(
        reverse("visit_settings:quota_settings"),
        {"salesperson": people.manager1.pk, "daily_minimum": "4", "valid_from": "2026-11-02"},
    )

    assert "salesperson" in response.context["override_form"].errors
    assert not QuotaOverride.objects.exists()


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_changes_the_calendar_and_the_quotas(client, people, who):
    override = QuotaOverrideFactory(salesperson=people.sales1)
    client.force_login(getattr(people, who))

    assert client.get(reverse("visit_settings:working_days")).status_code == 403
    assert (
        client.post(reverse("visit_settings:working_days"), {"day": "2026-10-05", "is_working": "0"}).status_code == 403
    )
    assert client.get(reverse("visit_settings:quota_settings")).status_code == 403
    assert client.post(reverse("visit_settings:quota_override_remove", args=[override.pk])).status_code == 403
    assert not WorkingDay.objects.exists()
    assert QuotaOverride.objects.count() == 1


@pytest.mark.parametrize("overrides", [1, 12])
def test_the_quota_page_takes_a_fixed_number_of_queries(client, people, overrides, django_assert_max_num_queries):
    for index in range(overrides):
        QuotaOverrideFactory(salesperson=people.sales1, valid_from=date(2026, 1, 1 + index))
    client.force_login(people.admin)

    # session, user, teams, overrides (count and page), salespeople to choose, notifications
    with django_assert_max_num_queries(8):
        client.get(reverse("visit_settings:quota_settings"))

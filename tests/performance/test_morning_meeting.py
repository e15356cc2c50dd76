"""The morning meeting: yesterday's figures per salesperson, exactly as logged."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.customers.models import Customer
from crm.models import User
from performance.selectors import morning_meeting
from visits.models import FormSubmission, QuotaShortfall, Visit

DAY = date(2026, 11, 25)  # a Wednesday


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def logged_day(people):
    User.objects.update(date_joined=at(date(2026, 1, 5)))
    people.team_one.daily_visit_quota = 3
    people.team_one.save()
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    for creator in (people.sales1, people.sales1, people.sales3):
        Customer.objects.filter(pk=Customer.objects.create(unit_name="新客户", created_by=creator).pk).update(
            created_at=at(DAY, 11)
        )
    for salesperson, intent in [(people.sales1, "A"), (people.sales1, "B"), (people.sales1, ""), (people.sales2, "D")]:
        Visit.objects.create(
            salesperson=salesperson, customer=customer, visited_at=at(DAY), visited_on=DAY, intent=intent
        )
    Visit.objects.create(
        salesperson=people.sales1,
        customer=customer,
        visited_at=at(DAY - timedelta(days=1)),
        visited_on=DAY - timedelta(days=1),
    )
    FormSubmission.objects.create(
        salesperson=people.sales1,
        period_start=DAY,
        period_end=DAY,
        visit_count=3,
        submitted_at=at(DAY, 19),
        due_at=at(DAY + timedelta(days=1), 8),
    )
    QuotaShortfall.objects.create(salesperson=people.sales2, day=DAY, required=3, actual=1, explanation="车坏了")
    return people


@pytest.mark.django_db
def test_figures_match_what_the_salespeople_logged(logged_day):
    meeting = morning_meeting(viewer=logged_day.manager1, day=DAY)

    rows = {row.salesperson.username: row for row in meeting.rows}
    assert list(rows) == ["sales1", "sales2"]
    assert (rows["sales1"].visits, rows["sales1"].required, rows["sales1"].below_quota) == (3, 3, False)
    assert rows["sales1"].intent_mix == {"A": 1, "B": 1, "C": 0, "D": 0}
    assert rows["sales1"].unrated == 1
    assert rows["sales1"].new_customers == 2
    assert (rows["sales1"].submitted, rows["sales1"].submitted_late) == (True, False)
    assert (rows["sales2"].visits, rows["sales2"].below_quota, rows["sales2"].submitted) == (1, True, False)
    assert rows["sales2"].shortfall.explanation == "车坏了"
    assert meeting.totals == {
        "visits": 4,
        "counted": 4,
        "required": 6,
        "new_customers": 2,
        "not_submitted": 1,
        "below_quota": 1,
        "intent_A": 1,
        "intent_B": 1,
        "intent_C": 0,
        "intent_D": 1,
    }
    trend = {point.day: point.visits for point in meeting.trend}
    assert len(meeting.trend) == 28
    assert (trend[DAY], trend[DAY - timedelta(days=1)], trend[DAY - timedelta(days=27)]) == (4, 1, 0)


@pytest.mark.django_db
def test_admin_sees_every_team(logged_day):
    meeting = morning_meeting(viewer=logged_day.admin, day=DAY)

    assert [row.salesperson.username for row in meeting.rows] == ["sales1", "sales2", "sales3"]
    assert meeting.totals["new_customers"] == 3


@pytest.mark.django_db
def test_the_page_shows_the_day_in_chinese(client, logged_day):
    client.force_login(logged_day.manager1)

    body = client.get("/dashboard/?day=2026-11-25", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "早会 · 2026-11-25" in body
    assert "车坏了" in body
    assert body.count('<tr class="table-danger') == 1
    assert '<td colspan="6" class="small text-body-secondary pt-0">说明：车坏了' in body


@pytest.mark.django_db
@pytest.mark.parametrize("extra_people", [2, 30])
def test_the_dashboard_is_a_fixed_number_of_queries(client, logged_day, django_assert_num_queries, extra_people):
    customer = Customer.objects.first()
    for n in range(extra_people):
        user = User.objects.create(
            username=f"extra{n}", role=User.Role.SALESPERSON, team=logged_day.team_one, date_joined=at(date(2026, 1, 5))
        )
        Visit.objects.bulk_create(
            [Visit(salesperson=user, customer=customer, visited_at=at(DAY), visited_on=DAY, intent="C")] * 3
        )
    client.force_login(logged_day.manager1)

    # session, user, notifications, then the meeting's, the month's, the inquiries' aggregates, the
    # count of customers to be assigned and the call lists' progress
    with django_assert_num_queries(25):
        response = client.get("/dashboard/?day=2026-11-25")
    with django_assert_num_queries(24):  # the trend's earlier days come from the cache
        again = client.get("/dashboard/?day=2026-11-25")

    assert len(response.context["meeting"].rows) == 2 + extra_people
    assert response.context["meeting"].trend == again.context["meeting"].trend


@pytest.mark.django_db
def test_the_trends_last_day_is_live_and_earlier_days_are_cached(logged_day):
    from django.core.cache import cache

    before = {point.day: point.visits for point in morning_meeting(viewer=logged_day.manager1, day=DAY).trend}
    customer = Customer.objects.first()
    for day in (DAY, DAY - timedelta(days=1)):  # a visit logged late on a phone, for each day
        Visit.objects.create(salesperson=logged_day.sales2, customer=customer, visited_at=at(day), visited_on=day)
    cached = morning_meeting(viewer=logged_day.manager1, day=DAY)
    cache.clear()
    fresh = morning_meeting(viewer=logged_day.manager1, day=DAY)

    trend = {point.day: point.visits for point in cached.trend}
    assert (before[DAY], before[DAY - timedelta(days=1)]) == (4, 1)
    assert trend[DAY] == cached.totals["visits"] == 5  # the last bar always matches the table
    assert trend[DAY - timedelta(days=1)] == 1  # until the cache expires
    assert {point.day: point.visits for point in fresh.trend}[DAY - timedelta(days=1)] == 2


@pytest.mark.django_db
def test_the_previous_working_day_comes_from_the_trends_calendar(client, logged_day):
    from visits.models import WorkingDay

    WorkingDay.objects.create(day=DAY - timedelta(days=1), is_working=False)  # a holiday on the Tuesday
    client.force_login(logged_day.manager1)

    response = client.get("/dashboard/?day=2026-11-25")

    assert response.context["previous_day"] == DAY - timedelta(days=2)
    assert response.context["meeting"].previous_working_day == DAY - timedelta(days=2)


@pytest.mark.django_db
def test_salespeople_cannot_open_the_dashboard(client, logged_day):
    client.force_login(logged_day.sales1)

    assert client.get("/dashboard/").status_code == 403


@pytest.mark.django_db
def test_the_api_gives_the_same_figures_as_the_page(client, logged_day):
    client.force_login(logged_day.manager1)

    data = client.get("/api/dashboard/?day=2026-11-25").json()

    assert data["day"] == "2026-11-25"
    assert data["totals"]["visits"] == 4
    assert [(row["username"], row["visits"], row["below_quota"]) for row in data["salespeople"]] == [
        ("sales1", 3, False),
        ("sales2", 1, True),
    ]
    assert data["salespeople"][1]["shortfall_explanation"] == "车坏了"


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("sales1", 403), ("info1", 403), ("manager1", 200), ("admin", 200)])
def test_the_dashboard_api_is_for_managers(client, logged_day, who, status):
    client.force_login(getattr(logged_day, who))

    assert client.get("/api/dashboard/").status_code == status


@pytest.mark.django_db
def test_the_export_has_one_row_per_salesperson(client, logged_day):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(logged_day.manager1)

    response = client.get("/dashboard/export/?day=2026-11-25")

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert response["Content-Disposition"].endswith('morning-meeting-2026-11-25.xlsx"')
    assert [row[:3] for row in rows[1:]] == [(str(logged_day.sales1), 3, 3), (str(logged_day.sales2), 1, 3)]
    assert rows[2][-1] == "车坏了"

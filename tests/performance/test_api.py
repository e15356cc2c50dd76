from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from performance.services import set_targets


@pytest.mark.django_db
def test_targets_api_shows_the_breakdown_and_gap(client, people):
    set_targets(
        month=date(2026, 11, 1),
        company_amount=Decimal("1000.00"),
        salesperson_amounts={people.sales1.id: Decimal("400.00"), people.sales3.id: Decimal("100.00")},
    )
    client.force_login(people.manager1)

    data = client.get("/api/targets/?month=2026-11-15").json()

    assert data["month"] == "2026-11-01"
    assert data["company_amount"] == "1000.00"
    assert data["gap"] == "600.00"
    assert data["adds_up"] is False
    assert [(row["username"], row["amount"]) for row in data["salespeople"]] == [("sales1", "400.00"), ("sales2", None)]


@pytest.mark.django_db
def test_a_bad_month_is_a_clear_400(client, people):
    client.force_login(people.admin)

    response = client.get("/api/targets/?month=November", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"month": ["“November” is not a month in the form YYYY-MM."]}


def test_the_month_is_any_day_of_it_and_its_first_day_is_what_the_window_holds(client, people, settings):
    """The schema promises every month of the window's years (tests/contract); any day of the month is read as
    the month, so a day past the window's last day in the window's last month is still that month."""
    client.force_login(people.admin)
    window_end = (timezone.localdate().replace(day=1) + timedelta(days=40)).replace(day=1) - timedelta(days=1)
    settings.CRM = {**settings.CRM, "DATE_MAX_YEARS_AHEAD": 0}

    late_in_month = client.get("/api/targets/", {"month": window_end.isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    next_month = client.get(
        "/api/targets/", {"month": (window_end + timedelta(days=1)).isoformat()}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert late_in_month.status_code == 200
    assert late_in_month.json()["month"] == window_end.replace(day=1).isoformat()
    assert next_month.status_code == 400

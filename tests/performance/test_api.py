from datetime import date
from decimal import Decimal

import pytest

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
    assert response.json() == {"month": ["“November” is not a date in the form YYYY-MM-DD."]}

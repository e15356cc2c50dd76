"""The week of 23 November 2026, seen on Wednesday the 25th at 10:00 (Shanghai time): today can be planned,
Monday and Tuesday have passed, the window ends on Sunday 6 December. sales1's customers 客户A … 客户F stand
along one street, west to east, 1 km apart (A at the west end); 客户X has no position yet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tests.accounts.factories import CustomerFactory

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
THURSDAY = MONDAY + timedelta(days=3)
FRIDAY = MONDAY + timedelta(days=4)
SATURDAY = MONDAY + timedelta(days=5)
LAST_PLANNABLE = MONDAY + timedelta(days=13)  # Sunday of next week


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def wednesday():
    with time_machine.travel(at(WEDNESDAY, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def street(wednesday, owned_tree) -> dict[str, object]:
    """客户A … 客户F along one street in sales1's territory (0.01° of longitude apart), and 客户X without a position."""
    territory = owned_tree["nanshan_clubs"]
    customers = {
        letter: CustomerFactory(
            unit_name=f"客户{letter}",
            territory=territory,
            district="南海区",
            latitude=Decimal("23.030000"),
            longitude=Decimal("113.100000") + Decimal("0.010000") * index,
        )
        for index, letter in enumerate("ABCDEF")
    }
    customers["X"] = CustomerFactory(unit_name="客户X", territory=territory, district="南海区")
    return customers


@pytest.fixture
def elsewhere(wednesday, owned_tree):
    """A customer of sales3's territory (team two): not sales1's, not manager1's."""
    return CustomerFactory(unit_name="福田客户", territory=owned_tree["futian_clubs"])

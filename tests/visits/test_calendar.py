from datetime import date

import pytest

from visits.calendar import is_working_day, previous_working_day, working_days_between
from visits.models import WorkingDay


@pytest.fixture
def national_day(db):
    # 2026: 1–7 October off, Saturday 10 October a make-up working day.
    WorkingDay.objects.bulk_create(
        [WorkingDay(day=date(2026, 10, d), is_working=False, note="国庆") for d in range(1, 8)]
        + [WorkingDay(day=date(2026, 10, 10), is_working=True, note="调休")]
    )


@pytest.mark.django_db
def test_weekdays_work_and_weekends_do_not():
    assert is_working_day(date(2026, 11, 27)) is True  # Friday
    assert is_working_day(date(2026, 11, 28)) is False  # Saturday


def test_holidays_and_make_up_days(national_day):
    assert is_working_day(date(2026, 10, 1)) is False  # Thursday, holiday
    assert is_working_day(date(2026, 10, 10)) is True  # Saturday, make-up day
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 11)) == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]


def test_previous_working_day_skips_the_holiday(national_day):
    assert previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert previous_working_day(date(2026, 10, 12)) == date(2026, 10, 10)

"""Sane bounds (crm/bounds.py): dates in a window, money below a ceiling, short notes, clean names, phones of digits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.bounds import (
    date_window,
    validate_date_in_window,
    validate_deal_amount,
    validate_name,
    validate_note_length,
    validate_phone_without_letters,
)
from crm.phones import normalise_phone


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _message(validator, value) -> str:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value.messages[0]


def test_a_phone_with_letters_is_not_read_as_another_number():
    # The parser reads keypad letters: 1380000abcd would be stored as +8613800002223.
    assert normalise_phone("1380000abcd") == ""
    assert normalise_phone("138 0000 2223") == "+8613800002223"
    assert _message(validate_phone_without_letters, "1380000abcd") == "A phone number may not contain letters."


@time_machine.travel("2026-12-05 10:00 +0800", tick=False)
def test_dates_are_held_to_the_configured_window(settings):
    assert date_window() == (date(2000, 1, 1), date(2031, 12, 5))
    validate_date_in_window(date(2031, 12, 5))
    assert _message(validate_date_in_window, date(9999, 12, 31)) == "Enter a date between 2000-01-01 and 2031-12-05."
    assert _message(validate_date_in_window, date(1, 1, 1)) == "Enter a date between 2000-01-01 and 2031-12-05."
    settings.CRM = {**settings.CRM, "DATE_MIN": "2020-01-01", "DATE_MAX_YEARS_AHEAD": 1}
    assert _message(validate_date_in_window, date(2019, 12, 31)) == "Enter a date between 2020-01-01 and 2027-12-05."


def test_money_per_deal_has_a_configurable_ceiling(settings):
    validate_deal_amount(Decimal("100000000.00"))
    assert _message(validate_deal_amount, Decimal("100000000.01")) == "An amount may not exceed 100,000,000.00."
    settings.CRM = {**settings.CRM, "MAX_DEAL_AMOUNT": "5000"}
    assert _message(validate_deal_amount, Decimal("-5000.01")) == "An amount may not exceed 5,000.00."


def test_notes_are_limited_in_length():
    validate_note_length("x" * 2000)
    assert _message(validate_note_length, "x" * 2001) == "Write at most 2000 characters (this has 2001)."


@pytest.mark.parametrize("name", ["ACME\u202etxt.exe", "甲\u2066乙", "a\x00b", "a\nb", "zero\u200bwidth", "\ufeffbom"])
def test_names_with_control_or_direction_characters_are_refused(name):
    assert _message(validate_name, name) == (
        "A name may not contain control characters or characters that change the writing direction."
    )


def test_ordinary_names_pass():
    for name in ["上海某某汽车服务有限公司", "O'Brien & Co.", "Müller GmbH", "张 三"]:
        validate_name(name)


def test_the_api_refuses_a_customer_with_a_bidi_name_or_a_lettered_phone(client, people):
    from accounts.customers.models import Customer

    client.force_login(people.sales1)
    body = {"unit_name": "ACME\u202egnp.exe", "phone": "1380000abcd", "contacts": [{"name": "王\u202e五"}]}

    response = client.post("/api/customers/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    errors = response.json()
    assert errors["unit_name"] == [
        "A name may not contain control characters or characters that change the writing direction."
    ]
    assert errors["phone"] == ["A phone number may not contain letters."]
    assert Customer.objects.count() == 0

"""Phones are shown the way people in the branch read them, and dialled as stored (E.164)."""

from __future__ import annotations

import pytest
from django.test import Client
from phonenumber_field.phonenumber import PhoneNumber

from crm.templatetags.phones import phone_display
from tests.accounts.factories import ContactFactory, CustomerFactory


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (PhoneNumber.from_string("+8613927001234"), "139 2700 1234"),
        ("+8613927001234", "139 2700 1234"),
        ("13927001234", "139 2700 1234"),
        ("+8675783001234", "0757 8300 1234"),
        ("+85291234567", "+852 9123 4567"),
        ("12345", "12345"),
        ("call me", "call me"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_is_shown_nationally_at_home_and_internationally_otherwise(value, shown):
    assert phone_display(value) == shown


def test_the_customer_page_shows_the_national_number_and_dials_the_stored_one(people):
    customer = CustomerFactory(owner=people.sales1, phone="+8613927001234")
    ContactFactory(customer=customer, phone="+85291234567")
    client = Client()
    client.force_login(people.sales1)

    page = client.get(customer.get_absolute_url()).content.decode()

    assert '<a href="tel:+8613927001234">139 2700 1234</a>' in page
    assert '<a href="tel:+85291234567">+852 9123 4567</a>' in page
    assert ">+8613927001234<" not in page

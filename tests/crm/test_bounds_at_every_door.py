"""The bounds hold in the services every door calls (pages, API, offline sync, imports), not only in one
form: a visit's notes and dates, an inquiry's names and question, a deal's amount, dates and notes, a
territory's name. Each refusal names the field, in the user's language, and stores nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.deals.models import Deal
from accounts.deals.services import create_deal
from campaigns.models import PhoneInquiry
from campaigns.services import register_phone_inquiry
from territories.models import Territory
from territories.services import create_territory
from tests.accounts.factories import CustomerFactory, ProductFactory
from visits.models import Visit
from visits.services import record_visit

BIDI = "顺达\u202e汽修"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)


def _refused(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def test_a_visit_with_a_note_too_long_or_a_next_step_in_9999_is_refused(people, customer, settings):
    settings.CRM = {**settings.CRM, "MAX_NOTE_LENGTH": 10}

    long_note = _refused(lambda: record_visit(salesperson=people.sales1, customer_id=customer.pk, notes="很" * 11))
    far = _refused(
        lambda: record_visit(salesperson=people.sales1, customer_id=customer.pk, next_step_on=date(9999, 12, 31))
    )

    assert long_note == {"notes": ["Write at most 10 characters (this has 11)."]}
    assert list(far) == ["next_step_on"]
    assert far["next_step_on"][0].startswith("Enter a date between 2000-01-01 and ")
    assert Visit.objects.count() == 0


def test_a_visit_dated_before_the_window_is_refused(people, customer):
    long_ago = timezone.make_aware(datetime(1999, 12, 31, 10))

    refused = _refused(lambda: record_visit(salesperson=people.sales1, customer_id=customer.pk, visited_at=long_ago))

    assert list(refused) == ["visited_at"]
    assert Visit.objects.count() == 0


def test_an_inquiry_with_a_bidi_caller_or_unit_is_refused(people, routed):
    data = {"phone": "13923456789", "caller_name": BIDI, "unit_name": BIDI, "district": "南山区", "topic": "报价"}

    refused = _refused(lambda: register_phone_inquiry(entered_by=people.info1, data=data))

    message = "A name may not contain control characters or characters that change the writing direction."
    assert refused == {"caller_name": [message], "unit_name": [message]}
    assert PhoneInquiry.objects.count() == 0


def test_a_deal_above_the_ceiling_with_a_long_note_or_renewal_in_9999_is_refused(people, customer, settings):
    settings.CRM = {**settings.CRM, "MAX_DEAL_AMOUNT": "1000", "MAX_NOTE_LENGTH": 5}
    product = ProductFactory(code="motor")
    today = timezone.localdate()

    refused = _refused(
        lambda: create_deal(
            created_by=people.sales1,
            customer_id=customer.pk,
            product=product,
            number="A1",
            amount="1000.01",
            issued_on=today,
            renewal_on=date(9999, 1, 1),
            notes="123456",
        )
    )

    assert set(refused) == {"amount", "renewal_on", "notes"}
    assert refused["amount"] == ["An amount may not exceed 1,000.00."]
    assert refused["notes"] == ["Write at most 5 characters (this has 6)."]
    assert Deal.objects.count() == 0


def test_a_territory_named_with_control_characters_is_refused(tree):
    refused = _refused(
        lambda: create_territory(kind=Territory.Kind.CHANNEL, name="车友\u200b会", code="x1", parent=tree["nanshan"])
    )

    assert list(refused) == ["name"]
    assert not Territory.objects.filter(code="x1").exists()


def test_ordinary_input_still_passes(people, customer):
    visit = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        notes="谈了车队续保",
        next_step_on=timezone.localdate() + timedelta(days=3),
    )

    assert Visit.objects.filter(pk=visit.pk).exists()

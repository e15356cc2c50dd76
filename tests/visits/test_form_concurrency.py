"""The day's forms submitted while visits are being synced, on PostgreSQL with real threads: every
visit ends either in the submission's count or in an amendment, never in neither nor in both.
SQLite serialises every writer, so there is no race to lose there."""

import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.accounts.factories import CustomerFactory
from tests.concurrency import at_once
from visits.models import FormAmendment, FormSubmission, Visit
from visits.services import VISIT_FOLLOWERS, rate_visit, record_visit, submit_forms, sync_visits

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]

SYNCS = 4


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


@pytest.mark.parametrize("round_", range(3))
def test_a_visit_synced_while_the_forms_go_in_is_counted_or_amends_them(people, owned_tree, monkeypatch, round_):
    # Widen the race: each visit's transaction stays open a moment after its forms were looked up, and
    # the submission starts meanwhile (without the lock it counts none of them and none amends it).
    monkeypatch.setitem(VISIT_FOLLOWERS, "slow", lambda visit: time.sleep(0.5))
    customers = [CustomerFactory(territory=owned_tree["nanshan_clubs"]) for _ in range(SYNCS + 1)]
    first = record_visit(
        salesperson=people.sales1, customer_id=customers[0].pk, visited_at=timezone.now() - timedelta(minutes=1)
    )
    rate_visit(visit_id=first.pk, salesperson=people.sales1, intent="B")

    def sync(customer):
        # rated on the phone: the visit is rated when it lands, so the submission is never refused
        item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "intent": "C"}
        return sync_visits(salesperson=people.sales1, items=[item])

    def submit():
        time.sleep(0.15)
        return submit_forms(salesperson=people.sales1)

    outcomes = at_once(
        submit,
        *[lambda customer=customer: sync(customer) for customer in customers[1:]],
    )

    assert isinstance(outcomes[0], FormSubmission), outcomes[0]
    assert [outcome[0]["status"] for outcome in outcomes[1:]] == ["created"] * SYNCS
    submission = FormSubmission.objects.get()
    amended = FormAmendment.objects.filter(submission=submission).count()
    assert submission.visit_count + amended == Visit.objects.count() == SYNCS + 1

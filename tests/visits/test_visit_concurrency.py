"""Visits at the same moment, on PostgreSQL with real threads (a connection each, released together):
the same offline visit resent concurrently, and two visits of one customer rated concurrently.
SQLite serialises every writer, so there is no race to lose there."""

import uuid
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.concurrency import at_once
from tests.visits.factories import VisitFactory
from visits.models import Visit
from visits.services import rate_visit, record_visit, sync_visits

pytestmark = [
    # Not serialized_rollback: after any other transactional test has flushed the database (which
    # puts the content types back), restoring the serialized copy fails on duplicate content types.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


THREADS = 8


@pytest.fixture
def customer(owned_tree):
    return CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"])  # sales1's


def offline_entry(customer, client_id, **extra):
    return {
        "client_id": client_id,
        "customer": customer.pk,
        "visited_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "notes": "地下车库没信号",
    } | extra


@pytest.mark.parametrize("round_", range(3))
def test_the_same_visit_resent_at_once_answers_the_stored_visit_every_time(people, customer, round_):
    client_id = str(uuid.uuid4())

    def send():
        return record_visit(salesperson=people.sales1, customer_id=customer.pk, notes="重发", client_id=client_id)

    outcomes = at_once(*[send] * THREADS)

    stored = Visit.objects.get()
    assert [type(outcome).__name__ for outcome in outcomes] == ["Visit"] * THREADS
    assert [outcome.pk for outcome in outcomes] == [stored.pk] * THREADS
    assert sorted(outcome.replayed for outcome in outcomes) == [False] + [True] * (THREADS - 1)


@pytest.mark.parametrize("round_", range(3))
def test_the_same_offline_batch_synced_at_once_names_one_visit_every_time(people, customer, round_):
    client_id = str(uuid.uuid4())
    item = offline_entry(customer, client_id, intent="B")

    outcomes = at_once(*[lambda: sync_visits(salesperson=people.sales1, items=[item])] * THREADS)

    stored = Visit.objects.get()
    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    results = [outcome[0] for outcome in outcomes]
    assert [(r["client_id"], r["visit"]) for r in results] == [(client_id, stored.pk)] * THREADS
    assert sorted(r["status"] for r in results) == ["created"] + ["duplicate"] * (THREADS - 1)
    assert (stored.intent, Customer.objects.get(pk=customer.pk).intent) == ("B", "B")


def test_the_same_visit_posted_to_the_api_at_once_answers_one_visit(people, customer):
    client_id = str(uuid.uuid4())

    def post():
        api = APIClient()
        api.force_authenticate(people.sales1)
        response = api.post("/api/visits/", {"customer": customer.pk, "client_id": client_id}, format="json")
        return response.status_code, response.json().get("id")

    outcomes = at_once(*[post] * THREADS)

    stored = Visit.objects.get()
    assert sorted(outcomes) == [(200, stored.pk)] * (THREADS - 1) + [(201, stored.pk)]


def test_two_visits_of_one_customer_rated_at_once_leave_the_newer_visits_rating(people, customer):
    """Each rating reads the customer's latest rated visit; without a lock on the customer the
    rating of the older visit could be read before the newer one's commits, and written last."""
    now = timezone.now()
    for trial in range(20):
        older = VisitFactory(salesperson=people.sales1, customer=customer, visited_at=now - timedelta(hours=30 - trial))
        newer = VisitFactory(
            salesperson=people.sales1, customer=customer, visited_at=now - timedelta(minutes=300 - trial)
        )
        intents = ("A", "D") if trial % 2 else ("D", "A")

        outcomes = at_once(
            partial(rate_visit, visit_id=older.pk, salesperson=people.sales1, intent=intents[0]),
            partial(rate_visit, visit_id=newer.pk, salesperson=people.sales1, intent=intents[1]),
        )

        assert [type(outcome).__name__ for outcome in outcomes] == ["Visit", "Visit"]
        assert Customer.objects.get(pk=customer.pk).intent == intents[1], f"trial {trial}"


def test_the_same_visit_logged_at_once_from_two_taps_with_new_ids_is_stored_once(people, customer):
    """The repeat guard reads, then inserts: under the customer's lock, so concurrent submits with
    different client ids cannot all pass it."""
    from visits.trust import RepeatVisit

    def send():
        return record_visit(salesperson=people.sales1, customer_id=customer.pk, client_id=str(uuid.uuid4()))

    outcomes = at_once(*[send] * THREADS)

    stored = Visit.objects.get()
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["RepeatVisit"] * (THREADS - 1) + ["Visit"]
    assert {outcome.visit_id for outcome in outcomes if isinstance(outcome, RepeatVisit)} == {stored.pk}

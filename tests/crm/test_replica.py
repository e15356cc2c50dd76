"""The read replica (crm.replica): dashboards, exports and reports read it; writes and fresh writers never do.

The replica here is a second connection to the test database (what a TEST MIRROR is), so the router's
choice shows in which connection ran the queries. Transactional tests: rows committed, seen by both.
"""

import copy
import time
from datetime import date

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.customers.models import Customer
from crm.replica import REPLICA, WROTE_COOKIE, reads_from_replica
from visits.models import Visit

DAY = date(2026, 11, 25)


@pytest.fixture
def replica():
    """A ``replica`` alias: a second connection to the test database, opened here (the test case allows
    no new connection to an alias it was not told of) and kept open across requests."""
    connections.settings[REPLICA] = {**copy.deepcopy(connections["default"].settings_dict), "CONN_MAX_AGE": None}
    connections[REPLICA].connect()
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def test_without_a_replica_every_read_goes_to_the_primary():
    with reads_from_replica():
        assert router.db_for_read(Customer) == "default"


@pytest.mark.django_db(transaction=True)
def test_the_router_reads_the_replica_only_inside_the_block_and_never_writes_there(replica):
    assert router.db_for_read(Customer) == "default"
    with reads_from_replica():
        assert router.db_for_read(Customer) == REPLICA
        assert router.db_for_write(Customer) == "default"
        with transaction.atomic():
            # a read inside a write's transaction must see that write
            assert router.db_for_read(Customer) == "default"
        customer = Customer.objects.create(unit_name="顺达汽修厂")
        assert customer._state.db == "default"
        read_back = Customer.objects.get(pk=customer.pk)
        assert read_back._state.db == REPLICA
        read_back.unit_name = "顺达汽修厂二店"
        read_back.save()  # saved on the primary, although read from the replica
    assert Customer.objects.using("default").get(pk=customer.pk).unit_name == "顺达汽修厂二店"
    assert router.db_for_read(Customer) == "default"


def _dashboard(client, people, cookies=None):
    Visit.objects.create(
        salesperson=people.sales1,
        customer=Customer.objects.create(unit_name="顺达汽修厂"),
        visited_at="2026-11-25T10:00:00+08:00",
        visited_on=DAY,
    )
    client.force_login(people.manager1)
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(reverse("performance:morning_meeting"), {"day": DAY.isoformat()})
    assert response.status_code == 200
    assert str(people.sales1) in response.content.decode()
    return [q["sql"] for q in primary.captured_queries], [q["sql"] for q in replica.captured_queries]


def _visit_reads(queries):
    return [sql for sql in queries if "visits_visit" in sql and sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.django_db(transaction=True)
def test_the_morning_meeting_reads_visits_from_the_replica_and_the_session_from_the_primary(client, people, replica):
    primary, replica_queries = _dashboard(client, people)

    assert _visit_reads(replica_queries)
    assert _visit_reads(primary) == []
    # who is signed in is read before the page, on the primary (a session made a moment ago)
    assert [sql for sql in replica_queries if "django_session" in sql] == []
    assert [sql for sql in primary if "django_session" in sql]


@pytest.mark.django_db(transaction=True)
def test_someone_who_has_just_written_reads_the_primary(client, people, replica):
    primary, replica_queries = _dashboard(client, people, cookies={WROTE_COOKIE: f"{time.time():.3f}"})

    assert replica_queries == []
    assert _visit_reads(primary)


@pytest.mark.django_db(transaction=True)
def test_a_stale_write_mark_goes_back_to_the_replica(client, people, replica, settings):
    long_ago = time.time() - settings.CRM_REPLICA_STICKY_SECONDS - 1
    primary, replica_queries = _dashboard(client, people, cookies={WROTE_COOKIE: f"{long_ago:.3f}"})

    assert _visit_reads(replica_queries)
    assert _visit_reads(primary) == []


@pytest.mark.django_db(transaction=True)
def test_a_successful_write_marks_the_writer(client, people, replica):
    client.force_login(people.sales1)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert abs(float(response.cookies[WROTE_COOKIE].value) - time.time()) < 60


@pytest.mark.django_db
def test_no_write_mark_without_a_replica(client, people):
    client.force_login(people.sales1)

    response = client.post(reverse("logout"))

    assert WROTE_COOKIE not in response.cookies

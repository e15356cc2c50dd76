"""REL-11: the worker killed while it commits a prospect import.

The commit is caught inside its one transaction: its first batch of customers (with their history
and contacts) is written, and it waits to write their owner changes, on a table lock the test
holds. The whole worker is then SIGKILLed. Nothing of the import may exist afterwards; the
recovery job finds the import (its row no longer locked by anyone), sends it back to "checked",
and the page says it stopped and nothing was imported. The dead worker's task, handed to a fresh
worker after the visibility timeout, does nothing; importing again imports every row once."""

from __future__ import annotations

import signal
from datetime import timedelta

import psycopg2
import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Contact, Customer, OwnerChange
from campaigns.models import ProspectImport
from campaigns.services import request_import_check, request_import_commit, start_prospect_import, stop_stalled_imports
from tests.campaigns.fixtures import routed  # noqa: F401
from tests.reliability.conftest import WorkerProcess, database_url, needs_postgresql, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_reference_lists"),
    pytest.mark.chaos,
]

ROWS = 300  # one batch, all routed to sales1 (below the prospect cap)
Status = ProspectImport.Status


@pytest.fixture
def shared_media(settings, tmp_path, monkeypatch):
    """The worker reads the uploaded list from the same media folder as this process."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))


@pytest.fixture
def worker_factory(broker_on_spare_redis, shared_media):
    needs_postgresql(connection)
    started = []

    def start(**options) -> WorkerProcess:
        worker = WorkerProcess(broker_url=broker_on_spare_redis.url, database=database_url(connection), **options)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def checked_list(people, routed, settings, shared_media):  # noqa: F811
    body = "单位名称,联系人,电话,所在区\n" + "".join(f"单位{n},张{n},138{n:08d},南山区\n" for n in range(ROWS))
    upload = SimpleUploadedFile("list.csv", body.encode(), content_type="text/csv")
    prospect_import = request_import_check(
        prospect_import=start_prospect_import(created_by=people.info1, uploaded_file=upload)
    )
    assert (prospect_import.status, prospect_import.valid_rows) == (Status.VALIDATED, ROWS)
    settings.CRM = {**settings.CRM, "IMPORT_SYNC_MAX_BYTES": 0}  # the commit goes to a worker
    return prospect_import


def commit_waits_on_the_owner_changes() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
            # The commit writes through crm.bulk_insert: a COPY on PostgreSQL (an INSERT before it).
            " AND (query LIKE 'COPY \"accounts_ownerchange\"%%' OR query LIKE 'INSERT INTO \"accounts_ownerchange\"%%')"
        )
        return cursor.fetchone()[0] == 1


def nothing_imported() -> None:
    assert Customer.objects.count() == 0
    assert Customer.history.count() == 0
    assert Contact.objects.count() == 0
    assert OwnerChange.objects.count() == 0


def test_an_import_whose_worker_is_killed_while_committing_leaves_nothing_and_says_so(
    client, people, checked_list, worker_factory, broker_on_spare_redis
):
    blocker = psycopg2.connect(database_url(connection))  # holds the owner-change table, like a slow disk
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE accounts_ownerchange IN SHARE MODE")
        first = worker_factory(visibility_timeout=5)
        prospect_import = request_import_commit(prospect_import=checked_list)
        assert (prospect_import.status, prospect_import.attempt) == (Status.COMMITTING, 1)
        wait_until(commit_waits_on_the_owner_changes, timeout=60, what="the worker to write its first batch")
        first.kill_all()
        assert first.process.returncode == -signal.SIGKILL
    finally:
        blocker.rollback()
        blocker.close()

    # The killed commit's database session gets the lock, finds its client gone, and rolls back:
    # until then it holds the import's row, and the recovery job leaves the import alone.
    later = timezone.now() + timedelta(minutes=10)
    wait_until(lambda: stop_stalled_imports(now=later) == 1, timeout=60, what="the dead commit to be rolled back")
    nothing_imported()
    prospect_import.refresh_from_db()
    assert (prospect_import.status, prospect_import.stopped_at, prospect_import.created_count) == (
        Status.VALIDATED,
        later,
        0,
    )
    client.force_login(people.info1)
    page = client.get(reverse("campaigns:import_detail", args=[prospect_import.pk]), headers={"accept-language": "en"})
    assert "no worker carried it to the end. Nothing was imported." in page.content.decode()

    # A fresh worker gets the dead worker's task back (visibility timeout): attempt 1 is over.
    queue = redis.Redis(port=broker_on_spare_redis.port, socket_timeout=2)
    assert queue.hlen("unacked") == 1  # taken by the dead worker, never acknowledged
    worker_factory(visibility_timeout=5)
    wait_until(
        lambda: queue.hlen("unacked") == 0 and queue.llen("celery") == 0,
        timeout=90,
        what="the dead worker's task to be redelivered and done",
    )
    nothing_imported()
    assert ProspectImport.objects.get().status == Status.VALIDATED

    # Imported again: every row once.
    request_import_commit(prospect_import=prospect_import)
    wait_until(
        lambda: ProspectImport.objects.filter(status=Status.COMMITTED).exists(), timeout=90, what="the new attempt"
    )
    prospect_import.refresh_from_db()
    assert (prospect_import.attempt, prospect_import.created_count, prospect_import.stopped_at) == (2, ROWS, None)
    assert Customer.objects.filter(owner=people.sales1).count() == ROWS
    assert OwnerChange.objects.count() == ROWS

"""A check or import whose worker stopped is found, nothing of it is kept, and its page says so.

The worker killed for real (SIGKILL in the middle of the commit's transaction) is in
tests/reliability/test_worker_killed.py; here the state it leaves behind is set up directly."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Customer
from campaigns.models import ImportRowIssue, ProspectImport
from campaigns.services import (
    commit_prospect_import,
    request_import_check,
    request_import_commit,
    start_prospect_import,
    stop_stalled_imports,
)

Status = ProspectImport.Status
ENGLISH = {"accept-language": "en"}
BODY = (
    "单位名称,联系人,电话,所在区,地址,行业\n"
    "南山物流,张三,13800000001,南山区,,\n"
    ",李四,13800000002,南山区,,\n"  # row 3: no unit name
    "福田商贸,王五,13800000003,福田区,,\n"
    "宝安五金,周九,13800000004,宝安区,,\n"
)


@pytest.fixture
def checked_import(people, routed):
    upload = SimpleUploadedFile("list.csv", BODY.encode(), content_type="text/csv")
    prospect_import = request_import_check(
        prospect_import=start_prospect_import(created_by=people.info1, uploaded_file=upload)
    )
    assert (prospect_import.status, prospect_import.valid_rows, prospect_import.error_rows) == (Status.VALIDATED, 3, 1)
    return prospect_import


def worker_died(prospect_import, *, status, minutes_ago, attempt=1):
    """What a worker that died part-way leaves: the import still running, its last sign of life long ago."""
    ProspectImport.objects.filter(pk=prospect_import.pk).update(
        status=status, attempt=attempt, heartbeat_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


@pytest.mark.django_db
def test_an_import_whose_worker_stopped_goes_back_to_checked_with_nothing_imported(checked_import):
    worker_died(checked_import, status=Status.COMMITTING, minutes_ago=6)
    now = timezone.now()

    assert stop_stalled_imports(now=now) == 1
    assert stop_stalled_imports(now=now + timedelta(minutes=1)) == 0  # idempotent

    checked_import.refresh_from_db()
    assert (checked_import.status, checked_import.stopped_at, checked_import.message) == (Status.VALIDATED, now, "")
    assert (checked_import.valid_rows, checked_import.error_rows) == (3, 1)
    assert Customer.objects.count() == 0
    assert ImportRowIssue.objects.filter(prospect_import=checked_import).count() == 1  # the dry run's report stays


@pytest.mark.django_db
def test_an_import_with_a_recent_sign_of_life_is_left_running(checked_import, settings):
    settings.CRM = {**settings.CRM, "IMPORT_STALE_MINUTES": 5}
    worker_died(checked_import, status=Status.COMMITTING, minutes_ago=4)

    assert stop_stalled_imports() == 0

    checked_import.refresh_from_db()
    assert (checked_import.status, checked_import.stopped_at) == (Status.COMMITTING, None)


@pytest.mark.django_db
def test_a_late_copy_of_the_stopped_attempt_does_nothing_and_a_new_attempt_imports(checked_import):
    worker_died(checked_import, status=Status.COMMITTING, minutes_ago=6, attempt=1)
    stop_stalled_imports()

    # The broker hands the dead worker's task to another worker, hours later.
    assert commit_prospect_import(import_id=checked_import.pk, attempt=1) == 0
    checked_import.refresh_from_db()
    assert (checked_import.status, Customer.objects.count()) == (Status.VALIDATED, 0)

    checked_import = request_import_commit(prospect_import=checked_import)

    assert (checked_import.status, checked_import.attempt, checked_import.created_count) == (Status.COMMITTED, 2, 3)
    assert checked_import.stopped_at is None
    assert sorted(Customer.objects.values_list("unit_name", flat=True)) == ["南山物流", "宝安五金", "福田商贸"]
    assert commit_prospect_import(import_id=checked_import.pk, attempt=1) == 3  # committed: never twice
    assert Customer.objects.count() == 3


@pytest.mark.django_db
def test_a_check_whose_worker_stopped_is_marked_failed_and_its_partial_report_dropped(checked_import):
    worker_died(checked_import, status=Status.VALIDATING, minutes_ago=6)
    now = timezone.now()

    assert stop_stalled_imports(now=now) == 1

    checked_import.refresh_from_db()
    assert (checked_import.status, checked_import.stopped_at) == (Status.FAILED, now)
    assert ImportRowIssue.objects.filter(prospect_import=checked_import).count() == 0
    checked_import = request_import_check(prospect_import=checked_import)  # run again
    assert (checked_import.status, checked_import.valid_rows, checked_import.stopped_at) == (Status.VALIDATED, 3, None)


@pytest.mark.django_db
def test_the_import_page_says_the_import_stopped_and_nothing_was_imported(client, checked_import, people):
    worker_died(checked_import, status=Status.COMMITTING, minutes_ago=6)
    client.force_login(people.info1)
    progress_url = reverse("campaigns:import_progress", args=[checked_import.pk])
    running = client.get(progress_url, {"was_running": 1}, headers=ENGLISH)
    assert "customers written so far" in running.content.decode()

    stopped_at = timezone.now()
    stop_stalled_imports(now=stopped_at)
    shown = timezone.localtime(stopped_at).strftime("%Y-%m-%d %H:%M")
    progress = client.get(progress_url, {"was_running": 1}, headers=ENGLISH)
    page = client.get(checked_import.get_absolute_url(), headers=ENGLISH).content.decode()

    assert progress["HX-Refresh"] == "true"  # the poll stops and the page shows the outcome
    assert (
        f"The import stopped ({shown}): no worker carried it to the end. Nothing was imported. "
        "Import the good rows again."
    ) in page
    assert "Import the 3 good rows" in page


@pytest.mark.django_db
def test_the_check_page_says_the_check_stopped(client, checked_import, people):
    worker_died(checked_import, status=Status.VALIDATING, minutes_ago=6)
    stopped_at = timezone.now()
    stop_stalled_imports(now=stopped_at)
    shown = timezone.localtime(stopped_at).strftime("%Y-%m-%d %H:%M")
    client.force_login(people.info1)

    page = client.get(checked_import.get_absolute_url(), headers=ENGLISH).content.decode()

    assert f"The check stopped ({shown}): no worker carried it to the end. Check the rows again." in page
    assert "Check the rows (dry run)" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_reference_lists")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
def test_an_import_whose_commit_is_still_in_its_transaction_is_left_alone(checked_import):
    """A long commit gives no sign of life once in its transaction; its row lock says it is alive."""
    worker_died(checked_import, status=Status.COMMITTING, minutes_ago=30)
    locked, release = threading.Event(), threading.Event()

    def live_commit():
        try:
            with transaction.atomic():
                ProspectImport.objects.select_for_update().get(pk=checked_import.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=live_commit)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert stop_stalled_imports() == 0
    finally:
        release.set()
        holder.join()

    checked_import.refresh_from_db()
    assert (checked_import.status, checked_import.stopped_at) == (Status.COMMITTING, None)
    assert stop_stalled_imports() == 1  # once the transaction is gone without committing


@pytest.mark.django_db
def test_a_second_click_on_import_after_the_first_finished_changes_nothing(checked_import):
    stale_page = ProspectImport.objects.get(pk=checked_import.pk)  # loaded before the first click ended
    first = request_import_commit(prospect_import=checked_import)
    assert (first.status, first.created_count) == (Status.COMMITTED, 3)

    second = request_import_commit(prospect_import=stale_page)

    assert (second.status, second.created_count, second.attempt) == (Status.COMMITTED, 3, 1)
    assert Customer.objects.count() == 3

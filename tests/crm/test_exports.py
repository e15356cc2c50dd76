"""Exports past a few thousand rows are written by a worker, with the owner's scope; only the owner downloads
them; their files expire. Small exports stay immediate."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.exports.services import delete_expired_exports, queue_export, run_export
from crm.models import Export, Notification, PendingTask
from tests.accounts.factories import CustomerFactory
from tests.crm.factories import ExportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def eager():
    from crm.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def background(settings):
    """Every export of more than 2 rows goes to a worker."""
    settings.CRM = {**settings.CRM, "EXPORT_SYNC_MAX_ROWS": 2}


@pytest.fixture
def scoped(owned_tree, people):
    """One customer per corner of the visibility rules, as in the customer pages' matrix."""
    return {
        "s1_territory": CustomerFactory(
            unit_name="甲-南山车友", territory=owned_tree["nanshan_clubs"], owner=people.sales1
        ),
        "s2_territory": CustomerFactory(
            unit_name="乙-南山企业", territory=owned_tree["nanshan_smes"], owner=people.sales2
        ),
        "s3_territory": CustomerFactory(
            unit_name="丙-福田车友", territory=owned_tree["futian_clubs"], owner=people.sales3
        ),
        "unowned_territory": CustomerFactory(unit_name="丁-无主渠道", territory=owned_tree["futian_smes"], owner=None),
        "s1_held_elsewhere": CustomerFactory(
            unit_name="戊-甲持有", territory=owned_tree["futian_smes"], owner=people.sales1
        ),
        "queue": CustomerFactory(unit_name="己-待分配", territory=None, owner=None, district="宝安区"),
    }


EXPECTED = {
    "sales1": {"s1_territory", "s1_held_elsewhere"},
    "manager1": {"s1_territory", "s2_territory", "s1_held_elsewhere"},
    "manager2": {"s3_territory"},
    "admin": {"s1_territory", "s2_territory", "s3_territory", "unowned_territory", "s1_held_elsewhere", "queue"},
}


def _names(export: Export) -> list[str]:
    with export.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        return sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))


def test_a_long_export_is_written_by_a_worker_after_commit_and_linked_under_my_exports(
    client, people, scoped, background, eager, django_capture_on_commit_callbacks
):
    client.force_login(people.admin)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(reverse("accounts:customer_export"), {"status": "prospect"})

    assert response.status_code == 302 and response["Location"] == reverse("exports:list")
    assert len(callbacks) == 1  # the task is sent once the request's transaction has committed
    export = Export.objects.get()
    assert (export.owner, export.kind, export.filters, export.file_format) == (
        people.admin,
        "customers",
        {"status": ["prospect"]},
        "xlsx",
    )
    assert (export.status, export.total_rows, export.rows_written) == (Export.Status.DONE, 6, 6)
    assert PendingTask.objects.get().kwargs == {"export_id": export.pk}
    assert _names(export) == sorted(customer.unit_name for customer in scoped.values())
    assert export.finished_at is not None
    assert export.expires_at == export.finished_at + timedelta(hours=24)
    assert Notification.objects.get(recipient=people.admin).link == reverse("exports:list")

    page = client.get(reverse("exports:list")).content.decode()
    assert reverse("exports:download", args=[export.pk]) in page
    assert 'hx-trigger="every 2s"' not in page  # nothing left to poll
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith(f"''customers-{timezone.localdate().isoformat()}.xlsx")


def test_a_short_export_stays_immediate(client, people, scoped, settings):
    client.force_login(people.admin)

    response = client.get(reverse("accounts:customer_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert Export.objects.count() == 0


def test_a_csv_is_given_when_asked(client, people, scoped):
    client.force_login(people.sales1)

    response = client.get(reverse("accounts:customer_export"), {"format": "csv"}, headers={"Accept-Language": "en"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Unit name", "Phone", "District"]
    assert sorted(row[0] for row in rows[1:]) == ["戊-甲持有", "甲-南山车友"]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_worker_exports_the_rows_of_the_person_who_asked(people, scoped, who):
    """The task runs as nobody in particular: the rows are computed with the owner's scope."""
    export = queue_export(owner=getattr(people, who), kind="customers", filters={}, file_format="xlsx")

    run_export(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == Export.Status.DONE
    assert _names(export) == sorted(scoped[key].unit_name for key in EXPECTED[who])


def test_the_filters_of_the_page_apply_in_the_worker(people, scoped, owned_tree):
    export = queue_export(
        owner=people.manager1, kind="customers", filters={"q": ["南山"]}, file_format="csv", total_rows=0
    )

    run_export(export_id=export.pk)

    export.refresh_from_db()
    with export.file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == ["乙-南山企业", "甲-南山车友"]
    assert export.filename.endswith(".csv")


def test_running_the_task_twice_writes_the_file_once(people, scoped):
    export = queue_export(owner=people.admin, kind="customers", filters={}, file_format="xlsx")
    run_export(export_id=export.pk)
    export.refresh_from_db()
    first = export.file.name

    run_export(export_id=export.pk)

    export.refresh_from_db()
    assert export.file.name == first
    assert Notification.objects.filter(kind="export_ready").count() == 1


@pytest.mark.parametrize("who", ["sales2", "manager1", "admin"])
def test_only_the_owner_downloads_an_export_anyone_else_gets_the_404_of_a_missing_one(client, people, scoped, who):
    export = queue_export(owner=people.sales1, kind="customers", filters={}, file_format="xlsx")
    run_export(export_id=export.pk)
    client.force_login(getattr(people, who))

    forbidden = client.get(reverse("exports:download", args=[export.pk]))
    missing = client.get(reverse("exports:download", args=[export.pk + 1000]))

    assert forbidden.status_code == missing.status_code == 404
    assert export.filename.encode() not in forbidden.content
    assert "甲-南山车友" not in client.get(reverse("exports:list")).content.decode()


def test_my_exports_polls_while_one_is_being_written(client, people):
    ExportFactory(owner=people.sales1, status=Export.Status.RUNNING, total_rows=10_000, rows_written=5_000)
    client.force_login(people.sales1)

    page = client.get(reverse("exports:list"), headers={"Accept-Language": "en"}).content.decode()

    assert 'hx-trigger="every 2s"' in page
    assert 'value="50"' in page and "5000 of 10000 rows written" in page
    partial = client.get(reverse("exports:list"), headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('\n<div id="export-rows"') or partial.lstrip().startswith('<div id="export-rows"')


def test_expired_files_are_deleted_once_and_the_job_is_idempotent(people, scoped):
    export = queue_export(owner=people.sales1, kind="customers", filters={}, file_format="xlsx")
    run_export(export_id=export.pk)
    export.refresh_from_db()
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)
    later = export.expires_at + timedelta(minutes=1)

    assert delete_expired_exports(now=export.expires_at - timedelta(minutes=1)) == 0
    assert delete_expired_exports(now=later) == 1
    assert delete_expired_exports(now=later) == 0

    export.refresh_from_db()
    assert (export.status, export.file.name) == (Export.Status.EXPIRED, "")
    assert not storage.exists(name)


def test_an_export_whose_worker_died_is_marked_failed_by_the_cleanup(people):
    stuck = ExportFactory(owner=people.sales1, status=Export.Status.RUNNING)
    Export.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=25))

    delete_expired_exports()

    stuck.refresh_from_db()
    assert stuck.status == Export.Status.FAILED


@pytest.mark.parametrize("count", [1, 8])
def test_my_exports_takes_the_same_queries_whatever_the_number(client, people, count, django_assert_num_queries):
    for _ in range(count):
        ExportFactory(owner=people.sales1, status=Export.Status.DONE, rows_written=10)
    client.force_login(people.sales1)
    client.get(reverse("exports:list"))  # the session and the menu's caches, once

    with django_assert_num_queries(FIXED_QUERIES):
        response = client.get(reverse("exports:list"))

    assert response.content.decode().count('class="list-group-item" id="export-') == count


FIXED_QUERIES = 4

"""make backup / make restore: back up the demo, wipe database and files, restore, compare every row.

Runs on the configured database: SQLite by default (the online backup API), PostgreSQL with
DATABASE_URL (pg_dump/pg_restore on the test database, test_<name>). The demo fills most tables,
the sales targets among them, whose CHECK constraint calls a function only Django defines
(``sqlite3 .dump`` loses that table).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from crm.backup import MANIFEST

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _seeded_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


def _rows() -> dict[str, list[tuple]]:
    """Every table's rows, sorted, as comparable values."""

    def comparable(value):
        return bytes(value) if isinstance(value, memoryview) else value

    snapshot = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
            snapshot[table] = sorted((tuple(comparable(v) for v in row) for row in cursor.fetchall()), key=repr)
    return snapshot


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _wipe_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
            return
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
        cursor.execute("PRAGMA foreign_keys = ON")


@pytest.fixture
def media(settings, tmp_path):
    """A file in each folder the uploads use."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for name in ("business_cards/card.jpg", "visits/2026/11/photo.jpg", "showcase/a.jpg", "prospect_imports/l.csv"):
        (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
        (settings.MEDIA_ROOT / name).write_bytes(f"content of {name}".encode())
    return settings.MEDIA_ROOT


@pytest.fixture
def demo(media):
    call_command("seed_demo", force=True, verbosity=0)  # pytest runs with DEBUG off
    return media


def test_backup_wipe_restore_gives_back_every_row_and_file(demo, tmp_path):
    from performance.models import SalesTarget

    rows_before, files_before = _rows(), _files(demo)
    assert len(rows_before["performance_salestarget"]) == 9
    assert sum(1 for rows in rows_before.values() if rows) >= 40  # the demo reaches most tables
    assert len(files_before) == 5  # ours and the demo's showcase photo

    call_command("backup", output=tmp_path / "backup", verbosity=0)
    _wipe_database()
    assert connection.introspection.table_names() == []
    shutil.rmtree(demo)
    call_command("restore", str(tmp_path / "backup"), "--no-input", verbosity=0)

    assert _rows() == rows_before
    assert _files(demo) == files_before
    # The constraints came back with the rows, and the id sequences where they were.
    target = SalesTarget.objects.filter(scope=SalesTarget.Scope.COMPANY).order_by("month").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesTarget.objects.filter(pk=target.pk).update(month=date(2026, 11, 2))
    added = SalesTarget.objects.create(scope=SalesTarget.Scope.COMPANY, month=date(2030, 1, 1), amount=Decimal(1))
    assert added.pk > max(row[0] for row in rows_before["performance_salestarget"])


def test_the_backup_holds_its_manifest_the_database_and_the_files(media, tmp_path):
    call_command("backup", output=tmp_path / "backup", verbosity=0)

    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    database = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}[connection.vendor]
    assert manifest["engine"] == connection.vendor
    assert manifest["database"] == database
    assert manifest["media_files"] == len(_files(media))
    assert sorted(path.name for path in (tmp_path / "backup").iterdir()) == sorted(
        [database, "manifest.json", "media.tar"]
    )
    with tarfile.open(tmp_path / "backup" / "media.tar") as archive:
        assert sorted(archive.getnames()) == sorted(_files(media))


def test_with_files_on_object_storage_the_backup_holds_the_database_alone_and_says_so(media, settings, tmp_path):
    from io import StringIO

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    out = StringIO()

    call_command("backup", output=tmp_path / "backup", stdout=out)

    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    assert (manifest["media"], manifest["media_files"]) == (None, 0)
    assert not (tmp_path / "backup" / "media.tar").exists()
    assert "The uploaded files are on object storage" in out.getvalue()
    shutil.rmtree(media)
    call_command("restore", str(tmp_path / "backup"), "--no-input", verbosity=0)
    assert not media.exists()  # the restore left the files alone


def test_a_backup_never_overwrites_an_earlier_one(media, tmp_path):
    (tmp_path / "backup").mkdir()

    with pytest.raises(CommandError, match=r"already exists: choose a new folder"):
        call_command("backup", output=tmp_path / "backup", verbosity=0)


def test_a_restore_refuses_a_backup_of_the_other_engine_and_changes_nothing(media, tmp_path):
    call_command("backup", output=tmp_path / "backup", verbosity=0)
    manifest_path = tmp_path / "backup" / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    manifest_path.write_text(json.dumps(manifest | {"engine": other}))
    rows_before = _rows()

    with pytest.raises(CommandError, match=f"This backup is of a {other} database"):
        call_command("restore", str(tmp_path / "backup"), "--no-input", verbosity=0)
    assert _rows() == rows_before


def test_a_restore_refuses_files_that_would_land_outside_the_media_folder(media, tmp_path):
    call_command("backup", output=tmp_path / "backup", verbosity=0)
    evil = tmp_path / "evil.txt"
    evil.write_text("x")
    with tarfile.open(tmp_path / "backup" / "media.tar", "a") as archive:
        archive.add(evil, arcname="../../outside.txt")
    files_before = _files(media)

    with pytest.raises(CommandError, match="would land outside the media folder"):
        call_command("restore", str(tmp_path / "backup"), "--no-input", verbosity=0)
    assert _files(media) == files_before
    assert not (media.parent.parent / "outside.txt").exists()


def test_a_folder_without_a_manifest_is_not_a_backup(db, tmp_path):
    with pytest.raises(CommandError, match=r"is not a backup: it has no manifest\.json"):
        call_command("restore", str(tmp_path), "--no-input", verbosity=0)


def test_a_restore_removes_tables_the_backup_does_not_have(media, tmp_path):
    """Restoring an older backup after an upgrade: a table a newer migration added must not stay behind
    (the next migrate would fail on it), and the migrations table says what the backup had."""
    call_command("backup", output=tmp_path / "backup", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE added_by_a_newer_migration (id integer PRIMARY KEY)")
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('crm', '9999_newer', '2026-12-01')")
    rows_before = _rows()

    call_command("restore", str(tmp_path / "backup"), "--no-input", verbosity=0)

    rows_after = _rows()
    assert "added_by_a_newer_migration" not in rows_after
    assert len(rows_after["django_migrations"]) == len(rows_before["django_migrations"]) - 1

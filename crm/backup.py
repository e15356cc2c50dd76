"""Back up and restore the database and the uploaded files (``make backup``, ``make restore``).

A backup is a folder holding:

- ``database.dump``: PostgreSQL, ``pg_dump`` in its custom format (compressed; ``pg_restore`` reads it,
  and the restore loads its SQL with ``psql`` into an emptied schema, in one transaction);
- or ``database.sqlite3``: SQLite, a page-by-page copy through SQLite's online backup API. Never
  ``sqlite3 .dump``: its SQL replays CHECK constraints that call functions only Django registers
  (``django_date_extract`` in the sales targets' "first day of the month"), so a load outside Django
  drops that table;
- ``media.tar``: every file under ``MEDIA_ROOT``. Only with local storage: when the uploaded files are on
  object storage (``CRM_MEDIA_S3_BUCKET``) the backup holds the database alone and says so; the bucket
  is backed up by its own means (versioning, ``mc mirror``, replication), and a restore leaves it alone;
- ``manifest.json``: what it holds and from where, read back by the restore.

The database is copied first, then the files: a file uploaded meanwhile is an extra file in the
backup, never a row without its file. Operator tools, not domain code: they raise ``BackupError``
with a message for the person at the terminal.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    engine: str
    database_bytes: int
    media_files: int


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DUMP:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _postgres_environment(alias: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings; the password goes in the env."""
    params = connections[alias].settings_dict
    arguments = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        arguments += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        arguments += ["--port", str(params["PORT"])]
    if params.get("USER"):
        arguments += ["--username", str(params["USER"])]
    environment = dict(os.environ)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _sqlite_connection(alias: str) -> sqlite3.Connection:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.connection


def _back_up_database(alias: str, engine: str, target: Path) -> None:
    if engine == "postgresql":
        arguments, environment = _postgres_environment(alias)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *arguments],
            environment,
        )
        return
    destination = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy while the web server and the worker keep writing.
        _sqlite_connection(alias).backup(destination)
    finally:
        destination.close()


def _restore_database(alias: str, engine: str, source: Path) -> None:
    if engine == "postgresql":
        connections[alias].close()
        arguments, environment = _postgres_environment(alias)
        with tempfile.TemporaryDirectory() as folder:
            sql = Path(folder) / "restore.sql"
            _run(["pg_restore", "--no-owner", "--no-privileges", "--file", str(sql), str(source)], environment)
            # One transaction: the schema emptied (tables a newer migration added would otherwise stay and
            # break the next migrate), then the backup loaded; any error leaves the database as it was.
            _run(
                [
                    *("psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1"),
                    *(*arguments, "--command", "DROP SCHEMA public CASCADE", "--command", "CREATE SCHEMA public"),
                    *("--file", str(sql)),
                ],
                environment,
            )
        return
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        # Page by page into the live database, which ends up identical to the backup (schema included).
        backup.backup(_sqlite_connection(alias))
    finally:
        backup.close()


def media_is_local() -> bool:
    """Whether the uploaded files are in MEDIA_ROOT (what the archive covers), not on object storage."""
    return isinstance(default_storage, FileSystemStorage)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _back_up_media(target: Path) -> int:
    root = _media_root()
    count = 0
    with tarfile.open(target, "w") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
                    count += 1
    return count


def _check_media(source: Path) -> None:
    """Refuse the archive before anything changes if one of its entries would not land inside MEDIA_ROOT."""
    root = _media_root()
    try:
        with tarfile.open(source) as archive:
            for member in archive.getmembers():
                # The "data" filter refuses absolute names, "..", links out of the folder and device files.
                tarfile.data_filter(member, str(root))
    except tarfile.FilterError as error:
        raise BackupError(f"{source} holds a file that would land outside the media folder: {error}.") from None
    except tarfile.TarError as error:
        raise BackupError(f"{source} is damaged: {error}.") from None


def _restore_media(source: Path) -> int:
    """Replace what is under MEDIA_ROOT (kept itself: it may be a volume's mount point) by the archive."""
    root = _media_root()
    root.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    with tarfile.open(source) as archive:
        archive.extractall(root, filter="data")
        return sum(1 for member in archive.getmembers() if member.isfile())


def back_up(*, output: Path, alias: str = "default") -> BackupSummary:
    """Write a backup into ``output``, a folder that must not exist yet. Touches nothing else."""
    engine = _engine(alias)
    if output.exists():
        raise BackupError(f"{output} already exists: choose a new folder for the backup.")
    output.mkdir(parents=True)
    database = output / DUMP[engine]
    _back_up_database(alias, engine, database)
    media_local = media_is_local()
    media_files = _back_up_media(output / MEDIA_ARCHIVE) if media_local else 0
    manifest = {
        "format": FORMAT_VERSION,
        "engine": engine,
        "database": DUMP[engine],
        "media": MEDIA_ARCHIVE if media_local else None,
        "media_files": media_files,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupSummary(folder=output, engine=engine, database_bytes=database.stat().st_size, media_files=media_files)


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}.") from None
    except json.JSONDecodeError as error:
        raise BackupError(f"{folder / MANIFEST} is damaged: {error}.") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{folder} was written by another version of this tool (format {manifest.get('format')}).")
    return manifest


def restore(*, source: Path, alias: str = "default") -> BackupSummary:
    """Replace the database and the files under MEDIA_ROOT by the backup in ``source``.

    Checks everything it can before changing anything: the manifest, the engine (a PostgreSQL backup
    goes back into PostgreSQL), the files it names. The database is restored in one transaction
    (PostgreSQL) or one backup-API copy (SQLite), then the files.
    """
    manifest = read_manifest(source)
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise BackupError(f"This backup is of a {manifest['engine']} database; the configured database is {engine}.")
    database = source / manifest["database"]
    media = source / manifest["media"] if manifest["media"] and media_is_local() else None
    for path in (database, media):
        if path is not None and not path.is_file():
            raise BackupError(f"{path} is missing from the backup.")
    if media is not None:
        _check_media(media)
    _restore_database(alias, engine, database)
    media_files = _restore_media(media) if media is not None else 0
    return BackupSummary(folder=source, engine=engine, database_bytes=database.stat().st_size, media_files=media_files)

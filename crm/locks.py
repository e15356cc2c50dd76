"""Row and job locks in one place, so the order of locking is easy to see."""

from __future__ import annotations

import zlib

from django.db import connection


def lock_job(*, name: str, period: str) -> None:
    """Serialise runs of one scheduled job for one period until the transaction ends.

    PostgreSQL: a transaction-level advisory lock, so two workers running the same job for the
    same day queue up instead of both notifying. SQLite: writers are already serialised by the
    IMMEDIATE transactions set in the settings, so there is nothing to do.
    """
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"{name}:{period}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

"""Row and job locks in one place, so the order of locking is easy to see."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
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


@contextmanager
def try_job_lock(name: str, *, lease_seconds: float = 3600) -> Iterator[bool]:
    """For a long job paced by an outside service (no transaction held while it waits): yields whether
    this process got the lock; a second run finds it taken and does nothing.

    PostgreSQL: a session-level advisory lock, released at the end or when the connection closes (a
    killed worker frees it). Behind PgBouncer in transaction mode (DATABASE_TRANSACTION_POOLING) a
    session lock would stay on whichever server connection took it, so the lock is a lease in the shared
    cache (Redis) instead, freed at the end or after ``lease_seconds`` (a killed worker's). SQLite (the
    embedded mode, one worker process): always True.
    """
    if settings.DATABASE_TRANSACTION_POOLING:
        with _cache_lease(f"crm:job-lock:{name}", lease_seconds) as acquired:
            yield acquired
        return
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(f"job:{name}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _cache_lease(key: str, lease_seconds: float) -> Iterator[bool]:
    token = uuid.uuid4().hex
    acquired = bool(cache.add(key, token, timeout=max(1, int(lease_seconds))))
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)

"""What /healthz reports: can we reach the database and the broker, quickly."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from kombu import Connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status(*, timeout: float = 2.0) -> str:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=timeout,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"

"""An optional read replica (``DATABASE_REPLICA_URL``) for the pages that only read a lot: dashboards,
exports and reports. Everything else, and every write, goes to the primary.

Reads are sent to the replica only inside ``reads_from_replica`` (a decorator on those views, or a
``with`` block in a job), and even there not:

- when no replica is configured (the alias ``replica`` is absent): one database, nothing changes;
- inside a transaction on the primary (a read that belongs to a write must see it);
- for a person who wrote something in the last ``CRM_REPLICA_STICKY_SECONDS`` (a cookie set after
  each successful POST/PUT/PATCH/DELETE): the dashboard they are sent to after saving shows their own
  change even when the replica lags behind.

The person's session and account are read before the view's body, outside the block, so a session
created a moment ago on the primary is never looked for on the replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
WROTE_COOKIE = "crm_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_replica_reads: ContextVar[bool] = ContextVar("crm_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reads_from_replica(*, enabled: bool = True) -> Iterator[None]:
    """Within the block, reads outside a primary transaction go to the replica (when there is one)."""
    token = _replica_reads.set(enabled and replica_configured())
    try:
        yield
    finally:
        _replica_reads.reset(token)


def wrote_recently(request: HttpRequest) -> bool:
    value = request.COOKIES.get(WROTE_COOKIE, "")
    try:
        wrote_at = float(value)
    except ValueError:
        return False
    return time.time() - wrote_at < settings.CRM_REPLICA_STICKY_SECONDS


def replica_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A read-only page (dashboard, export, report) whose body reads from the replica when allowed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 (loads the session and the account from the primary first)
        with reads_from_replica(enabled=request.method in SAFE_METHODS and not wrote_recently(request)):
            return view(request, *args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads to the replica only inside ``reads_from_replica``; writes, migrations: the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        if not _replica_reads.get() or not replica_configured():
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        if db == REPLICA:
            return False  # the replica follows the primary by streaming replication
        return None


class ReplicaStickinessMiddleware:
    """After a successful write, tells ``replica_view`` (by a cookie) to read from the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400 and replica_configured():
            response.set_cookie(
                WROTE_COOKIE,
                f"{time.time():.3f}",
                max_age=settings.CRM_REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

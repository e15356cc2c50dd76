"""Exports: one door for every spreadsheet download, small ones at once, large ones on a worker.

Apps register their kinds (``register_export_kind``) from ``AppConfig.ready()``; this module knows none
of them. A kind says which rows a person sees with a page's filters (always from ``visible_to``) and how
each becomes a row. ``export_response`` (crm.exports.views) counts them: up to
``CRM["EXPORT_SYNC_MAX_ROWS"]`` the file is written in the request; beyond, ``queue_export`` stores an
``Export`` and a worker writes it (``run_export``) with the OWNER's scope, never the worker's, into
Django's storage (disk or S3-compatible); "My exports" shows its progress and the link. Files expire
(``delete_expired_exports``, hourly, idempotent).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError
from crm.models import Export, User
from crm.outbox import enqueue
from crm.services import notify
from crm.spreadsheets import write_sheet

logger = logging.getLogger(__name__)

Status = Export.Status
RUN_TASK = "crm.tasks.run_export_task"
# Query parameters that are not filters.
NOT_FILTERS = frozenset({"page", "format"})
# A worker that took an export and gave no sign of life for this long has stopped (its task is given back
# to the queue and may run again).
STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class ExportKind:
    """One kind of export. ``queryset(user, query)``: what ``user`` sees of it with the page's filters
    (``query`` is the page's QueryDict); ``rows(queryset)``: the rows, streamed (``.iterator()``,
    ``values_list``: no query per row); ``header()``: the header row in the current language."""

    name: str
    label: Promise
    filename: str  # without the date and extension, e.g. "customers"
    header: Callable[[], list[Any]]
    queryset: Callable[[User, QueryDict], QuerySet[Any]]
    rows: Callable[[QuerySet[Any]], Iterable[Sequence[Any]]]


_KINDS: dict[str, ExportKind] = {}


def register_export_kind(kind: ExportKind) -> None:
    """Called from an app's ``ready()``; registering the same name again replaces it."""
    _KINDS[kind.name] = kind


def export_kind(name: str) -> ExportKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ApplicationError(_("Unknown kind of export.")) from None


def export_filters(query: QueryDict) -> dict[str, list[str]]:
    """The page's filters as JSON (every value of each parameter), without the page number or format."""
    return {key: values for key, values in query.lists() if key not in NOT_FILTERS}


def _query(filters: Mapping[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in filters.items():
        query.setlist(key, [str(value) for value in values])
    return query


def file_name(kind: ExportKind, file_format: str, *, day: Any = None) -> str:
    day = day or timezone.localdate()
    return f"{kind.filename}-{day.isoformat()}.{file_format}"


def export_rows(*, owner: User, kind: ExportKind, query: QueryDict) -> QuerySet[Any]:
    """The rows ``owner`` may export (their scope, the page's filters)."""
    return kind.queryset(owner, query)


@transaction.atomic
def queue_export(
    *, owner: User, kind: str, filters: Mapping[str, list[str]], file_format: str, total_rows: int = 0
) -> Export:
    """Store an export for a worker; the task is sent once this transaction commits (the outbox)."""
    registered = export_kind(kind)
    if file_format not in Export.Format.values:
        raise ApplicationError(_("Unknown file format."))
    export = Export.objects.create(
        owner=owner,
        kind=kind,
        label=str(registered.label)[:200],
        filters=dict(filters),
        file_format=file_format,
        total_rows=total_rows,
        token=secrets.token_hex(16),
        filename=file_name(registered, file_format),
    )
    enqueue(RUN_TASK, export_id=export.pk)
    return export


def _claim(export_id: int, now: datetime) -> Export | None:
    """Mark the export as being written by this worker; None when another copy has it or it is over."""
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).select_related("owner").first()
        if export is None or export.is_finished:
            return None
        if export.status == Status.RUNNING and export.started_at and export.started_at > now - STALE_AFTER:
            return None  # a copy of the task while the first is still writing
        export.status, export.started_at, export.rows_written, export.error = Status.RUNNING, now, 0, ""
        export.save(update_fields=["status", "started_at", "rows_written", "error"])
        return export


def run_export(*, export_id: int) -> Export | None:
    """Write one export's file (the worker's side). The rows are the owner's: their ``visible_to`` and the
    page's filters, computed now. Progress (rows written) is saved every few thousand rows; the file is
    stored through Django's storage; the owner is notified. Idempotent: a finished export, or one that
    another copy of the task is writing, is left alone. A failure is recorded on the export, with no file.
    """
    now = timezone.now()
    export = _claim(export_id, now)
    if export is None:
        return Export.objects.filter(pk=export_id).first()
    owner = export.owner
    try:
        kind = export_kind(export.kind)
        if not owner.is_active:
            raise ApplicationError(_("The account that asked for this export is no longer active."))
        queryset = export_rows(owner=owner, kind=kind, query=_query(export.filters))
        total = queryset.count()
        Export.objects.filter(pk=export.pk).update(total_rows=total)
        with tempfile.TemporaryFile() as spool:
            written = write_sheet(
                spool,
                header=kind.header(),
                rows=kind.rows(queryset),
                sheet_title=kind.label,
                file_format=export.file_format,
                on_progress=lambda done: Export.objects.filter(pk=export.pk).update(rows_written=done),
            )
            spool.seek(0)
            export.file.save(export.filename, File(spool), save=False)
    except (ApplicationError, DatabaseError, OSError) as error:
        message = str(getattr(error, "message", "") or gettext("The export could not be written."))
        logger.exception("Export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Status.FAILED, error=message[:500], finished_at=timezone.now()
        )
        return Export.objects.get(pk=export.pk)
    finished = timezone.now()
    Export.objects.filter(pk=export.pk).update(
        status=Status.DONE,
        file=export.file.name,
        rows_written=written,
        total_rows=written,
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.CRM["EXPORT_KEEP_HOURS"]),
    )
    notify(
        recipient=owner,
        kind="export_ready",
        text=gettext("Your export “%(label)s” is ready (%(rows)s rows).") % {"label": export.label, "rows": written},
        link=reverse("exports:list"),
    )
    logger.info("Export %s (%s) written: %s rows", export.pk, export.kind, written)
    return Export.objects.get(pk=export.pk)


def delete_expired_exports(*, now: datetime | None = None) -> int:
    """Delete the files of exports past their expiry (the row stays, "expired"), and forget exports older
    than a month; an export whose worker died long ago is marked failed. Idempotent: a second run finds
    nothing to do. Returns how many files were deleted."""
    now = now or timezone.now()
    deleted = 0
    due = Export.objects.filter(status=Status.DONE, expires_at__lte=now)
    for export in due.iterator(chunk_size=200):
        if export.file:
            export.file.storage.delete(export.file.name)  # a file already gone is no error
            deleted += 1
        Export.objects.filter(pk=export.pk, status=Status.DONE).update(status=Status.EXPIRED, file="")
    keep = timedelta(hours=settings.CRM["EXPORT_KEEP_HOURS"])
    Export.objects.filter(
        Q(status=Status.QUEUED, created_at__lt=now - keep) | Q(status=Status.RUNNING, started_at__lt=now - keep)
    ).update(status=Status.FAILED, error=gettext("The export stopped before it was finished."), finished_at=now)
    for export in Export.objects.filter(created_at__lt=now - timedelta(days=30)).exclude(file=""):
        export.file.storage.delete(export.file.name)
    Export.objects.filter(created_at__lt=now - timedelta(days=30)).delete()
    return deleted


def stream_request(owner: User) -> HttpRequest:
    """A request standing for the owner when a worker applies a page's filters (FilterSets read the
    person from ``request.user``)."""
    request = HttpRequest()
    request.user = owner
    return request

"""My exports: the person's own exports with their progress (htmx polls while one is being written) and
the download of a finished one (its owner only: anyone else gets the same 404 as for a missing one)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from crm.exports import selectors, services
from crm.exports.services import export_filters, export_kind, export_rows, file_name
from crm.media import protected_file_response
from crm.models import Export
from crm.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, sheet_response


def export_response(request: HttpRequest, *, kind: str) -> HttpResponse:
    """The one door of every list's export: the rows ``request.user`` sees with the page's filters, as
    .xlsx (or .csv with ``?format=csv``). Up to CRM["EXPORT_SYNC_MAX_ROWS"] rows the file is the answer;
    beyond, a worker writes it and the person is sent to "My exports" (no web worker held for seconds)."""
    registered = export_kind(kind)
    file_format = Export.Format.CSV if request.GET.get("format") == "csv" else Export.Format.XLSX
    rows = export_rows(owner=request.user, kind=registered, query=request.GET)
    total = rows.count()
    if total > settings.CRM["EXPORT_SYNC_MAX_ROWS"]:
        services.queue_export(
            owner=request.user,
            kind=kind,
            filters=export_filters(request.GET),
            file_format=file_format,
            total_rows=total,
        )
        messages.info(
            request,
            _("%(count)s rows: the file is being written. It will be under “My exports” in a moment.")
            % {"count": total},
        )
        return redirect("exports:list")
    return sheet_response(
        filename=file_name(registered, file_format),
        header=registered.header(),
        rows=registered.rows(rows),
        sheet_title=registered.label,
        file_format=file_format,
    )


@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    exports = list(selectors.exports_of(owner=request.user))
    context = {
        "exports": exports,
        "polling": any(not export.is_finished for export in exports),
        "keep_hours": settings.CRM["EXPORT_KEEP_HOURS"],
    }
    template = "crm/export_list.html#rows" if request.htmx else "crm/export_list.html"
    return render(request, template, context)


@require_safe
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_for_download(owner=request.user, export_id=pk)
    content_type = CSV_CONTENT_TYPE if export.file_format == Export.Format.CSV else XLSX_CONTENT_TYPE
    return protected_file_response(request, export.file, content_type=content_type, download_name=export.filename)

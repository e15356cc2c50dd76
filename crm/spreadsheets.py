"""Excel exports: write-only openpyxl workbooks, formula-safe cells, streamed from a temporary file."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Above this size the temporary file moves from memory to disk: memory stays bounded.
SPOOL_BYTES = 8 * 1024 * 1024


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet will never run: text starting with = + - @ gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | date):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def xlsx_response(
    *, filename: str, sheet_title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    """Write ``rows`` (any iterable, consumed once) to a write-only workbook and stream it back."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title)[:31])
    sheet.append([safe_cell(str(cell)) for cell in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by FileResponse
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

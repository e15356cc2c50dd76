"""Excel exports: streamed, write-only, formula-safe."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet will show, never evaluate: text starting like a formula gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (bool, int, float, Decimal, date)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def xlsx_rows(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet") -> Iterator[bytes]:
    """The workbook's bytes. openpyxl's write-only mode keeps memory bounded (rows go to a temporary
    file as they come); the finished file is written to disk and sent in chunks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(name) for name in header])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(64 * 1024):
            yield chunk


def xlsx_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet"
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(xlsx_rows(header, rows, title=title), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

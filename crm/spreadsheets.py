"""Excel in bounded memory: streamed write-only exports and read-only imports.

Exports are formula-safe: a text cell starting with = + - @ (or a tab/CR) is prefixed with an
apostrophe so that a spreadsheet program shows it as text instead of running it.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.http import FileResponse
from openpyxl import Workbook, load_workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """The value as an export cell: text that a spreadsheet would read as a formula is defused."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(*, path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet") -> None:
    """Write rows to ``path`` with a write-only workbook (rows are never held in memory together)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(str(cell)) for cell in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    workbook.save(path)


def xlsx_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet"):
    """A download of the rows as .xlsx, built in a temporary file and streamed from it."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    write_xlsx(path=handle.name, header=header, rows=rows, title=title)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def xlsx_unpacked_size(path: Path | str) -> int:
    """Sum of the uncompressed sizes of the workbook's parts (a zip bomb is refused before opening)."""
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def xlsx_has_merged_cells(path: Path | str, *, chunk_size: int = 1 << 16) -> bool:
    """Whether any worksheet declares merged cells; read in chunks, so memory stays bounded."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            tail = b""
            with archive.open(name) as part:
                while chunk := part.read(chunk_size):
                    if b"<mergeCell " in tail + chunk or b":mergeCell " in tail + chunk:
                        return True
                    tail = chunk[-16:]
    return False


def read_xlsx_rows(path: Path | str) -> Iterator[tuple[Any, ...]]:
    """Rows of the first worksheet as tuples of values, in read-only mode (bounded memory).

    Formulas come back as their text (``=SUM(A1:A2)``), so the caller can refuse them. openpyxl
    parses with defusedxml when it is installed, so entity expansion ("XML bombs") raises.
    """
    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()

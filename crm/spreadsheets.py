"""Spreadsheet export and import, safe by construction. Every export and import goes through here.

Exports: every cell passes through ``safe_cell``, so text that a spreadsheet program would
run as a formula (CSV/formula injection, CWE-1236) is written as text; rows stream through
openpyxl's write-only mode into a temporary file, so memory stays bounded whatever the size.

Imports: the archive is checked before parsing (size once unpacked, number of parts), and
openpyxl parses with defusedxml, so an XML bomb or external entity is refused with a message
in the user's language instead of eating the server's memory.
"""

from __future__ import annotations

import datetime
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from crm.errors import SpreadsheetError

if not openpyxl.DEFUSEDXML:
    raise ImproperlyConfigured("openpyxl must parse with defusedxml: install it and leave OPENPYXL_DEFUSEDXML unset.")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet program reads text starting with these as a formula (or as the start of one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 1000


def safe_cell(value: Any) -> Any:
    """The value as it may be written to a cell: formula-like text gets a leading "'".

    Control characters that the xlsx format cannot hold are dropped; aware datetimes become
    local time (xlsx has no time zones); numbers, dates, booleans and None pass unchanged.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_TRIGGERS):
            return "'" + value
        return value
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_response(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]], *, sheet_title: str = "Sheet1"
) -> FileResponse:
    """A download of one sheet: the header row, then the rows, each cell through ``safe_cell``.

    ``rows`` may be a generator (e.g. ``queryset.values_list(...).iterator()``): it is consumed
    once, row by row. The workbook is built in a temporary file that is deleted when the
    response is closed.
    """
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append([safe_cell(value) for value in header])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _check_archive(file: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as error:
        raise SpreadsheetError(_("This file is not an Excel workbook (.xlsx).")) from error
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(_("The workbook is too large once unpacked."))
    file.seek(0)


def _caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def read_xlsx_rows(file: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    """The rows of the first sheet as tuples of values (formulas are read as their text).

    Streams in openpyxl's read-only mode. Raises SpreadsheetError, with a translated message,
    for a file that is not a workbook, too large once unpacked, damaged, or carrying a DTD or
    entities (XML bombs, external entities) — possibly after some rows were yielded, so an
    importer must treat the whole file as one unit.
    """
    _check_archive(file)
    workbook = None
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    except (ValueError, ParseError, KeyError, IndexError, InvalidFileException, zipfile.BadZipFile) as error:
        # openpyxl wraps what the XML parser raised in its own ValueError.
        if _caused_by(error, DefusedXmlException):
            raise SpreadsheetError(
                _("The workbook contains forbidden XML (entities or a document type declaration) and was not read.")
            ) from error
        raise SpreadsheetError(_("The workbook is damaged and could not be read.")) from error
    finally:
        if workbook is not None:
            workbook.close()

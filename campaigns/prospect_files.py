"""Reading prospect lists (.xlsx or .csv) safely, in bounded memory, and checking their rows.

Nothing here writes to the database; ``campaigns.services.imports`` drives it.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

from crm.errors import ApplicationError, SpreadsheetError
from crm.phones import normalise_phone
from crm.spreadsheets import read_xlsx_rows, xlsx_has_merged_cells, xlsx_unpacked_size

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls / .doc container


class ImportFileError(ApplicationError):
    default_message = _("This file cannot be read as a prospect list. Nothing was imported.")


# The fields a column may fill, with the headers people commonly give them (matched case-blind).
TARGET_FIELDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "unit_name": (
        _("Unit name"),
        (
            "单位",
            "单位名称",
            "公司",
            "公司名称",
            "企业",
            "企业名称",
            "客户名称",
            "名称",
            "unit",
            "unit name",
            "company",
        ),
    ),
    "contact_name": (_("Contact name"), ("联系人", "姓名", "负责人", "contact", "contact name", "name")),
    "phone": (
        _("Phone"),
        ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "phone", "mobile", "tel", "telephone"),
    ),
    "email": (_("E-mail"), ("邮箱", "电子邮件", "电子邮箱", "email", "e-mail", "mail")),
    "address": (_("Address"), ("地址", "详细地址", "通讯地址", "address")),
    "district": (_("District"), ("区", "区域", "所在区", "区县", "行政区", "district")),
    "business_type": (
        _("Business type"),
        ("行业", "经营范围", "业务类型", "行业类别", "主营", "industry", "business type"),
    ),
    "notes": (_("Notes"), ("备注", "说明", "notes", "remark", "remarks")),
    # A position given by the list itself, in WGS-84 degrees (as GPS gives it; not the GCJ-02 of Chinese maps).
    "latitude": (_("Latitude (WGS-84)"), ("纬度", "lat", "latitude")),
    "longitude": (_("Longitude (WGS-84)"), ("经度", "lng", "lon", "longitude")),
}
REQUIRED_FIELDS = ("unit_name",)
MAX_LENGTHS = {
    "unit_name": 200,
    "contact_name": 100,
    "address": 300,
    "district": 50,
    "business_type": 100,
    "notes": 2000,
}


@dataclass
class RowIssue:
    row_number: int
    kind: str  # ImportRowIssue.Kind values
    message: StrOrPromise  # translated when stored (check_prospect_import)
    column: str = ""
    value: str = ""


@dataclass
class CheckedRow:
    row_number: int
    data: dict[str, str] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)


def detect_format(path: Path | str, original_name: str) -> str:
    """ "xlsx" or "csv" from the content (the name is only a hint); refuses anything else."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(_("This is an old Excel (.xls) file. Open it in Excel or WPS and save it as .xlsx."))
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if b"\x00" in head:
        raise ImportFileError(_("This is not a spreadsheet: upload an .xlsx workbook or a .csv file."))
    if original_name.lower().endswith((".csv", ".txt")) or b"," in head or b"\t" in head:
        return "csv"
    raise ImportFileError(_("This is not a spreadsheet: upload an .xlsx workbook or a .csv file."))


def detect_encoding(path: Path | str, *, chunk_size: int = 1 << 16) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else gb18030 (covers GBK/GB2312); read in chunks."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(chunk_size):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(_("The CSV file's text encoding is not UTF-8 or GBK. Save it as UTF-8 CSV and try again."))


def _check_xlsx(path: Path | str) -> None:
    try:
        unpacked = xlsx_unpacked_size(path)
    except zipfile.BadZipFile as error:
        raise ImportFileError(_("The workbook is damaged or not really an .xlsx file.")) from error
    if unpacked > settings.CRM["IMPORT_MAX_UNPACKED_BYTES"]:
        raise ImportFileError(_("The workbook unpacks to far more data than a prospect list holds; it was refused."))
    if xlsx_has_merged_cells(path):
        raise ImportFileError(
            _("The sheet has merged cells. Unmerge them and keep a single header row, then upload it again.")
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers typed as numbers come back as 13800138000.0
    return str(value).strip()


def _raw_rows(path: Path | str, file_format: str, encoding: str) -> Iterator[list[str]]:
    if file_format == "xlsx":
        _check_xlsx(path)
        try:
            for row in read_xlsx_rows(path):
                yield [_cell_text(value) for value in row]
        except SpreadsheetError as error:
            raise ImportFileError(error.message) from error
        except (DefusedXmlException, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise ImportFileError(
                _("The workbook contains unsafe or damaged XML and was refused. Nothing was imported.")
            ) from error
        return
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        except csv.Error:
            dialect = csv.excel
        try:
            for row in csv.reader(handle, dialect):
                yield [cell.strip() for cell in row]
        except csv.Error as error:
            raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": error}) from error


def iter_rows(path: Path | str, file_format: str, encoding: str = "") -> Iterator[tuple[int, list[str]]]:
    """(row number as the user sees it, cells) for every non-empty row, header included.

    Reads to the real end of the file, however many empty rows lie between the rows (the gaps in
    the row numbers say how many were skipped), one row at a time, so memory stays bounded even for
    a sheet "used" down to row 1,048,576. Refuses more than IMPORT_MAX_ROWS rows.
    """
    max_rows = settings.CRM["IMPORT_MAX_ROWS"]
    seen = 0
    for number, row in enumerate(_raw_rows(path, file_format, encoding), start=1):
        if not any(row):
            continue
        seen += 1
        if seen > max_rows + 1:
            raise ImportFileError(
                _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": max_rows}
            )
        yield number, row


def read_headers(path: Path | str, file_format: str, encoding: str = "") -> list[str]:
    """The first non-empty row: the column headers. Refuses a file with no usable header."""
    for _number, row in iter_rows(path, file_format, encoding):
        headers = [cell or "" for cell in row]
        while headers and not headers[-1]:
            headers.pop()
        if not any(headers):
            break
        if any(header.startswith("=") for header in headers):
            raise ImportFileError(_("The header row contains formulas. Paste values only, then upload again."))
        return headers
    raise ImportFileError(_("The file has no header row with column names."))


def _normalise_header(text: str) -> str:
    return re.sub(r"[\s:：*（）()]+", "", text).lower()


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Field → column index for the headers that look like a known field."""
    mapping: dict[str, int] = {}
    normalised = [_normalise_header(header) for header in headers]
    for field_name, (_label, synonyms) in TARGET_FIELDS.items():
        wanted = {_normalise_header(synonym) for synonym in synonyms}
        for index, header in enumerate(normalised):
            if header in wanted and index not in mapping.values():
                mapping[field_name] = index
                break
    return mapping


def validate_mapping(mapping: dict[str, int], headers: list[str], *, numbers_only: bool = False) -> None:
    """``numbers_only``: a list of numbers for a call list, where the phone is what is needed, not the unit."""
    required = ("phone",) if numbers_only else REQUIRED_FIELDS
    missing = [str(TARGET_FIELDS[name][0]) for name in required if name not in mapping]
    if missing:
        raise ImportFileError(_("Choose the column for: %(fields)s.") % {"fields": ", ".join(missing)})
    if "phone" not in mapping and "address" not in mapping:
        raise ImportFileError(_("Choose a column for the phone or the address: a prospect must be reachable."))
    columns = list(mapping.values())
    if len(columns) != len(set(columns)):
        raise ImportFileError(_("Each column can fill only one field."))
    if any(not 0 <= index < len(headers) for index in columns):
        raise ImportFileError(_("The mapping names a column the file does not have."))


def _check_position(checked: CheckedRow) -> None:
    """Both coordinates or neither, decimal degrees on the globe; kept as text, checked again when stored."""
    latitude, longitude = checked.data.pop("latitude", ""), checked.data.pop("longitude", "")
    if not latitude and not longitude:
        return
    label = f"{TARGET_FIELDS['latitude'][0]} / {TARGET_FIELDS['longitude'][0]}"
    try:
        lat, lon = Decimal(latitude), Decimal(longitude)
        valid = lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180
    except (ArithmeticError, ValueError):
        valid = False
    if not valid:
        checked.issues.append(
            RowIssue(
                checked.row_number,
                "error",
                _("not a position: give both latitude and longitude in degrees"),
                label,
                f"{latitude}, {longitude}"[:200],
            )
        )
        return
    checked.data["latitude"], checked.data["longitude"] = str(lat), str(lon)


def check_row(row_number: int, cells: list[str], mapping: dict[str, int], *, numbers_only: bool = False) -> CheckedRow:
    """Validate and normalise one row; problems become issues, never exceptions. ``numbers_only`` (a call
    list): the phone is required and the unit name is not."""
    checked = CheckedRow(row_number=row_number)
    for field_name, index in mapping.items():
        value = cells[index] if index < len(cells) else ""
        # The column's label is translated only for a row with an issue: a hundred thousand good rows need none.
        if value.startswith("="):
            label = str(TARGET_FIELDS[field_name][0])
            checked.issues.append(
                RowIssue(row_number, "error", _("contains a formula; paste values only"), label, value[:200])
            )
            continue
        limit = MAX_LENGTHS.get(field_name)
        if limit and len(value) > limit:
            label = str(TARGET_FIELDS[field_name][0])
            checked.issues.append(
                RowIssue(row_number, "error", _("longer than %(max)s characters") % {"max": limit}, label, value[:200])
            )
            continue
        checked.data[field_name] = value
    if numbers_only:
        if not checked.data.get("phone") and not any(issue.kind == "error" for issue in checked.issues):
            checked.issues.append(
                RowIssue(row_number, "error", _("the phone is missing"), str(TARGET_FIELDS["phone"][0]))
            )
    elif not checked.data.get("unit_name") and not any(issue.kind == "error" for issue in checked.issues):
        checked.issues.append(
            RowIssue(row_number, "error", _("the unit name is missing"), str(TARGET_FIELDS["unit_name"][0]))
        )
    phone = checked.data.get("phone", "")
    if phone:
        normalised = normalise_phone(phone)
        if not normalised:
            checked.issues.append(
                RowIssue(row_number, "error", _("not a valid phone number"), str(TARGET_FIELDS["phone"][0]), phone)
            )
        checked.data["phone"] = normalised
    elif not checked.data.get("address") and not checked.issues:
        checked.issues.append(RowIssue(row_number, "error", _("neither a phone nor an address")))
    _check_position(checked)
    email = checked.data.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            checked.issues.append(
                RowIssue(row_number, "error", _("not a valid e-mail address"), str(TARGET_FIELDS["email"][0]), email)
            )
    return checked

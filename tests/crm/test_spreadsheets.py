"""The one export/import helper: no formula reaches a sheet, no XML bomb is parsed."""

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import translation

from crm.errors import SpreadsheetError
from crm.spreadsheets import XLSX_CONTENT_TYPE, read_xlsx_rows, safe_cell, write_sheet, xlsx_response

# The formula payloads of the security plan (SEC-37).
FORMULA_PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://x","c")',
    "=cmd|' /C calc'!A0",
    "\x00=1+1",
]


def _billion_laughs() -> str:
    """A DTD where lol9 expands to 10**9 "lol": three gigabytes from a few hundred bytes."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(entities) + "\n]>\n"


BILLION_LAUGHS = _billion_laughs()


def _download(response) -> bytes:
    # The handler closes the response (and the temporary file) after a request; here the
    # file is closed directly, as close() would also fire request_finished.
    body = b"".join(response.streaming_content)
    response.file_to_stream.close()
    return body


def _sheet_xml(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def _workbook(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_naive_export_does_write_formulas():
    # Proves the check below can fail: openpyxl turns "=..." text into formulas.
    naive = _sheet_xml(_workbook([[payload] for payload in FORMULA_PAYLOADS if "\x00" not in payload]))

    assert naive.count("<f>") == 3


def test_exported_payloads_are_text_and_never_formulas():
    response = xlsx_response(filename="客户.xlsx", header=["备注"], rows=[[payload] for payload in FORMULA_PAYLOADS])

    xlsx = _download(response)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active

    assert _sheet_xml(xlsx).count("<f>") == 0
    assert [cell.data_type for (cell,) in sheet.iter_rows(min_row=2)] == ["s"] * len(FORMULA_PAYLOADS)
    # The exact text is kept; Excel's quote prefix marks it as text, so editing the cell does not run it.
    assert [cell.value for (cell,) in sheet.iter_rows(min_row=2)] == [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(A1:A2)",
        "\t=1+1",
        "_x000D_=1+1",  # the CR in Excel's own escape (Excel shows it as a CR; openpyxl leaves the escape)
        '=HYPERLINK("http://x","c")',
        "=cmd|' /C calc'!A0",
        "=1+1",
    ]
    assert all(cell.quotePrefix for (cell,) in sheet.iter_rows(min_row=2))


def test_the_response_is_an_xlsx_attachment():
    response = xlsx_response(filename="客户.xlsx", header=["名称"], rows=[["张三"]])

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AE%A2%E6%88%B7.xlsx"
    _download(response)


def test_numbers_dates_and_plain_text_keep_their_type():
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("UTC"))
    rows = ([-5, Decimal("12.50"), date(2026, 3, 2), moment, None, True, "张三"] for _ in range(3))

    sheet = openpyxl.load_workbook(
        io.BytesIO(_download(xlsx_response(filename="x.xlsx", header=list("abcdefg"), rows=rows)))
    ).active
    values = [cell.value for cell in sheet[2]]

    assert values == [-5, 12.5, datetime(2026, 3, 2), datetime(2026, 3, 2, 17, 30), None, True, "张三"]


def test_safe_cell_leaves_safe_values_alone():
    assert safe_cell("北京市朝阳区") == "北京市朝阳区"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None
    with translation.override("zh-hans"):
        assert safe_cell(translation.gettext_lazy("Log in")) == "登录"


def test_reading_gives_the_rows_with_formulas_as_text():
    xlsx = _workbook([["名称", "电话"], ["张三", "13800138000"], ["=1+1", 5]])

    assert list(read_xlsx_rows(io.BytesIO(xlsx))) == [("名称", "电话"), ("张三", "13800138000"), ("=1+1", 5)]


def _with_sheet_prefix(xlsx: bytes, prefix: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                body = data.decode()
                if body.startswith("<?xml"):
                    body = body.split("?>", 1)[1]
                data = (prefix + body.replace("&lt;lol&gt;", "&lol9;")).encode()
            target.writestr(part, data)
    return buffer.getvalue()


def test_a_billion_laughs_workbook_is_refused_with_a_translated_message():
    bomb = _with_sheet_prefix(_workbook([["名称"], ["<lol>"]]), BILLION_LAUGHS)
    assert b"ENTITY lol9" in zipfile.ZipFile(io.BytesIO(bomb)).read("xl/worksheets/sheet1.xml")

    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        list(read_xlsx_rows(io.BytesIO(bomb)))

    assert str(refused.value.message) == (
        "The workbook contains forbidden XML (entities or a document type declaration) and was not read."
    )


def test_an_external_entity_is_refused():
    xxe = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'

    with pytest.raises(SpreadsheetError):
        list(read_xlsx_rows(io.BytesIO(_with_sheet_prefix(_workbook([["a"]]), xxe))))


def test_a_file_that_is_not_a_workbook_is_refused():
    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        list(read_xlsx_rows(io.BytesIO(b"name,phone\nzhang,138")))

    assert str(refused.value.message) == "This file is not an Excel workbook (.xlsx)."


def test_a_zip_bomb_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr("crm.spreadsheets.MAX_UNPACKED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (2 * 1024 * 1024))

    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        list(read_xlsx_rows(io.BytesIO(buffer.getvalue())))

    assert len(buffer.getvalue()) < 20 * 1024
    assert str(refused.value.message) == "The workbook is too large once unpacked."


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_a_damaged_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-closed")

    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        list(read_xlsx_rows(io.BytesIO(buffer.getvalue())))

    assert str(refused.value.message) == "The workbook is damaged and could not be read."


# Text that XML must escape, characters xlsx cannot hold, and every kind of number and date an export writes.
AWKWARD_ROW = [
    "A & B <有限公司> > C",
    "first\nsecond",
    "bell\x07 and nul\x00 dropped",
    "_x0041_ looks like an escape",
    "\u3000全角空格",
    0,
    -5,
    2**53,
    3.25,
    Decimal("12.50"),
    Decimal("-0.01"),
    date(2026, 3, 2),
    datetime(2026, 3, 2, 9, 30),
    datetime(2026, 3, 2, 20, 30, tzinfo=ZoneInfo("UTC")),  # already 3 March in Shanghai
    True,
    None,
    "",
    "-1",
]


def test_awkward_text_numbers_and_dates_are_read_back_exactly():
    buffer = io.BytesIO()
    written = write_sheet(buffer, header=[f"h{n}" for n in range(len(AWKWARD_ROW))], rows=[AWKWARD_ROW] * 3)

    assert written == 3
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        [
            "A & B <有限公司> > C",
            "first\nsecond",
            "bell and nul dropped",
            "_x005F_x0041_ looks like an escape",  # Excel shows _x0041_ as typed; openpyxl leaves the escape
            "\u3000全角空格",
            0,
            -5,
            2**53,
            3.25,
            12.5,
            -0.01,
            datetime(2026, 3, 2),
            datetime(2026, 3, 2, 9, 30),
            datetime(2026, 3, 3, 4, 30),  # local time, on its own day (not the day in UTC)
            True,
            None,
            None,
            "-1",
        ]
    ] * 3
    assert [cell.data_type for cell in sheet[2]][:5] == ["s"] * 5
    assert [cell.quotePrefix for cell in sheet[2]][-1] is True
    xml = _sheet_xml(buffer.getvalue())
    assert '<t xml:space="preserve">A &amp; B &lt;有限公司&gt; &gt; C</t>' in xml
    assert '<c r="R4" t="inlineStr" s="1"><is><t xml:space="preserve">-1</t></is></c></row>' in xml


def test_the_csv_writes_the_same_values_as_text():
    buffer = io.BytesIO()
    write_sheet(buffer, header=["a"], rows=[AWKWARD_ROW], file_format="csv")

    lines = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8-sig"), newline="")))
    assert lines[1] == [
        "A & B <有限公司> > C",
        "first\nsecond",
        "bell and nul dropped",
        "_x0041_ looks like an escape",
        "\u3000全角空格",
        "0",
        "-5",
        str(2**53),
        "3.25",
        "12.50",
        "-0.01",
        "2026-03-02",
        "2026-03-02 09:30:00",
        "2026-03-03 04:30:00",
        "True",
        "",
        "",
        "'-1",
    ]

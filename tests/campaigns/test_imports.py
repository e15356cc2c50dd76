import io
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.customers.models import Customer, OwnerChange
from campaigns.models import ImportRowIssue, ProspectImport
from campaigns.prospect_files import ImportFileError
from campaigns.services import (
    commit_prospect_import,
    request_import_check,
    request_import_commit,
    start_prospect_import,
)
from tests.accounts.factories import CustomerFactory

HEADER = "单位名称,联系人,电话,所在区,地址,行业\n"


def csv_upload(body: str, *, encoding="utf-8", name="list.csv"):
    return SimpleUploadedFile(name, (HEADER + body).encode(encoding), content_type="text/csv")


def xlsx_upload(rows, *, merge=None, name="list.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def checked(user, upload):
    prospect_import = start_prospect_import(created_by=user, uploaded_file=upload)
    return request_import_check(prospect_import=prospect_import)


@pytest.mark.django_db
def test_dry_run_reports_errors_and_duplicates_and_writes_nothing(people, routed, english):
    CustomerFactory(phone="+8613900000009")
    body = (
        "南山物流,张三,13800000001,南山区,科技园1号,物流\n"
        ",李四,13800000002,南山区,,\n"  # row 3: no unit name
        "福田商贸,王五,12345,福田区,,\n"  # row 4: bad phone
        "南山物流二,赵六,13800000001,南山区,,\n"  # row 5: same phone as row 2
        "老客户,钱七,13900000009,南山区,,\n"  # row 6: already a customer
        '公式公司,孙八,=HYPERLINK("x"),南山区,,\n'  # row 7: a formula
        "宝安五金,周九,13800000003,宝安区,,五金\n"
    )
    prospect_import = checked(people.info1, csv_upload(body))

    assert prospect_import.status == ProspectImport.Status.VALIDATED
    assert prospect_import.mapping == {
        "unit_name": 0,
        "contact_name": 1,
        "phone": 2,
        "district": 3,
        "address": 4,
        "business_type": 5,
    }
    assert (
        prospect_import.total_rows,
        prospect_import.valid_rows,
        prospect_import.error_rows,
        prospect_import.duplicate_rows,
    ) == (7, 2, 3, 2)
    assert list(ImportRowIssue.objects.values_list("row_number", "kind", "message")) == [
        (3, "error", "the unit name is missing"),
        (4, "error", "not a valid phone number"),
        (5, "duplicate_in_file", "same phone as row 2"),
        (
            6,
            "duplicate_existing",
            "duplicate of a registered customer (waiting to be assigned): same phone 139 0000 0009",
        ),
        (7, "error", "contains a formula; paste values only"),
    ]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_commit_creates_the_good_rows_routed_and_never_twice(people, routed):
    body = (
        "南山物流,张三,13800000001,南山区,科技园1号,物流\n"
        "福田商贸,王五,13800000002,福田区,,\n"
        "宝安五金,周九,13800000003,宝安区,,\n"
        ",x,1,,,\n"
    )
    prospect_import = checked(people.info1, csv_upload(body))

    prospect_import = request_import_commit(prospect_import=prospect_import)

    assert prospect_import.status == ProspectImport.Status.COMMITTED
    assert prospect_import.created_count == 3
    rows = Customer.objects.order_by("unit_name").values_list(
        "unit_name", "source", "territory__code", "owner__username"
    )
    assert sorted(rows) == sorted(
        [
            ("南山物流", "import", "nanshan-clubs", "sales1"),
            ("福田商贸", "import", "futian-clubs", "sales3"),
            ("宝安五金", "import", None, None),
        ]
    )
    assert Customer.objects.get(unit_name="南山物流").contacts.get().name == "张三"
    assert OwnerChange.objects.count() == 2
    assert commit_prospect_import(import_id=prospect_import.pk) == 3
    assert Customer.objects.count() == 3


@pytest.mark.django_db
def test_an_import_that_fails_half_way_leaves_nothing_and_can_be_rerun(people, routed, settings):
    settings.CRM = {**settings.CRM, "MAX_PROSPECTS_PER_SALESPERSON": 10_000}
    body = "".join(f"单位{n},张,138{n:08d},南山区,,\n" for n in range(2500))
    prospect_import = checked(people.info1, csv_upload(body))
    assert prospect_import.valid_rows == 2500

    from accounts.customers import services as account_services

    real = account_services.insert_rows
    calls = {"n": 0}

    def crash_on_second_batch_of_owner_changes(model, *args, **kwargs):
        calls["n"] += model is account_services.OwnerChange
        if calls["n"] == 2:
            raise ImportFileError("disk went away")
        return real(model, *args, **kwargs)

    with (
        mock.patch.object(account_services, "insert_rows", side_effect=crash_on_second_batch_of_owner_changes),
        pytest.raises(ImportFileError),
    ):
        commit_prospect_import(import_id=prospect_import.pk)
    assert Customer.objects.count() == 0
    prospect_import.refresh_from_db()
    assert (prospect_import.status, prospect_import.message) == ("validated", "disk went away")

    assert commit_prospect_import(import_id=prospect_import.pk) == 2500
    assert Customer.objects.filter(owner=people.sales1).count() == 2500


@pytest.mark.django_db
def test_gbk_csv_is_detected(people, routed):
    body = "南山物流,张三,13800000001,南山区,科技园,物流\n"
    prospect_import = checked(people.info1, csv_upload(body, encoding="gbk"))
    assert prospect_import.encoding == "gb18030"
    assert prospect_import.headers[0] == "单位名称"
    assert prospect_import.valid_rows == 1


@pytest.mark.django_db
def test_xlsx_with_numbers_as_phones_imports(people, routed):
    rows = [
        ["公司名称", "手机", "区域"],
        ["南山物流", 13800000001, "南山区"],
        [None, None, None],
        ["福田商贸", 13800000002, "福田区"],
    ]
    prospect_import = checked(people.info1, xlsx_upload(rows))
    assert (prospect_import.file_format, prospect_import.valid_rows, prospect_import.error_rows) == ("xlsx", 2, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.pdf", b"%PDF-1.4\x00\x01binary"), "This is not a spreadsheet"),
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), "old Excel (.xls)"),
        (SimpleUploadedFile("a.xlsx", b"PK\x03\x04garbage"), "damaged"),
        (SimpleUploadedFile("a.csv", b""), "empty"),
        (SimpleUploadedFile("a.csv", "单位,电话\n".encode("utf-16")), "not a spreadsheet"),
    ],
)
def test_files_that_are_not_lists_are_refused_with_a_message(people, english, upload, message):
    with pytest.raises(ImportFileError) as error:
        start_prospect_import(created_by=people.info1, uploaded_file=upload)
    assert message in str(error.value.message)
    assert ProspectImport.objects.count() == 0


@pytest.mark.django_db
def test_merged_cells_are_refused(people, english):
    upload = xlsx_upload([["客户名单", None, None], ["单位名称", "电话", "区域"]], merge="A1:C1")
    with pytest.raises(ImportFileError, match="merged cells"):
        start_prospect_import(created_by=people.info1, uploaded_file=upload)


@pytest.mark.django_db
def test_an_xml_bomb_inside_the_workbook_is_refused(people, english):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        source = io.BytesIO()
        Workbook().save(source)
        with zipfile.ZipFile(source) as original:
            for item in original.infolist():
                data = original.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = (
                        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
                    )
                archive.writestr(item, data)
    with pytest.raises(ImportFileError, match="forbidden XML"):
        start_prospect_import(created_by=people.info1, uploaded_file=SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))


@pytest.mark.django_db
def test_rows_after_a_long_run_of_empty_rows_are_read_and_the_empty_rows_counted(people, routed, settings):
    settings.CRM = {**settings.CRM, "IMPORT_SYNC_MAX_BYTES": 10_000_000}
    body = (
        "南山物流,张三,13800000001,南山区,,\n"
        + ",,,,,\n" * 200_000
        + "迟到公司,李,13800000002,南山区,,\n"
        + "\n" * 3
        + "最后公司,王,13800000003,南山区,,\n"
        + ",,,,,\n" * 50  # trailing empty rows: the end of the list, not rows skipped
    )
    prospect_import = checked(people.info1, csv_upload(body))

    assert (prospect_import.total_rows, prospect_import.valid_rows, prospect_import.empty_rows) == (3, 3, 200_003)
    assert request_import_commit(prospect_import=prospect_import).created_count == 3
    assert sorted(Customer.objects.values_list("unit_name", flat=True)) == ["南山物流", "最后公司", "迟到公司"]


def test_the_reader_goes_through_half_a_million_empty_rows_in_bounded_memory(tmp_path):
    import tracemalloc

    from campaigns.prospect_files import iter_rows

    path = tmp_path / "list.csv"
    path.write_text(HEADER + ",,,,,\n" * 500_000 + "迟到公司,李,13800000002,南山区,,\n", encoding="utf-8")
    tracemalloc.start()
    try:
        rows = [number for number, _cells in iter_rows(path, "csv", "utf-8-sig")]
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert rows == [1, 500_002]
    assert peak < 1_000_000  # a few buffers (about 120 kB measured), not the file's 3 MB


@pytest.mark.django_db
def test_an_xlsx_with_a_gap_of_empty_rows_is_read_to_its_end(people, routed):
    rows = [["公司名称", "手机", "区域"], ["南山物流", 13800000001, "南山区"]]
    rows += [[None, None, None]] * 1500 + [["福田商贸", 13800000002, "福田区"]]
    prospect_import = checked(people.info1, xlsx_upload(rows))

    assert (prospect_import.total_rows, prospect_import.valid_rows, prospect_import.empty_rows) == (2, 2, 1500)


@pytest.mark.django_db
def test_the_dry_run_page_reports_the_empty_rows_skipped(client, people, routed):
    prospect_import = checked(
        people.info1, csv_upload("南山物流,张三,13800000001,南山区,,\n\n\n福田商贸,王,13800000002,福田区,,\n")
    )
    client.force_login(people.info1)

    response = client.get(prospect_import.get_absolute_url())

    assert prospect_import.empty_rows == 2
    assert '<dt class="col-8">空行（已跳过）</dt><dd class="col-4 text-end" id="empty-rows">2</dd>' in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_missing_columns_are_refused_before_the_dry_run(people, english):
    upload = SimpleUploadedFile("a.csv", "名字,备注\n张三,x\n".encode())
    prospect_import = start_prospect_import(created_by=people.info1, uploaded_file=upload)
    with pytest.raises(ImportFileError, match="Choose the column for: Unit name"):
        request_import_check(prospect_import=prospect_import)


@pytest.mark.django_db
def test_an_import_that_would_overfill_a_salespersons_list_is_refused_whole(people, routed, settings, english):
    settings.CRM = {**settings.CRM, "MAX_PROSPECTS_PER_SALESPERSON": 2}
    body = "".join(f"单位{n},张,138{n:08d},南山区,,\n" for n in range(3)) + "福田商贸,王五,13900000002,福田区,,\n"
    prospect_import = checked(people.info1, csv_upload(body))

    from accounts.customers.services import ProspectCapReached

    with pytest.raises(ProspectCapReached, match="would hold more than 2 prospects"):
        request_import_commit(prospect_import=prospect_import)
    prospect_import.refresh_from_db()
    assert prospect_import.status == "validated"
    assert "would hold more than 2 prospects" in prospect_import.message
    assert Customer.objects.count() == 0


# --- the duplicate check in the dry run ------------------------------------------------------------


@pytest.mark.django_db
def test_the_dry_run_names_each_rows_candidates_and_why(people, routed, english):
    CustomerFactory(
        unit_name="鸿运汽车(南海)", district="南海区", phone="+8613900000009", owner=people.sales3, address=""
    )
    CustomerFactory(unit_name="顺峰物流有限公司", district="", phone="+8613900000008", owner=None)
    body = (
        "佛山市南海区鸿运汽车销售有限公司,张三,13800000001,南海区,,\n"  # row 2: similar name, same district
        "顺峰物流,李四,13800000002,,,\n"  # row 3: the same name without its legal form
        "宝安五金,周九,13800000003,宝安区,,五金\n"  # row 4: new
    )

    prospect_import = checked(people.info1, csv_upload(body))

    assert (prospect_import.valid_rows, prospect_import.duplicate_rows, prospect_import.possible_duplicate_rows) == (
        2,
        1,
        1,
    )
    assert list(ImportRowIssue.objects.values_list("row_number", "kind", "message")) == [
        (
            2,
            "possible_duplicate",
            f"possible duplicate of 鸿运汽车(南海) (held by {people.sales3}): name similar 0.95: 鸿运汽车",
        ),
        (3, "duplicate_existing", "duplicate of 顺峰物流有限公司 (waiting to be assigned): same name: 顺峰物流"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("confirmed", "created"), [(True, ["宝安五金"]), (False, ["佛山市南海区鸿运汽车销售有限公司", "宝安五金"])]
)
def test_a_possible_duplicate_is_imported_unless_the_importer_confirms_it(
    client, people, routed, english, confirmed, created
):
    existing = CustomerFactory(unit_name="鸿运汽车(南海)", district="南海区", owner=people.sales3, phone="")
    body = "佛山市南海区鸿运汽车销售有限公司,张三,13800000001,南海区,,\n宝安五金,周九,13800000003,宝安区,,五金\n"
    prospect_import = checked(people.info1, csv_upload(body))
    client.force_login(people.info1)
    page = client.get(prospect_import.get_absolute_url()).content.decode()
    assert 'name="same" value="2"' in page and "name similar 0.95: 鸿运汽车" in page

    client.post(reverse("campaigns:import_commit", args=[prospect_import.pk]), {"same": ["2"] if confirmed else []})

    prospect_import.refresh_from_db()
    assert prospect_import.status == ProspectImport.Status.COMMITTED
    assert sorted(Customer.objects.exclude(pk=existing.pk).values_list("unit_name", flat=True)) == sorted(created)
    assert list(ImportRowIssue.objects.filter(confirmed=True).values_list("row_number", flat=True)) == (
        [2] if confirmed else []
    )

"""The catalogue on our own pages: products, coverages and rate tables edited by the admin (read by the field),
bands checked as typed with the rows named, a spreadsheet round trip with a dry run, and the next quote
priced from the edited table."""

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from accounts.deals.models import Product
from accounts.service_tools.models import Coverage, Quote, RateBand, RateTable
from accounts.service_tools.services import BandRow, StaleRateTable, bands_from_rows, create_quote, save_rate_table_rows
from tests.accounts.factories import CustomerFactory

D = Decimal
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


@pytest.fixture
def damage(car):
    """车损险 on the vehicle value:
    [0, 100000) 500 + 1.20% · [100000, 300000) 600 + 1.05% · [300000, 2000000) 800 + 0.95%."""
    return car.coverage_map["damage"].rate_tables.get()


def _rows(*rows):
    return [BandRow(number, *row) for number, row in enumerate(rows, start=1)]


def _problems(*rows):
    with pytest.raises(ValidationError) as error:
        bands_from_rows(_rows(*rows))
    return error.value.messages


def _editor_post(table, rows, **extra):
    """The editor's form as the browser posts it: the table's fields and one input of each name per row."""
    data = {
        "input": table.input,
        "valid_from": table.valid_from.isoformat(),
        "valid_until": table.valid_until.isoformat() if table.valid_until else "",
        "note": table.note,
        "version": table.version,
        "lower": [row[0] for row in rows],
        "upper": [row[1] for row in rows],
        "base_premium": [row[2] for row in rows],
        "rate_percent": [row[3] for row in rows],
        "unit_premium": [row[4] for row in rows],
        "action": "save",
    }
    data.update(extra)
    return data


DAMAGE_ROWS = [
    ("0", "100000", "500", "1.2", ""),
    ("100000", "300000", "600", "1.05", ""),
    ("300000", "2000000", "800", "0.95", ""),
]


# --- the rows, checked and named -------------------------------------------------------------------------------


def test_an_overlap_names_both_rows_and_where_they_cross():
    assert _problems(("0", "100000", "500", "", ""), ("90000", "", "600", "", "")) == [
        "Rows 1 and 2 overlap: row 2 starts at 90000, before row 1 ends at 100000."
    ]


def test_a_gap_names_the_rows_on_either_side_and_the_values_nobody_prices():
    assert _problems(("0", "100000", "500", "", ""), ("120000", "", "600", "", "")) == [
        "Gap between rows 1 and 2: nothing prices 100000 up to 120000."
    ]


def test_rows_are_named_as_typed_even_when_they_are_not_in_order():
    assert _problems(
        ("300000", "", "800", "", ""), ("0", "100000", "500", "", ""), ("90000", "300000", "6", "", "")
    ) == ["Rows 2 and 3 overlap: row 3 starts at 90000, before row 2 ends at 100000."]


def test_an_open_ended_band_before_another_overlaps_it():
    assert _problems(("0", "", "500", "", ""), ("10", "20", "600", "", "")) == [
        "Rows 1 and 2 overlap: row 1 has no upper limit."
    ]


def test_every_problem_of_every_row_at_once():
    assert _problems(
        ("0", "abc", "500", "", ""),
        ("100", "50", "1", "", ""),
        ("", "", "", "", ""),  # an empty row is skipped, not refused
        ("200", "300", "", "", ""),
        ("300", "", "1.234", "0.00001", "-1"),
        ("", "500", "5", "", ""),
    ) == [
        "Row 1: “abc” is not a number (to).",
        "Row 2: the band must end above where it starts (100).",
        "Row 4 has no price: give a fixed premium, a rate or a premium per unit.",
        "Row 5: the fixed premium takes at most 2 decimals.",
        "Row 5: the rate takes at most 4 decimals.",
        "Row 5: the premium per unit cannot be negative.",
        "Row 6: enter where the band starts.",
    ]


def test_a_band_of_zeros_has_no_price():
    assert _problems(("0", "", "0", "0.00", "")) == [
        "Row 1 has no price: give a fixed premium, a rate or a premium per unit."
    ]


def test_an_empty_table_is_refused():
    assert _problems(("", "", "", "", "")) == ["A rate table needs at least one band."]


# --- the editor ------------------------------------------------------------------------------------------------


def test_the_editor_shows_the_bands_with_empty_parts_left_empty(client, people, damage):
    client.force_login(people.admin)

    response = client.get(reverse("service_tools:rate_table_edit", args=[damage.pk]))

    assert [row.values for row in response.context["rows"]] == DAMAGE_ROWS
    body = response.content.decode()
    assert 'name="unit_premium" value=""' in body
    assert "0.00" not in body


def test_checking_as_you_type_answers_the_whole_tables_problems_naming_rows(client, people, damage):
    client.force_login(people.admin)
    url = reverse("service_tools:rate_table_edit", args=[damage.pk])
    typing = [DAMAGE_ROWS[0], ("90000", "300000", "600", "1.05", ""), DAMAGE_ROWS[2]]

    response = client.post(f"{url}?check=1", _editor_post(damage, typing), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "<html" not in body  # only the messages are swapped, never the inputs being typed in
    assert body.count('class="band-problem"') == 1
    assert "Rows 1 and 2 overlap: row 2 starts at 90000, before row 1 ends at 100000." in body
    fixed = client.post(f"{url}?check=1", _editor_post(damage, DAMAGE_ROWS), headers={"HX-Request": "true"})
    assert "The bands run end to end: no gap, no overlap." in fixed.content.decode()
    assert RateBand.objects.filter(table=damage, lower=D("100000")).get().lower == D("100000.00")  # unchanged


def test_adding_and_removing_rows_renumbers_them_and_saves_nothing(client, people, damage):
    client.force_login(people.admin)
    url = reverse("service_tools:rate_table_edit", args=[damage.pk])

    added = client.post(url, _editor_post(damage, DAMAGE_ROWS, action="add"), headers={"HX-Request": "true"})
    removed = client.post(url, _editor_post(damage, DAMAGE_ROWS, action="remove-1"))

    body = added.content.decode()
    assert "<html" not in body  # the rows alone, swapped in place
    assert [f'data-row="{number}"' in body for number in (1, 2, 3, 4, 5)] == [True, True, True, True, False]
    assert body.count('name="lower" value=""') == 1  # the new row, empty
    assert [(row.number, row.lower) for row in removed.context["rows"]] == [(1, "0"), (2, "300000")]
    assert "Gap between rows 1 and 2: nothing prices 100000 up to 300000." in removed.content.decode()
    assert damage.bands.count() == 3


def test_a_refused_save_keeps_the_rows_as_typed_and_changes_nothing(client, people, damage):
    client.force_login(people.admin)
    rows = [DAMAGE_ROWS[0], ("100000", "300000", "600", "", ""), ("250000", "2000000", "800", "0.95", "")]

    response = client.post(reverse("service_tools:rate_table_edit", args=[damage.pk]), _editor_post(damage, rows))

    assert response.status_code == 200
    assert response.context["problems"] == [
        "Rows 2 and 3 overlap: row 3 starts at 250000, before row 2 ends at 300000."
    ]
    assert [row.values for row in response.context["rows"]] == rows
    damage.refresh_from_db()
    assert damage.version == 1
    assert list(damage.bands.values_list("lower", "rate_percent")) == [
        (D("0.00"), D("1.2000")),
        (D("100000.00"), D("1.0500")),
        (D("300000.00"), D("0.9500")),
    ]


def test_an_edited_band_prices_the_next_quote_and_the_earlier_quote_keeps_its_figures(
    client, people, car, damage, customer
):
    """5 seats, vehicle ¥158,000, 车损险 only (交强险 always included):
    before: 950 + (600 + 158000 × 1.05% = 2259.00) = 3209.00
    after the admin sets the band [100000, 300000) to 1.10%: 950 + (600 + 1738.00 = 2338.00) = 3288.00"""
    inputs = {"seats": "5", "vehicle_value": "158000", "sums": {}}
    before = create_quote(
        created_by=people.sales1, customer_id=customer.pk, product=car, coverages=["damage"], inputs=inputs
    )
    client.force_login(people.admin)
    edited = [DAMAGE_ROWS[0], ("100000", "300000", "600", "1.10", ""), DAMAGE_ROWS[2]]

    response = client.post(reverse("service_tools:rate_table_edit", args=[damage.pk]), _editor_post(damage, edited))

    assert response.status_code == 302
    after = create_quote(
        created_by=people.sales1, customer_id=customer.pk, product=car, coverages=["damage"], inputs=inputs
    )
    assert [line["premium"] for line in after.lines] == ["950.00", "2338.00"]
    assert after.total == D("3288.00")
    kept = Quote.objects.get(pk=before.pk)
    assert (kept.total, [line["premium"] for line in kept.lines]) == (D("3209.00"), ["950.00", "2259.00"])
    damage.refresh_from_db()
    assert damage.version == 2
    assert [(h.history_user, h.version) for h in damage.history.order_by("-history_date")[:1]] == [(people.admin, 2)]


def test_an_empty_part_is_saved_empty_not_as_zero(people, damage):
    save_rate_table_rows(
        changed_by=people.admin,
        coverage=damage.coverage,
        input=damage.input,
        valid_from=damage.valid_from,
        valid_until=None,
        rows=_rows(("0", "", "", "1.5", "")),
        table_id=damage.pk,
    )

    assert list(damage.bands.values_list("lower", "upper", "base_premium", "rate_percent", "unit_premium")) == [
        (D("0.00"), None, None, D("1.5000"), None)
    ]


def test_an_editor_opened_before_another_save_is_refused(client, people, damage):
    client.force_login(people.admin)
    url = reverse("service_tools:rate_table_edit", args=[damage.pk])
    opened = _editor_post(damage, DAMAGE_ROWS)
    client.post(url, _editor_post(damage, [("0", "", "700", "", "")]))  # someone else saves first

    response = client.post(url, opened)

    assert str(StaleRateTable.default_message) in response.content.decode()
    assert list(damage.bands.values_list("base_premium", flat=True)) == [D("700.00")]


def test_a_new_rate_table_for_a_new_coverage_of_a_new_product(client, people):
    client.force_login(people.admin)

    client.post(reverse("service_tools:product_create"), {"name": "摩托车保险", "code": "moto", "is_active": "on"})
    product = Product.objects.get(code="moto")
    client.post(
        reverse("service_tools:coverage_create", args=[product.pk]),
        {"name": "摩托车交强险", "code": "moto-ctp", "is_required": "on", "position": "0"},
    )
    coverage = Coverage.objects.get(product=product)
    response = client.post(
        reverse("service_tools:rate_table_create", args=[coverage.pk]),
        {
            "input": "seats",
            "valid_from": "2026-01-01",
            "valid_until": "",
            "note": "",
            "lower": ["1", "3"],
            "upper": ["3", ""],
            "base_premium": ["120", "180"],
            "rate_percent": ["", ""],
            "unit_premium": ["", ""],
            "action": "save",
        },
    )

    assert response.status_code == 302
    table = RateTable.objects.get(coverage=coverage)
    assert list(table.bands.values_list("lower", "upper", "base_premium")) == [
        (D("1.00"), D("3.00"), D("120.00")),
        (D("3.00"), None, D("180.00")),
    ]
    assert (coverage.is_required, product.history.get().history_user) == (True, people.admin)
    assert coverage.history.get().history_user == people.admin


def test_a_product_code_taken_is_refused_on_its_field(client, people, car):
    client.force_login(people.admin)

    response = client.post(reverse("service_tools:product_create"), {"name": "重复", "code": "motor-package"})

    assert response.context["form"].errors == {"code": ["Product with this Code already exists."]}
    assert Product.objects.count() == 1


def test_editing_a_product_takes_it_off_sale_and_only_the_admin_still_sees_it(client, people, car):
    client.force_login(people.admin)
    client.post(reverse("service_tools:product_edit", args=[car.pk]), {"name": car.name, "code": car.code})

    car.refresh_from_db()
    assert car.is_active is False
    assert client.get(reverse("service_tools:product_detail", args=[car.pk])).status_code == 200
    client.force_login(people.sales1)
    assert client.get(reverse("service_tools:product_detail", args=[car.pk])).status_code == 404
    assert list(client.get(reverse("service_tools:product_list")).context["products"]) == []


# --- the spreadsheet ---------------------------------------------------------------------------------------------


def _export(client, table) -> bytes:
    response = client.get(reverse("service_tools:rate_table_export", args=[table.pk]))
    assert response["Content-Type"] == XLSX
    return b"".join(response.streaming_content)


def _sheet(rows, header=("From", "To", "Fixed", "Rate", "Per unit")) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, table, content: bytes):
    return client.post(
        reverse("service_tools:rate_table_import", args=[table.pk]),
        {"file": SimpleUploadedFile("bands.xlsx", content, content_type=XLSX)},
    )


def test_the_exported_sheet_reads_back_as_the_same_table(client, people, damage):
    client.force_login(people.manager1)  # managers read the price tables and download them
    content = _export(client, damage)
    sheet = openpyxl.load_workbook(BytesIO(content)).active

    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        [0, 100000, 500, 1.2, None],
        [100000, 300000, 600, 1.05, None],
        [300000, 2000000, 800, 0.95, None],
    ]
    client.force_login(people.admin)
    dry_run = _upload(client, damage, content).context["dry_run"]
    assert [change.kind for change in dry_run.changes] == ["same", "same", "same"]
    assert dry_run.changed is False


def test_the_dry_run_shows_the_change_and_applying_it_saves_it(client, people, damage):
    client.force_login(people.admin)
    workbook = openpyxl.load_workbook(BytesIO(_export(client, damage)))
    workbook.active["D3"] = 1.1  # the second band's rate
    workbook.active.append([2000000, None, 900, 0.9, None])  # and a band on top
    workbook.active["B4"] = 2000000
    buffer = BytesIO()
    workbook.save(buffer)

    response = _upload(client, damage, buffer.getvalue())

    dry_run = response.context["dry_run"]
    assert [(change.kind, change.new.lower if change.new else None) for change in dry_run.changes] == [
        ("same", D("0")),
        ("changed", D("100000")),
        ("same", D("300000")),
        ("added", D("2000000")),
    ]
    assert dry_run.changes[1].old.rate_percent == D("1.0500") and dry_run.changes[1].new.rate_percent == D("1.1")
    assert damage.bands.count() == 3  # nothing saved by the dry run
    body = response.content.decode()
    applied = client.post(
        reverse("service_tools:rate_table_import", args=[damage.pk]),
        {
            "action": "apply",
            "version": str(damage.version),
            **{
                name: [getattr(row, name) for row in dry_run.rows]
                for name in ("lower", "upper", "base_premium", "rate_percent", "unit_premium")
            },
        },
    )
    assert 'name="action" value="apply"' in body
    assert applied.status_code == 302
    assert list(damage.bands.values_list("lower", "rate_percent")) == [
        (D("0.00"), D("1.2000")),
        (D("100000.00"), D("1.1000")),
        (D("300000.00"), D("0.9500")),
        (D("2000000.00"), D("0.9000")),
    ]


def test_a_sheet_with_problems_is_refused_whole_with_the_rows_of_the_sheet_named(client, people, damage):
    client.force_login(people.admin)
    content = _sheet(
        [(0, 100000, 500, 1.2, None), (120000, 300000, "六百", None, None), (300000, None, 800, None, None)]
    )

    response = _upload(client, damage, content)

    assert response.status_code == 400
    assert response.context["problems"] == ["Row 3: “六百” is not a number (fixed premium)."]
    content = _sheet([(0, 100000, 500, 1.2, None), (120000, 300000, 600, None, None), (250000, None, 800, None, None)])
    assert _upload(client, damage, content).context["problems"] == [
        "Gap between rows 2 and 3: nothing prices 100000 up to 120000.",
        "Rows 3 and 4 overlap: row 4 starts at 250000, before row 3 ends at 300000.",
    ]
    assert damage.bands.count() == 3
    damage.refresh_from_db()
    assert damage.version == 1


def test_a_file_that_is_not_a_workbook_is_refused(client, people, damage):
    client.force_login(people.admin)

    response = _upload(client, damage, b"lower,upper\n0,100\n")

    assert response.context["problems"] == ["This file is not an Excel workbook (.xlsx)."]


# --- who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sales1", "manager1"])
def test_the_field_reads_the_catalogue_and_cannot_edit_it(client, people, car, damage, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("service_tools:product_list")).status_code == 200
    assert client.get(reverse("service_tools:product_detail", args=[car.pk])).status_code == 200
    assert client.get(reverse("service_tools:rate_table_export", args=[damage.pk])).status_code == 200
    for url in (
        reverse("service_tools:product_create"),
        reverse("service_tools:product_edit", args=[car.pk]),
        reverse("service_tools:coverage_create", args=[car.pk]),
        reverse("service_tools:coverage_edit", args=[damage.coverage_id]),
        reverse("service_tools:rate_table_create", args=[damage.coverage_id]),
        reverse("service_tools:rate_table_edit", args=[damage.pk]),
        reverse("service_tools:rate_table_import", args=[damage.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, _editor_post(damage, [("0", "", "1", "", "")])).status_code == 403, url
    assert damage.bands.count() == 3


def test_info_staff_do_not_read_the_price_tables(client, people, car, damage):
    client.force_login(people.info1)

    assert client.get(reverse("service_tools:product_detail", args=[car.pk])).status_code == 403
    assert client.get(reverse("service_tools:rate_table_export", args=[damage.pk])).status_code == 403


@pytest.mark.parametrize("name", ["accounts_product", "accounts_coverage", "accounts_ratetable"])
def test_the_site_administration_no_longer_edits_the_catalogue(name):
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:{name}_changelist")


@pytest.mark.parametrize("extra_products", [0, 6])
def test_catalogue_pages_take_a_fixed_number_of_queries(
    client, people, car, extra_products, django_assert_max_num_queries
):
    for index in range(extra_products):
        product = Product.objects.create(name=f"产品{index}", code=f"p{index}")
        Coverage.objects.create(product=product, name="险", code="c")
    client.force_login(people.admin)

    # session, user, products, coverages, tables, bands, notifications
    with django_assert_max_num_queries(8):
        client.get(reverse("service_tools:product_list"))
    with django_assert_max_num_queries(8):
        client.get(reverse("service_tools:product_detail", args=[car.pk]))

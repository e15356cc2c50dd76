"""The admin's catalogue, edited on our own pages (not in Django's admin): products, their coverages and rate
tables. Every write is one transaction recorded in the history (who, when).

A rate table is edited as rows typed by a person or read from a spreadsheet (``BandRow``: text, numbered as
the person sees them). ``bands_from_rows`` reads them and refuses, all at once, every problem with the row it
is on: not a number, a band ending where it starts, no price (an empty part is not a zero), gaps and overlaps.
The editor, its check-as-you-type and the spreadsheet import all go through it, and both saves through
``save_rate_table_rows``, so one table is refused or saved whole, whatever the door.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.deals.models import Product
from accounts.service_tools.models import Coverage, RateTable
from accounts.service_tools.services.pricing import Band, _plain, save_rate_table
from crm.history import record_change_by
from crm.models import User
from crm.spreadsheets import read_xlsx_rows
from territories.models import ProductLine

MAX_BANDS = 200

# --- products and coverages -----------------------------------------------------------------------------------


@transaction.atomic
def save_product(
    *,
    changed_by: User,
    name: str,
    code: str,
    line: ProductLine | None = None,
    is_active: bool = True,
    product_id: int | None = None,
) -> Product:
    """Create a product, or change ``product_id``'s name, code, line and whether it is sold."""
    product = Product.objects.select_for_update().get(pk=product_id) if product_id else Product()
    product.name, product.code, product.line, product.is_active = name.strip(), code.strip(), line, is_active
    product.full_clean()
    record_change_by(product, changed_by)
    product.save()
    return product


@transaction.atomic
def save_coverage(
    *,
    changed_by: User,
    product: Product,
    name: str,
    code: str,
    description: str = "",
    is_required: bool = False,
    position: int = 0,
    coverage_id: int | None = None,
) -> Coverage:
    """Add a coverage to ``product``, or change ``coverage_id`` (which stays with its product)."""
    coverage = (
        Coverage.objects.select_for_update().get(pk=coverage_id, product=product)
        if coverage_id
        else Coverage(product=product)
    )
    coverage.name, coverage.code, coverage.description = name.strip(), code.strip(), description.strip()
    coverage.is_required, coverage.position = is_required, position
    coverage.full_clean()
    record_change_by(coverage, changed_by)
    coverage.save()
    return coverage


# --- rate-table rows as typed ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandRow:
    """One row of the editor or of a sheet as typed: text, and the row's number as the person sees it."""

    number: int
    lower: str = ""
    upper: str = ""
    base_premium: str = ""
    rate_percent: str = ""
    unit_premium: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(value.strip() for value in self.values)

    @property
    def values(self) -> tuple[str, str, str, str, str]:
        return self.lower, self.upper, self.base_premium, self.rate_percent, self.unit_premium


# (attribute, what the person calls it, decimals allowed, digits before the point allowed): the model's fields.
COLUMNS = (
    ("lower", _("from"), 2, 12),
    ("upper", _("to"), 2, 12),
    ("base_premium", _("fixed premium"), 2, 12),
    ("rate_percent", _("rate"), 4, 5),
    ("unit_premium", _("premium per unit"), 2, 12),
)


def _read_number(text: str, *, row: int, label: Any, decimals: int, digits: int, problems: list[str]):
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(
            gettext("Row %(row)d: “%(value)s” is not a number (%(column)s).")
            % {"row": row, "value": text[:20], "column": label}
        )
        return None
    if value < 0:
        problems.append(gettext("Row %(row)d: the %(column)s cannot be negative.") % {"row": row, "column": label})
        return None
    if value != value.quantize(Decimal(1).scaleb(-decimals)):
        problems.append(
            gettext("Row %(row)d: the %(column)s takes at most %(decimals)d decimals.")
            % {"row": row, "column": label, "decimals": decimals}
        )
        return None
    if value >= Decimal(10) ** digits:
        problems.append(gettext("Row %(row)d: the %(column)s is too large.") % {"row": row, "column": label})
        return None
    return value


def bands_from_rows(rows: Sequence[BandRow]) -> list[Band]:
    """The bands the rows describe (rows left entirely empty are skipped), or ``ValidationError`` listing every
    problem, each naming its row: what is not a number, a band that does not end above its start, a band with
    no price, then (when every row reads) the overlaps and the gaps between the bands in order."""
    problems: list[str] = []
    numbered: list[tuple[int, Band]] = []
    written = [row for row in rows if not row.is_empty]
    if len(written) > MAX_BANDS:
        raise ValidationError(gettext("A rate table holds at most %(count)d bands.") % {"count": MAX_BANDS})
    for row in written:
        before = len(problems)
        values = {
            attribute: _read_number(
                getattr(row, attribute),
                row=row.number,
                label=label,
                decimals=decimals,
                digits=digits,
                problems=problems,
            )
            for attribute, label, decimals, digits in COLUMNS
        }
        if values["lower"] is None and not row.lower.strip():
            problems.append(gettext("Row %(row)d: enter where the band starts.") % {"row": row.number})
        if len(problems) > before:
            continue
        band = Band(**values)
        if band.upper is not None and band.upper <= band.lower:
            problems.append(
                gettext("Row %(row)d: the band must end above where it starts (%(lower)s).")
                % {"row": row.number, "lower": _plain(band.lower)}
            )
            continue
        if not any(part is not None and part > 0 for part in band.parts):
            problems.append(
                gettext("Row %(row)d has no price: give a fixed premium, a rate or a premium per unit.")
                % {"row": row.number}
            )
            continue
        numbered.append((row.number, band))
    if not written:
        problems.append(gettext("A rate table needs at least one band."))
    if problems:
        raise ValidationError(problems)
    ordered = sorted(numbered, key=lambda item: item[1].lower)
    for (first, earlier), (second, later) in pairwise(ordered):
        if earlier.upper is None:
            problems.append(
                gettext("Rows %(first)d and %(second)d overlap: row %(first)d has no upper limit.")
                % {"first": first, "second": second}
            )
        elif later.lower < earlier.upper:
            problems.append(
                gettext(
                    "Rows %(first)d and %(second)d overlap: row %(second)d starts at %(start)s, "
                    "before row %(first)d ends at %(end)s."
                )
                % {"first": first, "second": second, "start": _plain(later.lower), "end": _plain(earlier.upper)}
            )
        elif later.lower > earlier.upper:
            problems.append(
                gettext("Gap between rows %(first)d and %(second)d: nothing prices %(start)s up to %(end)s.")
                % {"first": first, "second": second, "start": _plain(earlier.upper), "end": _plain(later.lower)}
            )
    if problems:
        raise ValidationError(problems)
    return [band for _number, band in numbered]


def rows_of_bands(bands: Iterable[Any], *, first: int = 1) -> list[BandRow]:
    """Bands (``Band`` or ``RateBand``) as the editor shows them: an empty part stays empty."""

    def text(value: Decimal | None) -> str:
        return "" if value is None else _plain(value)

    return [
        BandRow(
            number=number,
            lower=text(band.lower),
            upper=text(band.upper),
            base_premium=text(band.base_premium),
            rate_percent=text(band.rate_percent),
            unit_premium=text(band.unit_premium),
        )
        for number, band in enumerate(bands, start=first)
    ]


@transaction.atomic
def save_rate_table_rows(
    *,
    changed_by: User,
    coverage: Coverage,
    input: str,
    valid_from: date,
    valid_until: date | None,
    rows: Sequence[BandRow],
    note: str = "",
    table_id: int | None = None,
    version: int | None = None,
) -> RateTable:
    """Save a rate table from rows as typed or imported: all of it, or nothing with every problem named by row
    (``bands_from_rows``); then ``save_rate_table`` (validity, the version the editor was opened on, history)."""
    bands = bands_from_rows(rows)
    return save_rate_table(
        coverage=coverage,
        input=input,
        valid_from=valid_from,
        valid_until=valid_until,
        bands=bands,
        note=note,
        table_id=table_id,
        version=version,
        changed_by=changed_by,
    )


# --- a rate table in a spreadsheet ----------------------------------------------------------------------------

SHEET_HEADER = (
    _("From (included)"),
    _("To (excluded; empty: no limit)"),
    _("Fixed premium (CNY)"),
    _("Rate (percent of the input)"),
    _("Premium per unit (CNY)"),
)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number: 0.95, not 0.9499999…
    return str(value).strip()


def rows_from_sheet(file: IO[bytes]) -> list[BandRow]:
    """The bands of an uploaded workbook laid out as the export writes it: a header row, then one band a row in
    the export's five columns. Each row keeps its number in the sheet, so a message names the row to fix.
    Raises ``SpreadsheetError`` for a file that is not a readable workbook."""
    rows = []
    for number, cells in enumerate(read_xlsx_rows(file), start=1):
        if number == 1:
            continue  # the header
        values = [_cell_text(cell) for cell in list(cells)[:5]]
        values += [""] * (5 - len(values))
        rows.append(BandRow(number, *values))
        if len(rows) > MAX_BANDS + 50:  # far more rows than a table holds: read no further
            break
    return rows


@dataclass(frozen=True)
class BandChange:
    """One line of the dry run: a band added, removed, changed (old and new) or the same."""

    kind: str  # "added", "removed", "changed", "same"
    old: Band | None
    new: Band | None


def band_changes(old: Sequence[Band], new: Sequence[Band]) -> list[BandChange]:
    """What replacing ``old`` by ``new`` changes, band by band (matched on where they start), in order."""
    before = {band.lower: band for band in old}
    after = {band.lower: band for band in new}
    changes = []
    for lower in sorted(set(before) | set(after)):
        was, will = before.get(lower), after.get(lower)
        if was is None:
            changes.append(BandChange("added", None, will))
        elif will is None:
            changes.append(BandChange("removed", was, None))
        elif (was.upper, *was.parts) == (will.upper, *will.parts):
            changes.append(BandChange("same", was, will))
        else:
            changes.append(BandChange("changed", was, will))
    return changes


@dataclass(frozen=True)
class ImportDryRun:
    """A sheet read and checked against a table: its rows (to apply), and what applying them changes."""

    table: RateTable
    rows: list[BandRow]
    changes: list[BandChange]

    @property
    def changed(self) -> bool:
        return any(change.kind != "same" for change in self.changes)


def dry_run_rate_table_import(*, table: RateTable, file: IO[bytes]) -> ImportDryRun:
    """Read the sheet and check its rows as a save would (``bands_from_rows``: every problem named by its row
    of the sheet); nothing is stored. Raises ``SpreadsheetError`` or ``ValidationError``."""
    rows = rows_from_sheet(file)
    bands = bands_from_rows(rows)
    current = [
        Band(band.lower, band.upper, band.base_premium, band.rate_percent, band.unit_premium)
        for band in table.bands.order_by("lower")
    ]
    return ImportDryRun(
        table=table, rows=[row for row in rows if not row.is_empty], changes=band_changes(current, bands)
    )

"""Pages of the catalogue: products, coverages and rate tables. Everyone in the field reads them (the price
tables a quote is made from); only the admin edits them, here rather than in the site administration.

The rate-table editor posts its rows as text; "check" (htmx, as the admin types) answers the problems of the
whole table naming their rows, "add"/"remove-N" give the rows back with one more or one less, "save" saves
all of it or nothing (``save_rate_table_rows``). Without JavaScript the same buttons work as plain posts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.deals.models import Product
from accounts.service_tools.forms import (
    BAND_FIELDS,
    CoverageForm,
    ProductForm,
    RateTableForm,
    RateTableImportForm,
    band_rows,
)
from accounts.service_tools.models import Coverage, RateTable
from accounts.service_tools.selectors import (
    catalogue_product,
    catalogue_products,
    rate_table_changes,
    rate_table_for_editing,
    rate_table_sheet,
)
from accounts.service_tools.services import (
    SHEET_HEADER,
    BandRow,
    bands_from_rows,
    dry_run_rate_table_import,
    rows_of_bands,
    save_coverage,
    save_product,
    save_rate_table_rows,
)
from crm.dates import local_today
from crm.errors import ApplicationError
from crm.htmx import add_refusal_to_form, refusal_message
from crm.models import User
from crm.permissions import role_required
from crm.spreadsheets import xlsx_response

Role = User.Role
READERS = (Role.SALESPERSON, Role.MANAGER, Role.ADMIN)


# --- products -------------------------------------------------------------------------------------------------


@require_GET
@role_required(*READERS)
def product_list(request: HttpRequest) -> HttpResponse:
    today = local_today()
    products = catalogue_products(user=request.user, on=today)
    return render(request, "service_tools/product_list.html", {"products": products, "today": today})


@require_GET
@role_required(*READERS)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(catalogue_product(user=request.user), pk=pk)
    today = local_today()
    for coverage in product.coverages.all():
        for table in coverage.rate_tables.all():
            table.in_force = table.valid_from <= today and (table.valid_until is None or table.valid_until >= today)
    return render(request, "service_tools/product_detail.html", {"product": product})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk) if pk is not None else None
    initial = (
        {"name": product.name, "code": product.code, "line": product.line_id, "is_active": product.is_active}
        if product
        else None
    )
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_product(changed_by=request.user, product_id=pk, **form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(request, _("%(product)s saved.") % {"product": saved})
            return redirect("service_tools:product_detail", pk=saved.pk)
    return render(request, "service_tools/product_form.html", {"form": form, "product": product})


# --- coverages ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def coverage_edit(request: HttpRequest, product_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    coverage = get_object_or_404(Coverage.objects.select_related("product"), pk=pk) if pk is not None else None
    product = coverage.product if coverage else get_object_or_404(Product, pk=product_pk)
    initial = (
        {
            "name": coverage.name,
            "code": coverage.code,
            "description": coverage.description,
            "is_required": coverage.is_required,
            "position": coverage.position,
        }
        if coverage
        else {"position": product.coverages.count()}
    )
    form = CoverageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_coverage(changed_by=request.user, product=product, coverage_id=pk, **form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(request, _("%(coverage)s saved.") % {"coverage": saved})
            return redirect(f"{reverse('service_tools:product_detail', args=[product.pk])}#coverage-{saved.pk}")
    context = {"form": form, "product": product, "coverage": coverage}
    return render(request, "service_tools/coverage_form.html", context)


# --- the rate-table editor ------------------------------------------------------------------------------------


def _problems(rows: list[BandRow]) -> list[str]:
    try:
        bands_from_rows(rows)
    except ValidationError as error:
        return error.messages
    return []


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def rate_table_edit(request: HttpRequest, coverage_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    table = get_object_or_404(rate_table_for_editing(), pk=pk) if pk is not None else None
    coverages = Coverage.objects.select_related("product")
    coverage = table.coverage if table else get_object_or_404(coverages, pk=coverage_pk)
    if request.method == "GET":
        initial: dict = {}
        if table:
            initial = {
                "input": table.input,
                "valid_from": table.valid_from,
                "valid_until": table.valid_until,
                "note": table.note,
                "version": table.version,
            }
        elif (latest := coverage.rate_tables.order_by("-valid_from").first()) is not None:
            initial["input"] = latest.input
        form = RateTableForm(initial=initial)
        rows = rows_of_bands(table.bands.all()) if table else [BandRow(1)]
        return _editor(request, form=form, rows=rows, coverage=coverage, table=table)

    form = RateTableForm(request.POST)
    rows = band_rows(request.POST)
    action = request.POST.get("action", "save")
    if request.GET.get("check") == "1" or action == "check":
        # As the admin types: the problems of the whole table, naming rows; nothing else is swapped.
        context = {"problems": _problems(rows), "checked": True}
        return render(request, "service_tools/ratetable_form.html#problems", context)
    if action == "add" or action.startswith("remove-"):
        if action == "add":
            rows = [*rows, BandRow(len(rows) + 1)]
        else:
            index = int(action.removeprefix("remove-")) if action.removeprefix("remove-").isdigit() else -1
            kept = [row for position, row in enumerate(rows) if position != index] or [BandRow(1)]
            rows = [BandRow(number, *row.values) for number, row in enumerate(kept, start=1)]
        context = {"rows": rows, "problems": _problems(rows), "checked": True, "fields": BAND_FIELDS}
        if request.htmx:
            return render(request, "service_tools/ratetable_form.html#bands", context)
        return _editor(request, form=form, rows=rows, coverage=coverage, table=table, checked=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = save_rate_table_rows(
                changed_by=request.user,
                coverage=coverage,
                input=data["input"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                note=data["note"],
                rows=rows,
                table_id=table.pk if table else None,
                version=data["version"] if table else None,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_refusal_to_form(form, error, on_fields=True)
            else:
                return _editor(request, form=form, rows=rows, coverage=coverage, table=table, problems=error.messages)
        except ApplicationError as error:
            form.add_error(None, refusal_message(error))
        else:
            count = saved.bands.count()
            messages.success(
                request,
                _("Rate table of %(coverage)s saved: %(count)d bands, valid from %(date)s.")
                % {"coverage": coverage, "count": count, "date": saved.valid_from.isoformat()},
            )
            return redirect(f"{reverse('service_tools:product_detail', args=[coverage.product_id])}#table-{saved.pk}")
    return _editor(request, form=form, rows=rows, coverage=coverage, table=table, checked=True)


def _editor(
    request: HttpRequest,
    *,
    form: RateTableForm,
    rows: list[BandRow],
    coverage: Coverage,
    table: RateTable | None,
    problems: list[str] | None = None,
    checked: bool = False,
) -> HttpResponse:
    context = {
        "form": form,
        "rows": rows,
        "coverage": coverage,
        "table": table,
        "fields": BAND_FIELDS,
        "problems": problems if problems is not None else (_problems(rows) if checked else []),
        "checked": checked or problems is not None,
        "changes": rate_table_changes(table=table) if table else [],
    }
    return render(request, "service_tools/ratetable_form.html", context)


# --- the rate table in a spreadsheet --------------------------------------------------------------------------


@require_GET
@role_required(*READERS)
def rate_table_export(request: HttpRequest, pk: int) -> HttpResponse:
    table = get_object_or_404(
        RateTable.objects.select_related("coverage__product").filter(
            coverage__product__in=catalogue_product(user=request.user)
        ),
        pk=pk,
    )
    name = f"rate-table-{table.coverage.product.code}-{table.coverage.code}-{table.valid_from:%Y%m%d}.xlsx"
    return xlsx_response(
        filename=name,
        header=[str(title) for title in SHEET_HEADER],
        rows=rate_table_sheet(table=table),
        sheet_title=f"{table.coverage.code} {table.valid_from:%Y-%m-%d}",
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def rate_table_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload: a dry run shows what the sheet changes (or every problem by its row of the sheet), and nothing is
    stored. "Apply" saves the rows shown, through the editor's service, only if nobody saved the table since."""
    table = get_object_or_404(rate_table_for_editing(), pk=pk)
    context: dict = {"table": table, "coverage": table.coverage, "form": RateTableImportForm()}
    if request.method == "POST" and request.POST.get("action") == "apply":
        rows = band_rows(request.POST)
        version = request.POST.get("version", "")
        try:
            save_rate_table_rows(
                changed_by=request.user,
                coverage=table.coverage,
                input=table.input,
                valid_from=table.valid_from,
                valid_until=table.valid_until,
                note=table.note,
                rows=rows,
                table_id=table.pk,
                version=int(version) if version.isdigit() else 0,
            )
        except (ValidationError, ApplicationError) as error:
            context["problems"] = error.messages if isinstance(error, ValidationError) else [refusal_message(error)]
            return render(request, "service_tools/ratetable_import.html", context, status=400)
        messages.success(
            request, _("Rate table of %(coverage)s replaced from the spreadsheet.") % {"coverage": table.coverage}
        )
        return redirect(f"{reverse('service_tools:product_detail', args=[table.coverage.product_id])}#table-{table.pk}")
    if request.method == "POST":
        form = RateTableImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            try:
                context["dry_run"] = dry_run_rate_table_import(table=table, file=form.cleaned_data["file"])
            except (ValidationError, ApplicationError) as error:
                problems = error.messages if isinstance(error, ValidationError) else [refusal_message(error)]
                context["problems"] = problems
                return render(request, "service_tools/ratetable_import.html", context, status=400)
            context["fields"] = BAND_FIELDS
    return render(request, "service_tools/ratetable_import.html", context)

"""Forms of the service tools. They only parse input; the rules and messages live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.deals.forms import DateInput
from accounts.deals.models import Product
from accounts.service_tools.models import Coverage, RateInput
from accounts.service_tools.services import MAX_BANDS, BandRow, input_field
from crm.dates import local_today
from territories.models import ProductLine

POLICY_SLOTS = 2


def _number_field(label, *, help_text: str = "") -> forms.CharField:
    # A text field: the service explains what is wrong with the number, in one place for pages and API.
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class QuoteForm(forms.Form):
    """The optional coverages, then one field per input the chosen product's tables need."""

    coverages = forms.MultipleChoiceField(
        label=_("Coverages"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=(),
    )

    def __init__(self, *args, product: Product, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offered = list(product.coverages.all())
        self.required_coverages = [coverage for coverage in offered if coverage.is_required]
        optional = [coverage for coverage in offered if not coverage.is_required]
        self.fields["coverages"].choices = [(coverage.code, coverage.name) for coverage in optional]
        self.fields["coverages"].initial = [coverage.code for coverage in optional]
        self.input_fields: list[str] = []
        for coverage in offered:
            tables = list(coverage.rate_tables.all())
            if not tables:
                continue
            kind = tables[0].input
            name = input_field(coverage_code=coverage.code, input=kind)
            if name in self.fields:
                continue
            label = (
                _("%(coverage)s: sum insured (CNY)") % {"coverage": coverage.name}
                if kind == RateInput.SUM_INSURED
                else RateInput(kind).label
            )
            self.fields[name] = _number_field(label)
            self.input_fields.append(name)

        self.fields["special_discount"] = forms.DecimalField(
            label=_("Extra discount (CNY)"),
            required=False,
            min_value=0,
            max_digits=12,
            decimal_places=2,
            help_text=_("Beyond the agreed price or the team's discount limit, the quote waits for the manager."),
        )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        sums = {name.removeprefix("sum_"): data[name] for name in self.input_fields if name.startswith("sum_")}
        inputs = {name: data[name] for name in self.input_fields if not name.startswith("sum_")}
        return {
            "coverages": data["coverages"],
            "inputs": {**inputs, "sums": sums},
            "special_discount": data.get("special_discount") or Decimal("0"),
        }


class QuoteDealForm(forms.Form):
    number = forms.CharField(label=_("Order or policy number"), max_length=60)
    issued_on = forms.DateField(label=_("Order issued on"), widget=DateInput(), initial=local_today)
    renewal_on = forms.DateField(label=_("Next need or renewal on"), required=False, widget=DateInput())


class CheckupForm(forms.Form):
    """Up to two policies; for each, the sum insured per coverage (blank = not covered)."""

    def __init__(self, *args, coverages: list[Coverage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.coverages = coverages
        for slot in range(1, POLICY_SLOTS + 1):
            self.fields[f"p{slot}_insurer"] = forms.CharField(label=_("Insurer"), max_length=100, required=False)
            self.fields[f"p{slot}_number"] = forms.CharField(label=_("Policy number"), max_length=60, required=False)
            self.fields[f"p{slot}_expires_on"] = forms.DateField(
                label=_("Expires on"), required=False, widget=DateInput()
            )
            self.fields[f"p{slot}_premium"] = _number_field(_("Premium (CNY)"))
            for coverage in coverages:
                self.fields[f"p{slot}_c{coverage.pk}"] = _number_field(
                    coverage.name, help_text=_("Sum insured; leave empty if not covered.")
                )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def slots(self):
        for slot in range(1, POLICY_SLOTS + 1):
            yield {
                "number": slot,
                "fields": [self[f"p{slot}_{name}"] for name in ("insurer", "number", "expires_on", "premium")],
                "coverages": [self[f"p{slot}_c{coverage.pk}"] for coverage in self.coverages],
            }

    def policies(self) -> list[dict[str, Any]]:
        """The policies entered; a slot left entirely empty is skipped."""
        data = self.cleaned_data
        policies = []
        for slot in range(1, POLICY_SLOTS + 1):
            values = {key: value for key, value in data.items() if key.startswith(f"p{slot}_")}
            if not any(value not in (None, "") for value in values.values()):
                continue
            policies.append(
                {
                    "insurer": data[f"p{slot}_insurer"],
                    "number": data[f"p{slot}_number"],
                    "expires_on": data[f"p{slot}_expires_on"],
                    "premium": data[f"p{slot}_premium"],
                    "sums": {str(coverage.pk): data[f"p{slot}_c{coverage.pk}"] for coverage in self.coverages},
                }
            )
        return policies


# --- the admin's catalogue --------------------------------------------------------------------------------------


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        elif not isinstance(field.widget, forms.HiddenInput):
            field.widget.attrs.setdefault("class", "form-control")


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(label=_("Product code"), max_length=40, help_text=_("Letters, digits and hyphens; unique."))
    line = forms.ModelChoiceField(label=_("Product line"), queryset=ProductLine.objects.none(), required=False)
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = ProductLine.objects.order_by("sort_order", "name")
        _styled(self)


class CoverageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(label=_("Coverage code"), max_length=40, help_text=_("Unique within the product."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    is_required = forms.BooleanField(label=_("Always included (compulsory cover)"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, initial=0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class RateTableForm(forms.Form):
    """The table's own fields; its bands come as rows of text (``band_rows``), checked by the service."""

    input = forms.ChoiceField(label=_("Priced on"), choices=RateInput.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput(), initial=local_today)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


BAND_FIELDS = ("lower", "upper", "base_premium", "rate_percent", "unit_premium")


def band_rows(data) -> list[BandRow]:
    """The editor's rows from the posted lists (one input of each name per row), numbered as shown."""
    columns = [data.getlist(name) for name in BAND_FIELDS]
    count = max((len(column) for column in columns), default=0)
    count = min(count, MAX_BANDS + 20)
    padded = [column + [""] * (count - len(column)) for column in columns]
    return [
        BandRow(index + 1, *(str(padded[column][index])[:40] for column in range(len(BAND_FIELDS))))
        for index in range(count)
    ]


class RateTableImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx)"))

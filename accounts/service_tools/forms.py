"""Forms of the service tools. They only parse input; the rules and messages live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.deals.forms import DateInput
from accounts.deals.models import Product
from accounts.service_tools.models import Coverage, RateInput
from accounts.service_tools.services import input_field
from crm.dates import local_today

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

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        sums = {name.removeprefix("sum_"): data[name] for name in self.input_fields if name.startswith("sum_")}
        inputs = {name: data[name] for name in self.input_fields if not name.startswith("sum_")}
        return {"coverages": data["coverages"], "inputs": {**inputs, "sums": sums}}


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

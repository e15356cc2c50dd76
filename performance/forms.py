from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import style_fields
from performance.selectors import TargetBreakdown

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class TargetBreakdownForm(forms.Form):
    """The company's total and one field per salesperson, named ``salesperson_<id>``."""

    company_amount = forms.DecimalField(label=_("Company target (CNY)"), **AMOUNT)

    def __init__(self, *args, breakdown: TargetBreakdown, **kwargs) -> None:
        initial = {"company_amount": breakdown.company_amount}
        for line in breakdown.lines:
            initial[f"salesperson_{line.salesperson.id}"] = line.amount
        super().__init__(*args, initial=initial, **kwargs)
        self.lines = breakdown.lines
        for line in breakdown.lines:
            self.fields[f"salesperson_{line.salesperson.id}"] = forms.DecimalField(
                label=str(line.salesperson), required=False, **AMOUNT
            )

    def salesperson_amounts(self) -> dict[int, Decimal]:
        amounts = {}
        for line in self.lines:
            value = self.cleaned_data.get(f"salesperson_{line.salesperson.id}")
            if value is not None:
                amounts[line.salesperson.id] = value
        return amounts

    def rows(self):
        """(salesperson, bound field) pairs for the template."""
        return [(line.salesperson, self[f"salesperson_{line.salesperson.id}"]) for line in self.lines]


class RewardTierForm(forms.Form):
    """A reward tier as typed: the bonuses are not prefilled (an empty one is no part of the tier)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    min_attainment_percent = forms.DecimalField(
        label=_("From attainment (%)"), max_digits=6, decimal_places=2, min_value=Decimal("0")
    )
    bonus_rate_percent = forms.DecimalField(
        label=_("Bonus rate (percent of the attained amount)"), max_digits=5, decimal_places=2, required=False
    )
    bonus_amount = forms.DecimalField(label=_("Fixed bonus (CNY)"), max_digits=12, decimal_places=2, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)

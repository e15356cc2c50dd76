"""Forms of the deal pages. They only parse input; the rules live in ``accounts.deals.services``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.deals.models import Deal, LedgerEntry, Product
from crm.dates import local_today

MONEY = {"max_digits": 14, "decimal_places": 2}
INSTALMENT_ROWS = 4


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _money_field(label, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **MONEY,
    )


class DealForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    number = forms.CharField(label=_("Order or policy number"), max_length=60)
    amount = _money_field(_("Amount (CNY)"))
    issued_on = forms.DateField(label=_("Order issued on"), widget=DateInput(), initial=local_today)
    renewal_on = forms.DateField(label=_("Next need or renewal on"), required=False, widget=DateInput())
    next_need = forms.CharField(label=_("Next need"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm_price = forms.BooleanField(label=_("I checked the amount against the agreed price"), required=False)
    ask_approval = forms.BooleanField(
        label=_("Below the agreed price: send the deal to the manager for approval"), required=False
    )

    def __init__(self, *args, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        for number in range(1, INSTALMENT_ROWS + 1):
            self.fields[f"instalment_{number}_amount"] = _money_field(
                _("Instalment %(number)s amount") % {"number": number}, required=False
            )
            self.fields[f"instalment_{number}_due"] = forms.DateField(
                label=_("Instalment %(number)s due on") % {"number": number}, required=False, widget=DateInput()
            )

    @property
    def instalment_rows(self):
        return [
            (number, self[f"instalment_{number}_amount"], self[f"instalment_{number}_due"])
            for number in range(1, INSTALMENT_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        plan: list[tuple[Decimal, date]] = []
        for number in range(1, INSTALMENT_ROWS + 1):
            amount = cleaned.get(f"instalment_{number}_amount")
            due = cleaned.get(f"instalment_{number}_due")
            if amount is None and due is None:
                continue
            if amount is None or due is None:
                self.add_error(f"instalment_{number}_amount", _("Give both the amount and the due date."))
                continue
            plan.append((amount, due))
        cleaned["instalments"] = plan
        return cleaned

    def deal_fields(self) -> dict:
        """The deal as the services take it (``create_deal``, ``request_deal_price_approval`` and the inquiry's
        two): the same keywords from every form that records a deal."""
        data = self.cleaned_data
        return {
            "product": data["product"],
            "number": data["number"],
            "amount": data["amount"],
            "issued_on": data["issued_on"],
            "instalments": data["instalments"] or None,
            "renewal_on": data["renewal_on"],
            "next_need": data["next_need"],
            "notes": data["notes"],
        }


class DealEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput())

    class Meta:
        model = Deal
        fields = ("number", "renewal_on", "next_need", "notes")
        widgets = {"renewal_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}


class EntryForm(forms.Form):
    """A payment, return, refund or follow-up call posted to a deal."""

    KINDS = (LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.RETURN, LedgerEntry.Kind.REFUND, LedgerEntry.Kind.CALL)

    amount = _money_field(_("Amount (CNY)"), required=False)
    entry_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=local_today)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    confirm = forms.BooleanField(label=_("Yes, record this amount"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput(), required=False, max_length=64)

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == LedgerEntry.Kind.CALL:
            del self.fields["amount"]
            self.fields["note"].required = True
            self.fields["note"].label = _("What was said")
        else:
            self.fields["amount"].required = True


class CarryCreditForm(forms.Form):
    """Carry a deal's credit to another deal of the same customer (the choices are set by the view)."""

    to_deal = forms.ModelChoiceField(label=_("Carry to deal"), queryset=Deal.objects.none())
    amount = _money_field(_("Amount (CNY)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput(), required=False, max_length=64)

    def __init__(self, *args, deals, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_deal"].queryset = deals
        self.fields["to_deal"].label_from_instance = lambda deal: (
            f"{deal.product} {deal.number} · {deal.issued_on:%Y-%m-%d} · ¥{deal.balance:,.2f}"
        )
        self.fields["amount"].help_text = _("Leave empty to carry the whole credit (up to what the deal owes).")


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput(), initial=local_today)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is this entry wrong?"), max_length=300)


class PriceAgreementForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    price = _money_field(_("Agreed price (CNY)"), required=False)
    discount_percent = forms.DecimalField(
        label=_("or discount (%)"), required=False, max_digits=5, decimal_places=2, min_value=Decimal("0.01")
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput(), initial=local_today)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class ShowcasePhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
    consent = forms.BooleanField(label=_("The customer agreed that we show this photo to other customers"))
    consent_by = forms.CharField(label=_("Who agreed (name and title)"), max_length=100)
    consent_on = forms.DateField(label=_("Agreed on"), widget=DateInput(), initial=local_today)

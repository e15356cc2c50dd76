from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import User
from territories.selectors import assignable_salespeople


class AssignTerritoryForm(forms.Form):
    salesperson = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    # The token of the preview the admin confirms (territories.services.HandoverPreview.token); empty: preview.
    preview = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = assignable_salespeople()


class ReleaseTerritoryForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    preview = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import User
from territories.models import ChannelType, Territory
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


class RoutingRuleForm(forms.Form):
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    channel_type = forms.ModelChoiceField(label=_("Channel type"), queryset=ChannelType.objects.none(), required=False)
    territory = forms.ModelChoiceField(label=_("Territory"), queryset=Territory.objects.none())
    priority = forms.IntegerField(
        label=_("Priority"), min_value=0, max_value=32767, initial=100, help_text=_("Lower numbers win.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel_type"].queryset = ChannelType.objects.filter(is_active=True).order_by("sort_order", "name")
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True).order_by("path")
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.pipelines.selectors import territories_for_pipeline
from crm.models import User


class TerritoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.channel_type}"


class CandidateForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=30)
    territory = TerritoryChoiceField(label=_("channel territory"), queryset=None)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories_for_pipeline(viewer=viewer, tenders=False)


class TenderForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    buyer = forms.CharField(label=_("buyer"), max_length=200, help_text=_("The government unit that buys."))
    territory = TerritoryChoiceField(label=_("channel territory"), queryset=None)
    amount_estimate = forms.DecimalField(
        label=_("estimated amount"), max_digits=14, decimal_places=2, min_value=0, max_value=10**12 - 1
    )
    announced_on = forms.DateField(label=_("announced on"), widget=forms.DateInput(attrs={"type": "date"}))
    documents_deadline = forms.DateField(
        label=_("documents purchase deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submission_deadline = forms.DateField(
        label=_("submission deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    opening_on = forms.DateField(
        label=_("opening date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories_for_pipeline(viewer=viewer, tenders=True)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=())
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)

    def __init__(self, *args, stages: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stages

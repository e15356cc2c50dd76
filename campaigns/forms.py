from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from campaigns.models import Campaign, CompetitorReport, Event, Mailing, PhoneInquiry, SmsTemplate
from campaigns.prospect_files import TARGET_FIELDS
from crm.models import User
from territories.models import ChannelType


class CampaignForm(forms.ModelForm):
    segment_district = forms.CharField(label=_("Segment: district"), required=False, max_length=50)
    segment_business_type = forms.CharField(label=_("Segment: business type"), required=False, max_length=100)
    segment_status = forms.ChoiceField(
        label=_("Segment: status"), required=False, choices=[("", "---------"), *Customer.Status.choices]
    )
    segment_source = forms.ChoiceField(
        label=_("Segment: source"), required=False, choices=[("", "---------"), *Customer.Source.choices]
    )

    class Meta:
        model = Campaign
        fields = ["name", "kind", "starts_on", "ends_on", "budget", "description"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def segment(self) -> dict[str, str]:
        return {
            key: self.cleaned_data.get(f"segment_{key}") or ""
            for key in ("district", "business_type", "status", "source")
        }


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class InquiryForm(forms.Form):
    """The desk's keyboard-only form: fields in the order the caller is asked."""

    phone = forms.CharField(label=_("Phone"), max_length=30, widget=forms.TextInput(attrs={"autofocus": True}))
    caller_name = forms.CharField(label=_("Caller's name"), max_length=100)
    unit_name = forms.CharField(label=_("Caller's unit"), max_length=200, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    business_type = forms.CharField(
        label=_("Caller's business"),
        max_length=100,
        required=False,
        help_text=_("What the caller does: 4S shop, car dealer, transport company, private owner…"),
    )
    channel_type = forms.ModelChoiceField(
        label=_("Channel type"),
        queryset=ChannelType.objects.none(),
        required=False,
        help_text=_("Leave empty to take it from the caller's business."),
    )
    topic = forms.CharField(label=_("What they asked"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    campaign = forms.ModelChoiceField(
        label=_("Which campaign brought them"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, campaigns=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel_type"].queryset = ChannelType.objects.filter(is_active=True)
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns

    def clean(self):
        data = super().clean()
        if not (data.get("district") or data.get("address")):
            raise forms.ValidationError(_("Give the district or the address, so that the call can be routed."))
        return data


class LeadForm(InquiryForm):
    """An event lead, typed on a phone in the field: fewer fields, the event gives district and campaign."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["campaign"]
        self.fields["topic"].required = False

    def clean(self):
        return forms.Form.clean(self)


class DropForm(forms.Form):
    reason = forms.CharField(label=_("Why is it dropped?"), max_length=300)


class AssignForm(forms.Form):
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.filter(role=User.Role.SALESPERSON, is_active=True)
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Prospect list (.xlsx or .csv)"))
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)

    def __init__(self, *args, campaigns=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns


class MappingForm(forms.Form):
    """One select per target field, offering the file's columns."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)"))] + [
            (str(index), f"{index + 1}. {header or '—'}") for index, header in enumerate(headers)
        ]
        for name, (label, _synonyms) in TARGET_FIELDS.items():
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
            if name in initial_mapping:
                self.initial[name] = str(initial_mapping[name])

    def mapping(self) -> dict[str, int]:
        return {name: int(value) for name, value in self.cleaned_data.items() if value not in ("", None)}


class MailingForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Mailing.Channel.choices)
    subject = forms.CharField(label=_("E-mail subject"), max_length=200, required=False)
    body = forms.CharField(label=_("E-mail text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    sms_template = forms.ModelChoiceField(label=_("SMS template"), queryset=SmsTemplate.objects.all(), required=False)


class EventForm(forms.ModelForm):
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff"), queryset=User.objects.filter(is_active=True).order_by("username"), required=False
    )

    class Meta:
        model = Event
        fields = ["name", "campaign", "place", "district", "held_on"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}


class CompetitorReportForm(forms.ModelForm):
    class Meta:
        model = CompetitorReport
        fields = ["competitor", "product", "price", "price_note", "way_of_operating", "policy", "seen_where", "seen_on"]
        widgets = {
            "seen_on": forms.DateInput(attrs={"type": "date"}),
            "way_of_operating": forms.Textarea(attrs={"rows": 2}),
            "policy": forms.Textarea(attrs={"rows": 2}),
        }


INQUIRY_STATUS_CHOICES = [("", _("All statuses")), *PhoneInquiry.Status.choices]

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from campaigns.models import CallList, Campaign, CompetitorReport, Event, Mailing, PhoneInquiry, Segment, SmsTemplate
from campaigns.partners.models import Partner
from campaigns.partners.services import partner_choices
from campaigns.prospect_files import TARGET_FIELDS
from campaigns.segments import MAX_DAYS, MAX_VEHICLES, RENEWAL_CHOICES, split_districts
from crm.bounds import validate_name
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
    partner = forms.ModelChoiceField(
        label=_("Which partner sent them"), queryset=Partner.objects.none(), required=False
    )

    def __init__(self, *args, campaigns=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel_type"].queryset = ChannelType.objects.filter(is_active=True)
        self.fields["partner"].queryset = partner_choices()
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
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.none(),
        required=False,
        help_text=_("The partner company the list came from: its new customers are the partner's leads."),
    )

    def __init__(self, *args, campaigns=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partner_choices()
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
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.none(),
        required=False,
        empty_label=_("The campaign's own target"),
        help_text=_("A saved segment, counted as you may see it."),
    )
    subject = forms.CharField(label=_("E-mail subject"), max_length=200, required=False)
    body = forms.CharField(label=_("E-mail text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    sms_template = forms.ModelChoiceField(label=_("SMS template"), queryset=SmsTemplate.objects.all(), required=False)

    def __init__(self, *args, segments=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if segments is not None:
            self.fields["segment"].queryset = segments


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


# --- segments ------------------------------------------------------------------------------------------


class SegmentCriteriaForm(forms.Form):
    """The filters of a segment, as typed; ``criteria()`` gives them to ``campaigns.segments.clean_criteria``."""

    vehicle_types = forms.MultipleChoiceField(
        label=_("Vehicle type"),
        choices=Customer.VehicleType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vehicle_count_min = forms.IntegerField(
        label=_("At least … vehicles"), min_value=0, max_value=MAX_VEHICLES, required=False
    )
    vehicle_count_max = forms.IntegerField(
        label=_("At most … vehicles"), min_value=0, max_value=MAX_VEHICLES, required=False
    )
    renewal = forms.ChoiceField(
        label=_("Renewal month"), choices=[("", _("Any month")), *RENEWAL_CHOICES], required=False
    )
    business_type = forms.CharField(
        label=_("Business type contains"),
        max_length=100,
        required=False,
        help_text=_("For example private car or logistics."),
    )
    channel_types = forms.ModelMultipleChoiceField(
        label=_("Channel"), queryset=ChannelType.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    districts = forms.CharField(
        label=_("Districts"), max_length=500, required=False, help_text=_("One or more, separated by commas.")
    )
    intents = forms.MultipleChoiceField(
        label=_("Intent"), choices=Customer.Intent.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    no_contact_days = forms.IntegerField(
        label=_("No visit or call for more than … days"), min_value=1, max_value=MAX_DAYS, required=False
    )
    contact_within_days = forms.IntegerField(
        label=_("Visited or called within the last … days"), min_value=1, max_value=MAX_DAYS, required=False
    )
    source_campaign = forms.ModelChoiceField(
        label=_("Brought in by the campaign"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, campaigns=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel_types"].queryset = ChannelType.objects.filter(is_active=True)
        if campaigns is not None:
            self.fields["source_campaign"].queryset = campaigns

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "vehicle_types": data.get("vehicle_types") or [],
            "vehicle_count_min": data.get("vehicle_count_min"),
            "vehicle_count_max": data.get("vehicle_count_max"),
            "renewal": data.get("renewal") or "",
            "business_type": data.get("business_type") or "",
            "channel_types": [channel.pk for channel in data.get("channel_types") or []],
            "districts": split_districts(data.get("districts") or ""),
            "intents": data.get("intents") or [],
            "no_contact_days": data.get("no_contact_days"),
            "contact_within_days": data.get("contact_within_days"),
            "source_campaign": data["source_campaign"].pk if data.get("source_campaign") else None,
        }

    @classmethod
    def initial_from(cls, criteria: dict[str, Any]) -> dict[str, Any]:
        """The form's initial values for a saved segment."""
        initial = dict(criteria)
        initial["districts"] = ", ".join(criteria.get("districts", []))
        return initial


class SegmentForm(SegmentCriteriaForm):
    name = forms.CharField(label=_("Segment name"), max_length=200, validators=[validate_name])

    field_order = ["name"]


# --- telemarketing -------------------------------------------------------------------------------------


class CallListForm(forms.Form):
    name = forms.CharField(label=_("List name"), max_length=200, validators=[validate_name])
    segment = forms.ModelChoiceField(
        label=_("Numbers from the segment"),
        queryset=Segment.objects.none(),
        required=False,
        help_text=_("Leave empty to add numbers from a file afterwards."),
    )
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)
    channel_type = forms.ModelChoiceField(label=_("Channel"), queryset=ChannelType.objects.none())
    callers = forms.ModelMultipleChoiceField(
        label=_("Callers"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The people who own a territory of the channel. The numbers are split evenly among them."),
    )
    script = forms.CharField(
        label=_("Script"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    max_attempts = forms.IntegerField(
        label=_("Calls without answer before giving up"), min_value=1, max_value=20, initial=3
    )
    retry_after_minutes = forms.IntegerField(
        label=_("Call again after no answer (minutes)"), min_value=5, max_value=7 * 24 * 60, initial=120
    )

    def __init__(self, *args, segments=None, campaigns=None, channel_types=None, callers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if segments is not None:
            self.fields["segment"].queryset = segments
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns
        if channel_types is not None:
            self.fields["channel_type"].queryset = channel_types
        if callers is not None:
            self.fields["callers"].queryset = callers


class CallersForm(forms.Form):
    callers = forms.ModelMultipleChoiceField(
        label=_("Callers"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, callers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if callers is not None:
            self.fields["callers"].queryset = callers


class CallListSettingsForm(forms.ModelForm):
    class Meta:
        model = CallList
        fields = ["script", "max_attempts", "retry_after_minutes"]
        widgets = {"script": forms.Textarea(attrs={"rows": 5})}


class NumbersUploadForm(forms.Form):
    file = forms.FileField(label=_("List of numbers (.xlsx or .csv)"))


_CLOCK = re.compile(r"^(\d{1,2})[:：](\d{2})$")
_MONTH_DAY_CLOCK = re.compile(r"^(\d{1,2})-(\d{1,2})\s+(\d{1,2})[:：](\d{2})$")


def parse_callback_time(text: str, *, now: datetime | None = None) -> datetime | None:
    """A time typed on the caller's screen: ``16:30`` (today, or tomorrow once past), ``12-03 16:30`` (this
    year, or next once past), ``2026-12-03 16:30``, or ISO. None when it is none of these."""
    now = timezone.localtime(now or timezone.now())
    text = (text or "").strip()
    try:
        if match := _CLOCK.match(text):
            moment = now.replace(hour=int(match[1]), minute=int(match[2]), second=0, microsecond=0)
            return moment if moment > now else moment + timedelta(days=1)
        if match := _MONTH_DAY_CLOCK.match(text):
            moment = now.replace(
                month=int(match[1]),
                day=int(match[2]),
                hour=int(match[3]),
                minute=int(match[4]),
                second=0,
                microsecond=0,
            )
            return moment if moment > now else moment.replace(year=now.year + 1)
        moment = datetime.fromisoformat(text.replace("T", " "))
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class CallbackForm(forms.Form):
    callback_at = forms.CharField(
        label=_("Call back at"),
        max_length=30,
        help_text=_("16:30 (today), 12-03 16:30 or 2026-12-03 16:30"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "16:30"}),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_callback_at(self) -> datetime:
        moment = parse_callback_time(self.cleaned_data["callback_at"])
        if moment is None:
            raise forms.ValidationError(_("Type a time like 16:30, 12-03 16:30 or 2026-12-03 16:30."))
        return moment


class InterestedForm(forms.Form):
    """What the caller checks with an interested callee, so that the inquiry reaches the right salesperson."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    unit_name = forms.CharField(label=_("Unit"), max_length=200, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    business_type = forms.CharField(label=_("Business"), max_length=100, required=False)
    topic = forms.CharField(label=_("What they want"), max_length=2000, required=False)

    def details(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if key != "note"}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

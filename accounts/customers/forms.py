"""Forms of the customer pages; they validate, the services decide."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.customers.models import Contact, Customer
from accounts.customers.permissions import can_move_customer
from accounts.customers.selectors import duplicates_for, owner_choices_for
from accounts.customers.services import REGISTRATION_SOURCES
from crm.bounds import validate_name, validate_note_length, validate_phone_without_letters
from crm.images import clean_image
from crm.models import User
from territories.models import ChannelType, Territory

DUPLICATE_INPUTS = (
    "[name=unit_name],[name=phone],[name=district],[name=address],[name=contact_mobile],[name=contact_phone],"
    "[name=customer_id]"
)
MONTH_CHOICES = [("", "---------"), *((month, str(month)) for month in range(1, 13))]

DUPLICATE_IN_SCOPE = _("“%(name)s” is already registered. Open it instead of registering it again.")
DUPLICATE_OUT_OF_SCOPE = _(
    "This customer is already registered by a colleague. Ask your manager before registering it again."
)


class CustomerForm(forms.ModelForm):
    """The registration form (客户信息登记表); ``new`` adds the first contact, edits carry ``version``."""

    renewal_month = forms.TypedChoiceField(
        label=_("Renewal month"), choices=MONTH_CHOICES, coerce=int, empty_value=None, required=False
    )
    business_card_upload = forms.FileField(
        label=_("Business card photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
    )

    class Meta:
        model = Customer
        fields = [
            "unit_name",
            "phone",
            "district",
            "address",
            "channel_type",
            "business_type",
            "source",
            "status",
            "current_insurer",
            "renewal_month",
            "vehicle_type",
            "vehicle_count",
            "notes",
            "territory",
            "owner",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["channel_type"].queryset = ChannelType.objects.filter(is_active=True)
        self.fields["territory"].queryset = Territory.objects.visible_to(user).order_by("path")
        self.fields["territory"].required = False
        self.fields["territory"].help_text = _("Leave empty to route by district and channel type.")
        # Bounds (crm/bounds.py), the same as the API's.
        self.fields["unit_name"].validators.append(validate_name)
        self.fields["phone"].validators.append(validate_phone_without_letters)
        self.fields["notes"].validators.append(validate_note_length)
        if can_move_customer(user):
            self.fields["owner"].queryset = owner_choices_for(user=user)
            self.fields["owner"].required = False
        else:
            del self.fields["owner"]
            if self.instance.pk:
                del self.fields["territory"]
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        for name in ("unit_name", "phone", "district", "address"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("accounts:customer_duplicates"),
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#duplicates",
                    "hx-include": DUPLICATE_INPUTS,
                }
            )

    def clean_business_card_upload(self):
        upload = self.cleaned_data.get("business_card_upload")
        return clean_image(upload) if upload else None

    def customer_data(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key in self.Meta.fields}

    def _check_duplicates(self, *, phones: list[str]) -> None:
        exclude = self.instance.pk
        for phone in [*phones, ""]:
            matches = duplicates_for(
                user=self.user,
                phone=phone,
                unit_name=self.cleaned_data.get("unit_name", "") if phone == "" else "",
                district=self.cleaned_data.get("district", "") if phone == "" else "",
                exclude_pk=exclude,
            )
            if matches:
                match = matches[0]
                if match.customer is not None:
                    raise forms.ValidationError(DUPLICATE_IN_SCOPE, params={"name": match.customer.unit_name})
                raise forms.ValidationError(DUPLICATE_OUT_OF_SCOPE)


class CustomerCreateForm(CustomerForm):
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False, validators=[validate_name])
    contact_title = forms.CharField(label=_("Contact title"), max_length=100, required=False)
    contact_mobile = PhoneNumberField(
        label=_("Contact mobile"), required=False, validators=[validate_phone_without_letters]
    )
    contact_phone = PhoneNumberField(
        label=_("Contact office phone"), required=False, validators=[validate_phone_without_letters]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Where the customer came through (a higher app's registration sources: campaigns' partner), optional.
        for source in REGISTRATION_SOURCES.values():
            self.fields[source.name] = forms.ModelChoiceField(
                label=source.label, queryset=source.choices(), required=False
            )
        for name in ("contact_mobile", "contact_phone"):
            self.fields[name].widget.attrs.update(
                {
                    "inputmode": "tel",
                    **{k: v for k, v in self.fields["phone"].widget.attrs.items() if k.startswith("hx-")},
                }
            )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("contact_mobile") or cleaned.get("contact_phone")) and not cleaned.get("contact_name"):
            self.add_error("contact_name", _("Enter the name of the person these phone numbers belong to."))
        phones = [
            str(p) for p in (cleaned.get("phone"), cleaned.get("contact_mobile"), cleaned.get("contact_phone")) if p
        ]
        self._check_duplicates(phones=phones)
        return cleaned

    @property
    def source_fields(self) -> list:
        return [self[name] for name in REGISTRATION_SOURCES]

    def sources(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in REGISTRATION_SOURCES}

    def contacts(self) -> list[dict]:
        if not self.cleaned_data.get("contact_name"):
            return []
        return [
            {
                "name": self.cleaned_data["contact_name"],
                "title": self.cleaned_data.get("contact_title", ""),
                "mobile": self.cleaned_data.get("contact_mobile") or "",
                "phone": self.cleaned_data.get("contact_phone") or "",
            }
        ]


class CustomerEditForm(CustomerForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        phones = [str(cleaned["phone"])] if cleaned.get("phone") else []
        self._check_duplicates(phones=phones)
        return cleaned


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "mobile", "phone"]
        widgets = {
            "mobile": forms.TextInput(attrs={"inputmode": "tel"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }


class DuplicateLookupForm(forms.Form):
    """What the duplicate check reads while someone types (the lookup page, the registration form)."""

    unit_name = forms.CharField(label=_("Unit name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_mobile = forms.CharField(max_length=30, required=False, widget=forms.HiddenInput)
    contact_phone = forms.CharField(max_length=30, required=False, widget=forms.HiddenInput)
    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def has_input(self) -> bool:
        return any(
            self.cleaned_data[name] for name in ("unit_name", "phone", "address", "contact_mobile", "contact_phone")
        )

    def phones(self) -> list[str]:
        return [
            self.cleaned_data[name] for name in ("phone", "contact_mobile", "contact_phone") if self.cleaned_data[name]
        ]


class AssignToTerritoryForm(forms.Form):
    territory = forms.ModelChoiceField(label=_("Territory"), queryset=Territory.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.visible_to(user).filter(is_active=True).order_by("path")


class CustomerMoveForm(forms.Form):
    """A salesperson's request to hand a customer to another salesperson (decided by the manager)."""

    to_owner = forms.ModelChoiceField(label=_("Move to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, requester: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_owner"].queryset = (
            User.objects.filter(is_active=True, role=User.Role.SALESPERSON)
            .exclude(pk=requester.pk)
            .order_by("username")
        )

"""Forms of the visits pages: a visit logged on a phone, the quick registration, the rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from visits.models import Material, Obstacle, TalkingPoint, Visit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(file, initial) for file in files]


class VisitForm(forms.Form):
    """What a salesperson fills in at the door; the service decides the rest."""

    customer = forms.IntegerField(
        label=_("Customer"), error_messages={"required": _("Find the customer or register a new one first.")}
    )
    kind = forms.ChoiceField(
        label=_("Kind of visit"), choices=Visit.Kind.choices, initial=Visit.Kind.FIRST, widget=forms.RadioSelect
    )
    materials = forms.MultipleChoiceField(
        label=_("Handed over"), choices=Material.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    talking_points = forms.MultipleChoiceField(
        label=_("Points covered"), choices=TalkingPoint.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_on = forms.DateField(
        label=_("Next step on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Two inputs, so that the server knows which photo the phone says came from the camera (the
    # in-page camera, or the file input with ``capture``) and which was picked from the gallery.
    camera_photos = MultipleImageField(
        label=_("Take a photo"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    photos = MultipleImageField(
        label=_("From the gallery"), required=False, widget=MultipleFileInput(attrs={"accept": "image/*"})
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy_m = forms.CharField(required=False, widget=forms.HiddenInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    # Asked for when the check-in is beyond the team's radius (visits.trust).
    far_reason = forms.CharField(label=_("Why are you checking in from here?"), max_length=300, required=False)
    # Set by the "Update the 10:02 visit" button when the submit repeats a visit logged just before.
    update_visit = forms.IntegerField(required=False, widget=forms.HiddenInput)


class QuickCustomerForm(forms.Form):
    """The registration form's essentials, filled in at the door; the rest can be completed later."""

    unit_name = forms.CharField(label=_("Unit name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def customer_data(self) -> dict:
        data = self.cleaned_data
        return {
            "unit_name": data["unit_name"].strip(),
            # The unit's phone even when no contact is named: it is what finds the customer again.
            "phone": data["mobile"].strip(),
            "district": data["district"].strip(),
            "address": data["address"].strip(),
            "source": Customer.Source.VISIT,
        }

    def contacts(self) -> list[dict]:
        data = self.cleaned_data
        if not data["contact_name"].strip():
            return []
        return [{"name": data["contact_name"].strip(), "mobile": data["mobile"].strip()}]


class RatingForm(forms.Form):
    intent = forms.CharField(label=_("Intent"))
    obstacles = forms.MultipleChoiceField(
        label=_("Obstacles"), choices=Obstacle.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    obstacle_detail = forms.CharField(label=_("Obstacle detail"), max_length=300, required=False)

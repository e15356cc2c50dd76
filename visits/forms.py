"""Forms of the visits pages: a visit logged on a phone, the quick registration, the rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from visits.inputs import VisitInput
from visits.models import Obstacle


class VisitForm(VisitInput):
    """What a salesperson fills in at the door: the one visit input (visits.inputs) as the page shows it.
    The page carries a fresh client id (so a double-tapped submit stores one visit) and the kind chosen;
    the visit's time is when it reaches the server."""

    visited_at = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = True
        self.fields["client_id"].required = True


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


# --- the admin's settings ------------------------------------------------------------------------------------


class WorkingDayForm(forms.Form):
    """One day of the calendar marked working or off, with a note (a holiday's name)."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    is_working = forms.TypedChoiceField(
        label=_("The day is"),
        choices=(("0", _("a day off")), ("1", _("a working day"))),
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class TeamQuotaForm(forms.Form):
    daily_visit_quota = forms.IntegerField(label=_("Daily visit minimum"), min_value=0, max_value=100)


class QuotaOverrideForm(forms.Form):
    salesperson = forms.ModelChoiceField(label=_("Salesperson"), queryset=None)
    daily_minimum = forms.IntegerField(label=_("Daily visit minimum"), min_value=0, max_value=100)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        from crm.models import User

        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = User.objects.filter(role=User.Role.SALESPERSON, is_active=True).order_by(
            "username"
        )


class LeaveRequestForm(forms.Form):
    """A salesperson's leave request 请假: a day or a range of days, and why."""

    start_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end_day = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for one day."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

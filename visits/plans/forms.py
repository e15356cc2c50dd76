"""Input of the plan's pages: which customer, which day, what for."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from visits.models import RouteStop

NOTE_MAX_LENGTH = RouteStop._meta.get_field("note").max_length


class AddToPlanForm(forms.Form):
    # Optional: the customer list's rows send the page's one day picker; without it, the picker's first day.
    day = forms.DateField(label=_("Day"), required=False, input_formats=["%Y-%m-%d"])
    note = forms.CharField(label=_("Purpose"), max_length=NOTE_MAX_LENGTH, required=False)


class MoveStopForm(forms.Form):
    day = forms.DateField(label=_("Day"), input_formats=["%Y-%m-%d"])


class StopNoteForm(forms.Form):
    note = forms.CharField(label=_("Purpose"), max_length=NOTE_MAX_LENGTH, required=False)


def form_refusal(form: forms.Form) -> str:
    """A form's errors as one line for the user."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)

"""One visit as any door sends it — the page form, the API, offline sync — read and checked once.

``VisitInput`` is a Django form used as the validator of every door: the page's VisitForm is it with the
page's hidden fields, the API's VisitCreateSerializer delegates to it (the serializer stays the documented
shape), and offline sync reads each entry through it. It checks the shape (text is text, a date is a date,
a customer is a whole number); what the values must be (known choices, a believable position, not in the
future, the customer in scope) is ``visits.services.record_visit``'s to decide, so the same bad visit gets
the same message through every door.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from visits.models import Material, TalkingPoint, Visit
from visits.photos import tag_photos


def text_of(data: Any, field: str) -> str:
    """``data[field]`` as text ("" when absent); anything else (a list, an object, a number a phone sent)
    is refused, naming the field."""
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: not_text_message(field)})
    return value


def not_text_message(field: str) -> str:
    column = Visit._meta.get_field(field)
    assert isinstance(column, Field)  # the doors read the visit's own columns, never a reverse relation
    name = column.verbose_name
    return gettext("The field “%(field)s” must be text.") % {"field": name}


def whole_number(value: object) -> int | None:
    """An id as a door sends it: a whole number or its digits; ``true`` or ``1.7`` is no customer 1."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_list(value: Any) -> list[str]:
    """Codes as a door sends them: a list, or one code alone."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


class TextField(forms.CharField):
    """Text only: a JSON door's list or object is refused naming the field, not turned into its repr."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError(not_text_message(self.visit_field), code="not_text")
        return super().to_python(value)

    def __init__(self, *args, visit_field: str, **kwargs) -> None:
        self.visit_field = visit_field
        super().__init__(*args, **kwargs)


class WholeNumberField(forms.IntegerField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = whole_number(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class CodeField(forms.ChoiceField):
    """A code offered as choices on the page; an unknown one is refused by the service ("Unknown choice")."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError(not_text_message("kind"), code="not_text")
        return super().to_python(value)

    def valid_value(self, value) -> bool:
        return True


class CodesField(forms.MultipleChoiceField):
    """Codes offered as checkboxes; one code alone reads as a list of one. Unknown ones: the service's refusal."""

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        return [str(item) for item in value]

    def valid_value(self, value) -> bool:
        return True


class RawField(forms.CharField):
    """A value passed on as sent (a coordinate, an accuracy): the service checks it with its own message."""

    def to_python(self, value):
        if value is None or value == "":  # only nothing is no value: ``{}`` or ``[]`` is a bad one
            return None
        return str(value).strip() or None


class IsoDateField(forms.DateField):
    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, date | str):
            value = str(value)
        return super().to_python(value)


class IsoDateTimeField(forms.DateTimeField):
    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, datetime | date | str):
            value = str(value)
        return super().to_python(value)


class ClientIdField(forms.UUIDField):
    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, uuid.UUID | str):
            value = str(value)
        return super().to_python(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(file, initial) for file in files]


class VisitInput(forms.Form):
    """A visit as sent, read once for every door; ``visit_kwargs()`` are record_visit's arguments."""

    customer = WholeNumberField(
        label=_("Customer"),
        error_messages={
            "required": _("Find the customer or register a new one first."),
            "invalid": _("Choose a customer."),
        },
    )
    kind = CodeField(
        label=_("Kind of visit"),
        choices=Visit.Kind.choices,
        initial=Visit.Kind.FIRST,
        required=False,
        widget=forms.RadioSelect,
    )
    visited_at = IsoDateTimeField(required=False, error_messages={"invalid": _("Not a valid date and time.")})
    materials = CodesField(
        label=_("Handed over"), choices=Material.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    talking_points = CodesField(
        label=_("Points covered"), choices=TalkingPoint.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = TextField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}), visit_field="notes")
    next_step = TextField(label=_("Next step"), max_length=200, required=False, visit_field="next_step")
    next_step_on = IsoDateField(
        label=_("Next step on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Not a valid date.")},
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
    latitude = RawField(required=False, widget=forms.HiddenInput)
    longitude = RawField(required=False, widget=forms.HiddenInput)
    accuracy_m = RawField(required=False, widget=forms.HiddenInput)
    client_id = ClientIdField(
        required=False, widget=forms.HiddenInput, error_messages={"invalid": _("The client id is not a valid UUID.")}
    )
    # Asked for when the check-in is beyond the team's radius (visits.trust).
    far_reason = TextField(
        label=_("Why are you checking in from here?"), max_length=300, required=False, visit_field="far_reason"
    )
    # Set by the "Update the 10:02 visit" button when the submit repeats a visit logged just before.
    update_visit = WholeNumberField(required=False, widget=forms.HiddenInput)

    def visit_kwargs(self) -> dict[str, Any]:
        """record_visit's keyword arguments (but ``salesperson``) from the cleaned input."""
        data = self.cleaned_data
        return {
            "customer_id": data["customer"],
            "kind": data["kind"] or Visit.Kind.FIRST,
            "visited_at": data.get("visited_at"),
            "materials": data["materials"],
            "talking_points": data["talking_points"],
            "notes": data["notes"],
            "next_step": data["next_step"],
            "next_step_on": data["next_step_on"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "accuracy_m": data["accuracy_m"],
            "client_id": data["client_id"],
            "photos": tag_photos(camera=data["camera_photos"], gallery=data["photos"]),
            "far_reason": data["far_reason"],
        }

    def refusal(self) -> ValidationError:
        """The input's errors as one ValidationError, field by field (what the services raise)."""
        return ValidationError(
            {field: [str(message) for message in messages] for field, messages in self.errors.items()}
        )

    @classmethod
    def read(cls, data: Any, files: Any = None) -> dict[str, Any]:
        """record_visit's keyword arguments from ``data``, or the refusal (a ValidationError)."""
        visit_input = cls(data=data, files=files)
        if not visit_input.is_valid():
            raise visit_input.refusal()
        return visit_input.visit_kwargs()

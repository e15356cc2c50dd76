"""Forms of the follow-up pages: an entry's plan and outcome, joint-visit requests and answers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.key_accounts.services import Answer
from visits.models import Obstacle


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class KeyAccountPlanForm(forms.Form):
    obstacles = forms.MultipleChoiceField(
        label=_("Obstacles to cooperation"),
        choices=Obstacle.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    obstacle_detail = forms.CharField(label=_("Obstacle detail"), max_length=300, required=False)
    prepared_answer = forms.CharField(
        label=_("Answer prepared for the second visit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    planned_on = forms.DateField(
        label=_("Second visit planned on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


OUTCOME_CHOICES = [(value, label) for value, label in KeyAccountEntry.Outcome.choices if value != "open"]


class KeyAccountOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class JointVisitRequestForm(forms.Form):
    mode = forms.ChoiceField(label=_("Kind"), choices=JointVisitRequest.Mode.choices)
    reason = forms.CharField(
        label=_("Why you need the manager"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the customer is unsure about, and what the manager could say."),
    )
    proposed_at = forms.DateTimeField(label=_("Proposed time"), widget=DateTimeLocalInput())
    alternative_at = forms.DateTimeField(label=_("Alternative time"), required=False, widget=DateTimeLocalInput())


class JointVisitAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (Answer.ACCEPT, _("Accept")),
            (Answer.OTHER_TIME, _("Propose another time")),
            (Answer.DECLINE, _("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    time_chosen = forms.DateTimeField(
        label=_("Time"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("When accepting: leave empty for the first proposed time. Required for another time."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("answer") == Answer.OTHER_TIME and not data.get("time_chosen"):
            self.add_error("time_chosen", _("Give the time you propose."))
        return data


class JointVisitLogForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=DateTimeLocalInput())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

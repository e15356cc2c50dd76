"""Forms of the organisation app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OneTimeCodeForm(forms.Form):
    """A code from the authenticator app (six digits) or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}),
    )


def style_fields(form: forms.Form) -> None:
    """Bootstrap's classes on a form's inputs (the shared form template shows them as they are)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        elif not isinstance(field.widget, forms.HiddenInput):
            field.widget.attrs.setdefault("class", "form-control")


class TeamModesForm(forms.Form):
    """A team's working modes; the rules are the team model's fields (``update_team_settings``)."""

    form_submission = forms.ChoiceField(label=_("Forms submitted"), choices=())
    check_in_radius_m = forms.IntegerField(
        label=_("Check-in radius (m)"),
        required=False,
        help_text=_("A check-in farther than this from the customer asks for a reason. Empty: the branch default."),
    )
    repeat_visit_window_minutes = forms.IntegerField(
        label=_("Repeat-visit window (minutes)"),
        help_text=_("The same visit again within this time updates it. 0: off."),
    )
    quota_counts_phone_calls = forms.BooleanField(label=_("Phone calls count toward the quota"), required=False)
    quota_counts_office_visits = forms.BooleanField(
        label=_("Customers' visits to the office count toward the quota"), required=False
    )
    discount_limit_percent = forms.DecimalField(
        label=_("Discount limit (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("A quote discounted further than this off the list premium waits for the manager's approval."),
    )

    def __init__(self, *args, **kwargs) -> None:
        from crm.models import Team

        super().__init__(*args, **kwargs)
        self.fields["form_submission"].choices = Team.FormSubmission.choices
        style_fields(self)


class SignInLinksForm(forms.Form):
    """The admin's link of one person to their identities at the sign-in providers (crm.sso)."""

    wecom_userid = forms.CharField(
        label=_("WeCom userid"),
        max_length=64,
        required=False,
        help_text=_("The person's account in the company's WeCom address book (成员 UserID). Empty: not linked."),
    )
    dingtalk_unionid = forms.CharField(
        label=_("DingTalk unionId"),
        max_length=64,
        required=False,
        help_text=_("The person's unionId in DingTalk. Empty: not linked."),
    )

"""Forms of the organisation app."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
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


def _escaped(value: Any) -> str:
    """conditional_escape without its lazy-string wrapper (a third of the time of a long list): HTML kept as
    it is, anything else escaped as Django does."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _attrs_html(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html in Python: `` name="value"`` each, a True value bare, a False one left out."""
    return "".join(
        f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class LongSelect(forms.Select):
    """A select of hundreds of options (every salesperson, every territory) written in Python.

    Django renders each option through two template includes (select_option.html, attrs.html): the admin's
    customer list spent ~0.4 ms on each of its 480 filter options, more than on all its SQL. This writes the
    same HTML as django/forms/widgets/select.html, character for character (tests/crm/test_long_select.py
    compares the two), from the same context, so crispy's classes and a selected value behave as before.
    """

    def _render(self, template_name: str, context: dict[str, Any], renderer=None) -> SafeString:
        widget = context["widget"]
        parts = [f'<select name="{_escaped(widget["name"])}"', _attrs_html(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_escaped(group_name)}">')
            for option in options:
                # The template's {{ widget.label }} localizes a number or a date before escaping it.
                attrs = _attrs_html(option["attrs"]) if option["attrs"] else ""
                label = _escaped(localize(option["label"]))
                parts.append(f'\n  <option value="{_escaped(option["value"])}"{attrs}>{label}</option>\n')
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


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

"""Phones as people read them. Stored and dialled as E.164 (+8613927001234); shown to a person in the
branch's own region in the national way (139 2700 1234), other numbers in the international way."""

from __future__ import annotations

from django import template

from crm.phones import display_phone

register = template.Library()


@register.filter
def phone_display(value: object) -> str:
    """``{{ customer.phone|phone_display }}``; a number that does not parse is shown as it was typed."""
    return display_phone(value)

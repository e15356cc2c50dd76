"""Phones as people read them. Stored and dialled as E.164 (+8613927001234); shown to a person in the
branch's own region in the national way (139 2700 1234), other numbers in the international way."""

from __future__ import annotations

import phonenumbers
from django import template
from django.conf import settings

register = template.Library()


@register.filter
def phone_display(value: object) -> str:
    """``{{ customer.phone|phone_display }}``; a number that does not parse is shown as it was typed."""
    if not value:
        return ""
    if isinstance(value, phonenumbers.PhoneNumber):
        number = value
    else:
        try:
            number = phonenumbers.parse(str(value), settings.PHONENUMBER_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return str(value)
    if not phonenumbers.is_valid_number(number):
        return str(value)
    own_region = phonenumbers.region_code_for_number(number) == settings.PHONENUMBER_DEFAULT_REGION
    style = phonenumbers.PhoneNumberFormat.NATIONAL if own_region else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)

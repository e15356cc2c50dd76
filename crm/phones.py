"""Phone numbers typed by people, normalised the one way the database stores them (E.164)."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from phonenumber_field.phonenumber import PhoneNumber, to_python

_LETTERS = re.compile(r"[^\W\d_]")
# A Chinese mobile number typed as its 11 digits, the usual row of a prospect list. 179xx is left to the full
# parser: it is also a carrier prefix that the parser strips (tests/crm/test_phones.py compares both ways).
_CN_MOBILE = re.compile(r"1(?:[3-68-9]\d|7[0-8])\d{8}")


def has_letters(value: str) -> bool:
    return bool(_LETTERS.search(value))


class E164(str):
    """A number as ``normalise_phone`` gave it (valid, E.164). Normalising it again gives it back unchanged,
    so it is not parsed again: a list of 100,000 numbers is parsed once, not at every step."""


class StoredPhone(PhoneNumber):
    """An ``E164`` handed to a PhoneNumberField (a bulk insert, an ``__in`` lookup) as it will be stored: the
    field would parse and validate every value again, most of a bulk insert's time. Any other format is
    computed by the library as usual."""

    def is_valid(self) -> bool:
        return True

    def format_as(self, format: int) -> str:
        if format == phonenumbers.PhoneNumberFormat.E164:
            return self.raw_input
        return phonenumbers.format_number(phonenumbers.parse(self.raw_input), format)


def stored_phone(value: str) -> str | PhoneNumber:
    """``value`` ready for a PhoneNumberField: an ``E164`` without parsing it again, anything else as it is
    (the field parses and validates it)."""
    return StoredPhone(raw_input=str(value)) if isinstance(value, E164) else value


def normalise_phone(raw: str | None) -> str:
    """E.164 form of ``raw`` read in the default region (CN), or "" when it is not a valid number.

    Letters make it invalid: the parser would read ``1380000abcd`` as keypad letters, another number.
    Idempotent: its own answer (an ``E164``) is given back as it is."""
    if isinstance(raw, E164):
        return raw
    if not raw or not str(raw).strip() or has_letters(str(raw)):
        return ""
    text = str(raw).strip()
    if settings.PHONENUMBER_DEFAULT_REGION == "CN" and _CN_MOBILE.fullmatch(text):
        # What the parser gives for these digits, without parsing (a third of an import's check): the number
        # is the digits after +86; the library still says whether it is valid.
        mobile = phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
        return E164("+86" + text) if phonenumbers.is_valid_number(mobile) else ""
    number = to_python(str(raw).strip(), region=settings.PHONENUMBER_DEFAULT_REGION)
    if number is None or not number.is_valid():
        return ""
    return E164(number.as_e164)


def display_phone(value: object) -> str:
    """A phone as people read it: a number of the branch's own region in the national way (139 2700 1234),
    others in the international way; stored and dialled as E.164. One that does not parse is shown as typed.
    Pages use it as the ``phone_display`` filter; texts written for a person (notifications) call it."""
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

"""Phone numbers typed by people, normalised the one way the database stores them (E.164)."""

from __future__ import annotations

import re

from django.conf import settings
from phonenumber_field.phonenumber import to_python

_LETTERS = re.compile(r"[^\W\d_]")


def has_letters(value: str) -> bool:
    return bool(_LETTERS.search(value))


def normalise_phone(raw: str | None) -> str:
    """E.164 form of ``raw`` read in the default region (CN), or "" when it is not a valid number.

    Letters make it invalid: the parser would read ``1380000abcd`` as keypad letters, another number."""
    if not raw or not str(raw).strip() or has_letters(str(raw)):
        return ""
    number = to_python(str(raw).strip(), region=settings.PHONENUMBER_DEFAULT_REGION)
    if number is None or not number.is_valid():
        return ""
    return number.as_e164

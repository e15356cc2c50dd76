"""Phone numbers typed by people, normalised the one way the database stores them (E.164)."""

from __future__ import annotations

from django.conf import settings
from phonenumber_field.phonenumber import to_python


def normalise_phone(raw: str | None) -> str:
    """E.164 form of ``raw`` read in the default region (CN), or "" when it is not a valid number."""
    if not raw or not str(raw).strip():
        return ""
    number = to_python(str(raw).strip(), region=settings.PHONENUMBER_DEFAULT_REGION)
    if number is None or not number.is_valid():
        return ""
    return number.as_e164

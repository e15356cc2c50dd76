"""Sane bounds for what people type: dates in a window, money below a ceiling, names without control characters.

The numbers live in ``settings.CRM`` (``DATE_MIN``, ``DATE_MAX_YEARS_AHEAD``, ``MAX_DEAL_AMOUNT``,
``MAX_NOTE_LENGTH``); forms, serializers and services use these validators, so every door refuses the
same things with the same message.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dates import local_today
from crm.phones import has_letters

# Control characters (Cc: tab, newline, NUL, ESC), format characters (Cf: the bidirectional overrides and
# isolates that reorder what a name shows, "Trojan Source"; zero-width characters; the byte-order mark),
# surrogates, private use, and the line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def date_window() -> tuple[date, date]:
    """The first and the last date anybody may enter or ask for."""
    first = date.fromisoformat(settings.CRM["DATE_MIN"])
    today = local_today()
    years = settings.CRM["DATE_MAX_YEARS_AHEAD"]
    try:
        last = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + years, day=28)
    return first, last


def window_years_pattern() -> str:
    """A regular expression for a ``YYYY-…`` whose year lies in the window, for the API schema of a month
    parameter (the month's first day is what is checked, so every month of those years is in the window).
    Worked out when the schema is made: OpenAPI has no range relative to today."""
    first, last = date_window()
    return "^(" + "|".join(str(year) for year in range(first.year, last.year + 1)) + ")-"


def check_date_in_window(value: date):
    """The message when ``value`` lies outside the window, else None."""
    first, last = date_window()
    if first <= value <= last:
        return None
    return _("Enter a date between %(first)s and %(last)s.") % {"first": first.isoformat(), "last": last.isoformat()}


def validate_date_in_window(value) -> None:
    """Validator for date (and datetime) fields."""
    if value is None:
        return
    day = timezone.localtime(value).date() if hasattr(value, "tzinfo") and hasattr(value, "hour") else value
    if hasattr(day, "hour"):  # a naive datetime
        day = day.date()
    message = check_date_in_window(day)
    if message:
        raise ValidationError(message, code="date_out_of_range")


def max_deal_amount() -> Decimal:
    return Decimal(str(settings.CRM["MAX_DEAL_AMOUNT"]))


def validate_deal_amount(value) -> None:
    """Validator for money fields of one deal (amounts, prices, payments)."""
    if value is not None and abs(Decimal(value)) > max_deal_amount():
        maximum = f"{max_deal_amount():,.2f}"
        raise ValidationError(_("An amount may not exceed %(maximum)s.") % {"maximum": maximum}, code="too_large")


def max_note_length() -> int:
    return settings.CRM["MAX_NOTE_LENGTH"]


def validate_note_length(value) -> None:
    """Validator for notes and other free text."""
    if value and len(value) > max_note_length():
        raise ValidationError(
            _("Write at most %(limit)d characters (this has %(count)d).")
            % {"limit": max_note_length(), "count": len(value)},
            code="too_long",
        )


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in value)


def validate_name(value) -> None:
    """Validator for names (unit, contact, person, territory): no control or direction-changing characters."""
    if value and has_control_characters(str(value)):
        raise ValidationError(
            _("A name may not contain control characters or characters that change the writing direction."),
            code="control_characters",
        )


def validate_phone_without_letters(value) -> None:
    """Validator for phone fields: ``1380000abcd`` is not read as a keypad word (it would become another number)."""
    raw = getattr(value, "raw_input", None) or (value if isinstance(value, str) else "")
    if raw and has_letters(str(raw)):
        raise ValidationError(_("A phone number may not contain letters."), code="phone_letters")

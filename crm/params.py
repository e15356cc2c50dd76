"""The one place where a value typed into an address (``?day=``, ``?month=``, ``?customer=``) is read.

Each reader returns the value, the default when the parameter is absent or empty, or raises
``BadParameter``: an ``ApplicationError`` that the DRF exception handler and the page middleware
(``crm.middleware.ApplicationErrorMiddleware``) turn into a 400 with a message in the user's language.
Dates are held to the window of ``crm.bounds``, so no page computes with year 1 or 9999.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext_lazy as _

from crm.bounds import check_date_in_window
from crm.dates import week_start
from crm.errors import ApplicationError

# Ids in a PostgreSQL integer / bigint column; a larger number finds nothing and must not reach the database.
MAX_ID = 2**63 - 1


class BadParameter(ApplicationError):
    """A parameter of the address has a value that cannot be used."""

    default_message = _("A value in the address is not valid.")

    def __init__(self, name: str, message=None) -> None:
        self.parameter = name
        super().__init__(message, extra={"parameter": name})


def _raw(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _in_window(name: str, value: date) -> date:
    error = check_date_in_window(value)
    if error:
        raise BadParameter(name, error)
    return value


def date_param(params: Mapping[str, str], name: str, *, default: date | None = None) -> date | None:
    """``YYYY-MM-DD``; ``default`` when absent or empty."""
    raw = _raw(params, name)
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": raw[:40]}) from None
    return _in_window(name, value)


def month_param(params: Mapping[str, str], name: str, *, default: date | None = None) -> date | None:
    """The first day of a month written ``YYYY-MM`` (or any ``YYYY-MM-DD`` in it); ``default`` when absent."""
    raw = _raw(params, name)
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw) if len(raw) > 7 else date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise BadParameter(name, _("“%(value)s” is not a month in the form YYYY-MM.") % {"value": raw[:40]}) from None
    return _in_window(name, value.replace(day=1))


def week_param(params: Mapping[str, str], name: str, *, default: date | None = None) -> date | None:
    """The Monday of the week containing a ``YYYY-MM-DD``; ``default`` when absent."""
    value = date_param(params, name)
    if value is None:
        return default
    return _in_window(name, week_start(value))


def id_param(params: Mapping[str, str], name: str) -> int | None:
    """A positive whole number (an object's id); None when absent or empty."""
    raw = _raw(params, name)
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise BadParameter(name, _("“%(value)s” is not a valid id.") % {"value": raw[:40]})
    return int(raw)


def page_param(params: Mapping[str, str], name: str = "page") -> int | None:
    """A page number as a whole number (a page before the first or past the last is the nearest one, as
    Django's ``Paginator.get_page`` reads it); None when absent or empty."""
    raw = _raw(params, name)
    if not raw:
        return None
    digits = raw.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise BadParameter(name, _("“%(value)s” is not a page number.") % {"value": raw[:40]})
    return int(raw)


def number_param(
    params: Mapping[str, str],
    name: str,
    *,
    minimum: float,
    maximum: float,
    default: float | None = None,
    out_of_range=None,
) -> float | None:
    """A finite decimal number between ``minimum`` and ``maximum``; ``default`` when absent or empty.
    ``out_of_range``: the message for a number outside them (it may name ``%(minimum)s``/``%(maximum)s``)."""
    raw = _raw(params, name)
    if not raw:
        return default
    try:
        value = float(raw) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadParameter(name, _("“%(value)s” is not a number.") % {"value": raw[:40]})
    if not minimum <= value <= maximum:
        message = out_of_range or _("“%(value)s” must lie between %(minimum)s and %(maximum)s.")
        raise BadParameter(name, message % {"value": raw[:40], "minimum": f"{minimum:g}", "maximum": f"{maximum:g}"})
    return value


def whole_number_param(
    params: Mapping[str, str], name: str, *, minimum: int, maximum: int, default: int | None = None, out_of_range=None
) -> int | None:
    """A whole number between ``minimum`` and ``maximum``; ``default`` when absent or empty."""
    raw = _raw(params, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 20:
        raise BadParameter(name, _("“%(value)s” is not a whole number.") % {"value": raw[:40]})
    value = int(raw)
    if not minimum <= value <= maximum:
        message = out_of_range or _("“%(value)s” must lie between %(minimum)s and %(maximum)s.")
        raise BadParameter(name, message % {"value": raw[:40], "minimum": minimum, "maximum": maximum})
    return value

"""The maps' own address parameters: ``bbox`` and ``limit`` (the others are crm.params and the list's filters).

The API schema states the same patterns (visits.map.api), so what the schema admits is exactly what is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.params import BadParameter
from visits.map.selectors import BoundingBox

_NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,15})?"
# west,south,east,north in degrees, as GeoJSON orders a bbox; at most three digits before the point.
BBOX_PATTERN = rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"
BBOX_HELP = _("Four numbers: west,south,east,north (longitude, latitude, longitude, latitude in degrees).")


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def bbox_param(params: Mapping[str, str], name: str = "bbox") -> BoundingBox | None:
    """The box on screen; None when absent. A map zoomed far out asks for more than the world: values beyond
    it are clamped, and a box given the wrong way round is turned round. Not four numbers: BadParameter."""
    raw = params.get(name)
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw:
        return None
    if not re.fullmatch(BBOX_PATTERN, raw):
        raise BadParameter(name, BBOX_HELP)
    west, south, east, north = (float(part) for part in raw.split(","))
    west, east = sorted((_clamp(west, -180, 180), _clamp(east, -180, 180)))
    south, north = sorted((_clamp(south, -90, 90), _clamp(north, -90, 90)))
    return BoundingBox(west=west, south=south, east=east, north=north)


def limit_param(params: Mapping[str, str], name: str = "limit") -> int:
    """How many markers at most: settings.CRM["MAP_FEATURE_LIMIT"] when absent, at most
    MAP_FEATURE_LIMIT_MAX; anything else is a BadParameter."""
    raw = params.get(name)
    raw = raw.strip() if isinstance(raw, str) else ""
    maximum = settings.CRM["MAP_FEATURE_LIMIT_MAX"]
    if not raw:
        return min(settings.CRM["MAP_FEATURE_LIMIT"], maximum)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= maximum):
        raise BadParameter(name, _("Enter a whole number from 1 to %(maximum)d.") % {"maximum": maximum})
    return int(raw)

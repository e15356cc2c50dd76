"""Positions on the earth: WGS-84 ⇄ GCJ-02, and what a believable position is. Pure functions, no database.

Phones (the browser's Geolocation API) and our database speak WGS-84. Maps of mainland China drawn by
Amap 高德 (and Tencent, Google's China tiles) are in GCJ-02 ("Mars coordinates" 火星坐标), WGS-84 moved by
a published, deliberately irregular formula by a few hundred metres; 天地图 Tianditu draws in CGCS2000,
within a metre of WGS-84 (no shift). A marker is shown in the tiles' datum and a pin dragged on them is
brought back to WGS-84 before it is stored; both ways go through this module only.

The forward formula is the public one (the same constants as the eviltransform and coordtransform
projects). It has no closed inverse: ``gcj02_to_wgs84`` iterates the forward formula until it lands on the
point given, to well under a millimetre (the stored positions have six decimals, about 0.1 m).
Outside China (a rectangle around it, as those projects use) nothing moves.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

WGS84 = "wgs84"
GCJ02 = "gcj02"
DATUMS = (WGS84, GCJ02)

# Krasovsky 1940, as the GCJ-02 formula uses it.
_SEMI_MAJOR_AXIS = 6378245.0
_ECCENTRICITY_SQUARED = 0.00669342162296594323
# Iteration of the inverse: stop when the forward image is this close to the point given (degrees, ~1 mm).
_INVERSE_TOLERANCE = 1e-8
_INVERSE_MAX_STEPS = 30
# Six decimals: how positions are stored (DecimalField(max_digits=9, decimal_places=6)), about 0.1 m.
QUANTUM = Decimal("0.000001")


def in_china(latitude: float, longitude: float) -> bool:
    """Inside the rectangle where the GCJ-02 shift applies (the bounds the reference projects use)."""
    return 72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271


def _shift(x: float, y: float) -> tuple[float, float]:
    """The formula's offsets in metres-like units, for x = longitude - 105, y = latitude - 35."""
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return lat, lng


def _delta(latitude: float, longitude: float) -> tuple[float, float]:
    """GCJ-02 minus WGS-84 at a WGS-84 point, in degrees."""
    d_lat, d_lng = _shift(longitude - 105.0, latitude - 35.0)
    rad_lat = latitude / 180.0 * math.pi
    magic = 1 - _ECCENTRICITY_SQUARED * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_SEMI_MAJOR_AXIS * (1 - _ECCENTRICITY_SQUARED)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_SEMI_MAJOR_AXIS / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """Where a WGS-84 point is drawn on GCJ-02 tiles (Amap). Outside China: the same point."""
    latitude, longitude = float(latitude), float(longitude)
    if not in_china(latitude, longitude):
        return latitude, longitude
    d_lat, d_lng = _delta(latitude, longitude)
    return latitude + d_lat, longitude + d_lng


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """The WGS-84 point that GCJ-02 tiles draw at (latitude, longitude): the forward formula inverted by
    fixed-point iteration (the shift changes by millimetres over its own size, so each step gains about
    four decimals; three steps reach the tolerance). Outside China: the same point."""
    latitude, longitude = float(latitude), float(longitude)
    if not in_china(latitude, longitude):
        return latitude, longitude
    wgs_lat, wgs_lng = latitude, longitude
    for _step in range(_INVERSE_MAX_STEPS):
        gcj_lat, gcj_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        miss_lat, miss_lng = gcj_lat - latitude, gcj_lng - longitude
        if abs(miss_lat) < _INVERSE_TOLERANCE and abs(miss_lng) < _INVERSE_TOLERANCE:
            break
        wgs_lat, wgs_lng = wgs_lat - miss_lat, wgs_lng - miss_lng
    return wgs_lat, wgs_lng


def from_wgs84(latitude: float, longitude: float, *, datum: str) -> tuple[float, float]:
    """A stored (WGS-84) position in the datum of the tiles it is drawn on."""
    if datum == GCJ02:
        return wgs84_to_gcj02(latitude, longitude)
    if datum == WGS84:
        return float(latitude), float(longitude)
    raise ValueError(f"unknown datum {datum!r}")


def to_wgs84(latitude: float, longitude: float, *, datum: str) -> tuple[float, float]:
    """A position read off tiles of ``datum`` (a dragged pin), in WGS-84 for storing."""
    if datum == GCJ02:
        return gcj02_to_wgs84(latitude, longitude)
    if datum == WGS84:
        return float(latitude), float(longitude)
    raise ValueError(f"unknown datum {datum!r}")


# --- what a believable position is ------------------------------------------------------------------


class InvalidPosition(ValueError):
    """Not a point on the globe: a coordinate missing, not a number, infinite, or out of range."""


def parse_position(latitude: object, longitude: object) -> tuple[Decimal, Decimal]:
    """Both coordinates as stored (six decimals), each a finite number within -90..90 and -180..180;
    otherwise ``InvalidPosition``. Accepts numbers and their text (a form's or a JSON body's)."""
    if latitude is None or longitude is None or isinstance(latitude, bool) or isinstance(longitude, bool):
        raise InvalidPosition
    try:
        lat, lng = Decimal(str(latitude).strip()), Decimal(str(longitude).strip())
    except (InvalidOperation, ValueError, TypeError) as error:
        raise InvalidPosition from error
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidPosition
    return lat.quantize(QUANTUM), lng.quantize(QUANTUM)

"""Distances on the earth for check-ins: pure functions, no database."""

from __future__ import annotations

import math
from decimal import Decimal

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: Decimal | float, lon1: Decimal | float, lat2: Decimal | float, lon2: Decimal | float) -> int:
    """Great-circle distance in whole metres between two WGS-84 points (ample for a check-in)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))))


def order_nearest(
    points: list[tuple[int, float | None, float | None]], *, start: tuple[float, float] | None = None
) -> list[tuple[int, int | None]]:
    """Order stops by nearest neighbour from ``start`` (or from the first located stop).

    ``points`` are (key, latitude, longitude); stops without a location keep their order at the end.
    Returns (key, metres from the previous stop or None). Quadratic, for a day's dozen stops.
    """
    located = [(key, float(lat), float(lon)) for key, lat, lon in points if lat is not None and lon is not None]
    unlocated = [key for key, lat, lon in points if lat is None or lon is None]
    ordered: list[tuple[int, int | None]] = []
    here = start
    if here is None and located:
        key, lat, lon = located.pop(0)
        ordered.append((key, None))
        here = (lat, lon)
    while located:
        index, leg = min(
            ((i, haversine_m(here[0], here[1], lat, lon)) for i, (_key, lat, lon) in enumerate(located)),
            key=lambda pair: pair[1],
        )
        key, lat, lon = located.pop(index)
        ordered.append((key, leg))
        here = (lat, lon)
    return ordered + [(key, None) for key in unlocated]


def navigation_links(latitude: Decimal | float, longitude: Decimal | float, name: str) -> dict[str, str]:
    """Links that open the phone's navigation app at a point: Amap, Baidu and Apple Maps. No tiles.

    Coordinates are used as stored (the browser's WGS-84); both Chinese apps accept them with the
    coordinate-system parameter.
    """
    from urllib.parse import urlencode

    lat, lon = f"{float(latitude):.6f}", f"{float(longitude):.6f}"
    amap = urlencode({"position": f"{lon},{lat}", "name": name, "coordinate": "wgs84", "callnative": 1})
    baidu = urlencode(
        {
            "location": f"{lat},{lon}",
            "title": name,
            "content": name,
            "output": "html",
            "coord_type": "wgs84",
            "src": "webapp.crm.field",
        }
    )
    apple = urlencode({"ll": f"{lat},{lon}", "q": name})
    return {
        "amap": f"https://uri.amap.com/marker?{amap}",
        "baidu": f"https://api.map.baidu.com/marker?{baidu}",
        "apple": f"https://maps.apple.com/?{apple}",
    }

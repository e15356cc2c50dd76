"""Distances on the earth for check-ins and the order of a day's stops: pure functions, no database."""

from __future__ import annotations

import itertools
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


# --- the order of a day's stops -----------------------------------------------------------------
#
# An open path through the stops (the day ends at the last one, not back at the start), from the phone's
# position when there is one, else from whichever end is shorter. Local search of our own, about 100 lines:
# 2-opt (reverse a stretch) and or-opt (move a run of 1-3 stops, either way round) from several
# nearest-neighbour starts. At 20 stops it lands within 5 % of the optimum (bench/route_order.py measures
# the gap against Held-Karp's exact answer; tests/visits/test_route_order.py checks it at 10 stops).
# A solver library (OR-Tools) would be 30 MB of wheels for a dozen stops a day.

_IMPROVEMENT = 1e-6  # metres: smaller changes are rounding, not a shorter route
# Nearest-neighbour starts (every stop of a full day); each ends in a local optimum, the shortest is kept.
ROUTE_STARTS = 24


def distance_matrix(coordinates: list[tuple[float, float]]) -> list[list[float]]:
    """Great-circle metres between every pair, unrounded (the solver compares sums of them)."""
    radians = [(math.radians(lat), math.radians(lon)) for lat, lon in coordinates]
    cosines = [math.cos(phi) for phi, _ in radians]
    matrix = [[0.0] * len(radians) for _ in radians]
    for i, (phi1, lambda1) in enumerate(radians):
        for j in range(i + 1, len(radians)):
            phi2, lambda2 = radians[j]
            a = math.sin((phi2 - phi1) / 2) ** 2 + cosines[i] * cosines[j] * math.sin((lambda2 - lambda1) / 2) ** 2
            matrix[i][j] = matrix[j][i] = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
    return matrix


def path_length(path: list[int], dist: list[list[float]], *, start: int | None = None) -> float:
    """Length of the open path (from ``start`` when given)."""
    stops = ([start] if start is not None else []) + path
    return sum(dist[a][b] for a, b in itertools.pairwise(stops))


def shortest_open_path(dist: list[list[float]], *, start: int | None = None, starts: int = ROUTE_STARTS) -> list[int]:
    """A short open path through every node of ``dist`` except ``start``, beginning at ``start`` if given.

    Deterministic: the same matrix gives the same path. Quadratic per improving pass; a day's stops take
    milliseconds.
    """
    nodes = [node for node in range(len(dist)) if node != start]
    if len(nodes) <= 1:
        return nodes
    # The path is closed into a cycle through an "outside" node at distance 0 from every stop, so both
    # ends are free; with a fixed start the cycle reads outside -> start -> ..., and neither moves.
    outside = len(dist)
    d = [[*row, 0.0] for row in dist] + [[0.0] * (len(dist) + 1)]
    fixed = [outside] if start is None else [outside, start]
    best: list[int] | None = None
    best_length = math.inf
    for first in _first_stops(d, nodes, start, starts):
        tour = fixed + _nearest_neighbour(d, nodes, first)
        _improve(tour, d, len(fixed))
        length = sum(d[a][b] for a, b in itertools.pairwise(tour))
        if length < best_length - _IMPROVEMENT:
            best, best_length = tour[len(fixed) :], length
    assert best is not None  # at least one start was tried
    return best


def _first_stops(d: list[list[float]], nodes: list[int], start: int | None, starts: int) -> list[int]:
    """Where the nearest-neighbour walks begin: the stops nearest the start (or spread over the stops)."""
    if start is not None:
        return sorted(nodes, key=lambda node: (d[start][node], node))[:starts]
    if len(nodes) <= starts:
        return nodes
    step = len(nodes) / starts
    return [nodes[int(k * step)] for k in range(starts)]


def _nearest_neighbour(d: list[list[float]], nodes: list[int], first: int) -> list[int]:
    left = [node for node in nodes if node != first]
    path = [first]
    while left:
        here = d[path[-1]]
        index = min(range(len(left)), key=lambda k: (here[left[k]], left[k]))
        path.append(left.pop(index))
    return path


def _improve(tour: list[int], d: list[list[float]], fixed: int) -> None:
    """2-opt and or-opt moves on the closed ``tour`` until neither shortens it; the first ``fixed`` nodes
    stay where they are (the outside node, the start)."""
    while _two_opt(tour, d, fixed) | _or_opt(tour, d, fixed):
        pass


def _two_opt(tour: list[int], d: list[list[float]], fixed: int) -> bool:
    m = len(tour)
    improved = False
    for i in range(fixed - 1, m - 2):
        for j in range(i + 2, m):
            a, b, c, e = tour[i], tour[i + 1], tour[j], tour[(j + 1) % m]
            if e == a:
                continue
            if d[a][c] + d[b][e] - d[a][b] - d[c][e] < -_IMPROVEMENT:
                tour[i + 1 : j + 1] = tour[i + 1 : j + 1][::-1]
                improved = True
    return improved


def _or_opt(tour: list[int], d: list[list[float]], fixed: int) -> bool:
    improved = False
    for size in (1, 2, 3):
        i = fixed
        while i + size <= len(tour):
            if _move_segment(tour, d, fixed, i, size):
                improved = True
            i += 1
    return improved


def _move_segment(tour: list[int], d: list[list[float]], fixed: int, i: int, size: int) -> bool:
    """Move tour[i:i+size] to where it shortens the tour most (either way round), if anywhere."""
    m = len(tour)
    segment = tour[i : i + size]
    before, after = tour[i - 1], tour[(i + size) % m]
    first, last = segment[0], segment[-1]
    gain = d[before][first] + d[last][after] - d[before][after]
    rest = tour[:i] + tour[i + size :]
    best_change, best_at, best_reversed = -_IMPROVEMENT, -1, False
    for k in range(fixed, len(rest) + 1):
        if k == i:
            continue
        x, y = rest[k - 1], rest[k % len(rest)]
        base = d[x][y]
        forward = d[x][first] + d[last][y] - base - gain
        backward = d[x][last] + d[first][y] - base - gain
        if forward < best_change:
            best_change, best_at, best_reversed = forward, k, False
        if backward < best_change:
            best_change, best_at, best_reversed = backward, k, True
    if best_at < 0:
        return False
    moved = segment[::-1] if best_reversed else segment
    tour[:] = rest[:best_at] + moved + rest[best_at:]
    return True


def order_route(
    points: list[tuple[int, float | Decimal | None, float | Decimal | None]],
    *,
    start: tuple[float, float] | None = None,
) -> list[tuple[int, int | None]]:
    """The day's stops in a short visiting order (``shortest_open_path``), from ``start`` when given.

    ``points`` are (key, latitude, longitude); stops without a location follow at the end in their given
    order. Returns (key, whole metres from the previous stop, or from ``start``; None for the first stop
    without a start and for stops without a location), as ``order_nearest`` does.
    """
    located = [(key, float(lat), float(lon)) for key, lat, lon in points if lat is not None and lon is not None]
    unlocated = [key for key, lat, lon in points if lat is None or lon is None]
    coordinates = [(lat, lon) for _key, lat, lon in located]
    if start is not None:
        coordinates.append((float(start[0]), float(start[1])))
    dist = distance_matrix(coordinates)
    origin = len(located) if start is not None else None
    path = shortest_open_path(dist, start=origin)
    ordered: list[tuple[int, int | None]] = []
    previous = (float(start[0]), float(start[1])) if start is not None else None
    for node in path:
        key, lat, lon = located[node]
        ordered.append((key, haversine_m(previous[0], previous[1], lat, lon) if previous is not None else None))
        previous = (lat, lon)
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

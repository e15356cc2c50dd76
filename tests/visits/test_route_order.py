"""The route order of a day's stops (visits.geo.order_route): within 5 % of the shortest open path, checked
against the exact optimum (Held-Karp) at 10 stops; the 20-stop measurement is bench/route_order.py."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from visits.geo import distance_matrix, haversine_m, order_route, path_length, shortest_open_path

# Foshan, 南海: a day's stops within about 10 km.
CENTRE = (23.03, 113.14)


def held_karp(dist: list[list[float]], start: int | None = None) -> float:
    """The exact length of the shortest open path through every node but ``start`` (from it, if given)."""
    nodes = [node for node in range(len(dist)) if node != start]
    n = len(nodes)
    best = [[math.inf] * n for _ in range(1 << n)]
    for j, node in enumerate(nodes):
        best[1 << j][j] = dist[start][node] if start is not None else 0.0
    for mask in range(1, 1 << n):
        row = best[mask]
        for j in range(n):
            if row[j] == math.inf:
                continue
            for k in range(n):
                if mask >> k & 1:
                    continue
                length = row[j] + dist[nodes[j]][nodes[k]]
                if length < best[mask | 1 << k][k]:
                    best[mask | 1 << k][k] = length
    return min(best[(1 << n) - 1])


def random_points(rng: random.Random, count: int) -> list[tuple[float, float]]:
    return [(CENTRE[0] + rng.uniform(-0.09, 0.09), CENTRE[1] + rng.uniform(-0.09, 0.09)) for _ in range(count)]


def test_held_karp_is_the_brute_force_optimum():
    """The reference itself, against every order of 7 stops."""
    rng = random.Random(7)
    points = random_points(rng, 8)
    dist = distance_matrix(points)
    stops = range(7)

    brute_free = min(path_length(list(order), dist) for order in itertools.permutations(stops))
    brute_from_start = min(path_length(list(order), dist, start=7) for order in itertools.permutations(stops))

    assert held_karp([row[:7] for row in dist[:7]]) == pytest.approx(brute_free)
    assert held_karp(dist, start=7) == pytest.approx(brute_from_start)


@pytest.mark.parametrize("with_start", [False, True], ids=["free ends", "from the phone"])
def test_ten_stops_are_within_five_percent_of_the_optimum(with_start):
    rng = random.Random(2026)
    gaps = []
    for _day in range(15):
        points = random_points(rng, 11 if with_start else 10)
        dist = distance_matrix(points)
        start = 10 if with_start else None

        path = shortest_open_path(dist, start=start)

        assert sorted(path) == list(range(10))
        gaps.append(path_length(path, dist, start=start) / held_karp(dist, start) - 1)
    assert max(gaps) <= 0.05


def test_from_the_middle_of_a_street_the_short_end_comes_first():
    """Stops along one street, the phone between the second and third: west to the near end first, then
    east to the far one (12 km in all); east first and back would be 18 km."""
    points = [(1, 23.000, 113.10), (2, 23.000, 113.11), (3, 23.000, 113.13), (4, 23.000, 113.16), (5, 23.000, 113.20)]

    ordered = order_route(points, start=(23.000, 113.12))

    assert [key for key, _leg in ordered] == [2, 1, 3, 4, 5]
    assert [leg for _key, leg in ordered] == [
        haversine_m(23.0, 113.12, 23.0, 113.11),
        haversine_m(23.0, 113.11, 23.0, 113.10),
        haversine_m(23.0, 113.10, 23.0, 113.13),
        haversine_m(23.0, 113.13, 23.0, 113.16),
        haversine_m(23.0, 113.16, 23.0, 113.20),
    ]


def test_stops_without_a_location_come_last_in_their_order_and_the_first_leg_without_a_start_is_none():
    points = [(7, None, None), (1, 23.00, 113.10), (3, None, None), (2, 23.00, 113.11)]

    assert order_route(points) in (
        [(1, None), (2, 1024), (7, None), (3, None)],
        [(2, None), (1, 1024), (7, None), (3, None)],
    )
    assert order_route([(7, None, None)]) == [(7, None)]
    assert order_route([]) == []


def test_the_same_stops_give_the_same_order():
    rng = random.Random(3)
    points = [(key, lat, lon) for key, (lat, lon) in enumerate(random_points(rng, 18))]

    assert order_route(points) == order_route(list(points))

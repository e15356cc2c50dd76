"""How far the route order of a day's stops (visits.geo.shortest_open_path) is from the shortest.

For each of N random days of 20 stops within 10 km (half of them from a start point, as when the phone
gives its position), the exact shortest open path by Held-Karp's dynamic programme over subsets
(vectorised with numpy: 2^20 x 20 states, a few seconds each) against ours. Prints the mean, median and
worst gap and how many days are within 5 %. Not part of `make bench` (no database); run it by hand:

    .venv/bin/python bench/route_order.py --days 50 --stops 20

The fast check at 10 stops is tests/visits/test_route_order.py.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visits.geo import distance_matrix, path_length, shortest_open_path

# Foshan, 南海: the days are drawn within about 10 km of here.
CENTRE = (23.0300, 113.1400)
SPREAD = 0.09  # degrees


def held_karp(dist: np.ndarray, start: int | None = None) -> float:
    """The exact length of the shortest open path through every node but ``start`` (from ``start`` if given).

    best[mask, j]: the shortest path through the nodes of ``mask`` ending at j. Layers by subset size, so
    every mask one node smaller is done before it is read.
    """
    nodes = [node for node in range(len(dist)) if node != start]
    n = len(nodes)
    d = dist[np.ix_(nodes, nodes)].astype(np.float64)
    full = 1 << n
    best = np.full((full, n), np.inf)
    for j in range(n):
        best[1 << j, j] = dist[start, nodes[j]] if start is not None else 0.0
    masks = np.arange(full)
    popcount = np.zeros(full, dtype=np.int64)
    for j in range(n):
        popcount += (masks >> j) & 1
    for size in range(2, n + 1):
        layer = masks[popcount == size]
        for j in range(n):
            ending = layer[(layer >> j) & 1 == 1]
            before = ending ^ (1 << j)
            # best[before, i] + d[i, j], i outside ``before`` being inf already
            best[ending, j] = np.min(best[before] + d[:, j], axis=1)
    return float(best[full - 1].min())


def random_day(rng: random.Random, stops: int, *, with_start: bool) -> tuple[list[list[float]], int | None]:
    points = [
        (CENTRE[0] + rng.uniform(-SPREAD, SPREAD), CENTRE[1] + rng.uniform(-SPREAD, SPREAD)) for _ in range(stops)
    ]
    if with_start:
        points.append((CENTRE[0] + rng.uniform(-SPREAD, SPREAD), CENTRE[1] + rng.uniform(-SPREAD, SPREAD)))
    return distance_matrix(points), (stops if with_start else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--stops", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data
    gaps, ours_ms = [], []
    for day in range(args.days):
        dist, start = random_day(rng, args.stops, with_start=day % 2 == 1)
        began = time.perf_counter()
        path = shortest_open_path(dist, start=start)
        ours_ms.append((time.perf_counter() - began) * 1000)
        ours = path_length(path, dist, start=start)
        optimum = held_karp(np.array(dist), start)
        gaps.append(ours / optimum - 1)
        print(f"day {day + 1:3d}: ours {ours:9.0f} m, optimum {optimum:9.0f} m, gap {gaps[-1]:6.2%}", flush=True)
    within = sum(gap <= 0.05 for gap in gaps)
    print(
        f"\n{args.days} days of {args.stops} stops: gap mean {statistics.mean(gaps):.2%}, "
        f"median {statistics.median(gaps):.2%}, worst {max(gaps):.2%}; optimal {sum(gap < 1e-9 for gap in gaps)}, "
        f"within 5 %: {within}/{args.days}; "
        f"our solver {statistics.mean(ours_ms):.1f} ms mean, {max(ours_ms):.1f} ms worst"
    )
    return 0 if within == args.days else 1


if __name__ == "__main__":
    raise SystemExit(main())

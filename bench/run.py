"""make bench: server time and SQL queries of pages and jobs, against PostgreSQL and the large data set.

1. makes sure the database (default crm_bench on 127.0.0.1) exists and is migrated;
2. loads the data set with `manage.py seed_scale` unless it is already there (when the
   command does not exist yet, says so and loads the small demo instead, so the pages have users);
3. runs each case of bench/cases.py in-process with Django's test client in production mode
   (DEBUG off, HTTPS as behind the proxy): the SQL query count of one request, then p50/p95
   over --requests requests; each job once, timed;
3b. beside each figure, the time of its SQL alone: every query's execution (psycopg2 fetches the rows
   in ``execute``, so this is the database's answer, transfer included), summed per request through a
   ``connection.execute_wrapper``; the ratio page / SQL (p50 of each) says how much of a page is Python.
   A page over RATIO_FINDING (3×) its SQL time is listed as a finding under the table;
4. writes bench/results.json and bench/results.md; exits 1 if a figure is over its budget.

Not part of `make test`: speed is measured here, never asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
RATIO_FINDING = 3.0  # a page spending more than this many times its SQL time: Python is the cost


class SqlClock:
    """``connection.execute_wrapper``: the wall time of every query executed, summed."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000


def production_environment(database_url: str) -> None:
    """Settings as in production, read by crm/settings.py; set before Django starts."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


def ensure_database(database_url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    connection = psycopg2.connect(
        dbname="postgres", user=url.username, password=url.password, host=url.hostname, port=url.port or 5432
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"creating database {name}")
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def prepare(database_url: str) -> None:
    """Database, schema, static files (the manifest production templates need) and data."""
    if database_url.startswith("postgres"):
        ensure_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command, get_commands

    from bench.cases import scale_data_loaded

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if scale_data_loaded():
        print("data set already loaded")
        # Positions came after the data set: a set loaded before gets them now (nothing to do otherwise).
        call_command("seed_scale_positions")
    elif "seed_scale" in get_commands():
        # DESIGN.md §5: 200 salespeople, 200,000 customers, 2,000,000 visits, 100,000 ledger entries.
        print("loading the large data set (once): customers, then visits, then the ledger")
        call_command("seed_scale")
        call_command("seed_scale_visits", visits=2_000_000, no_benchmark=True)
        call_command("seed_scale_ledger", entries=100_000)
    else:
        print(
            "manage.py seed_scale does not exist yet: the large data set is NOT loaded; "
            "loading the demo organisation instead, so the figures below are for a tiny data set"
        )
        call_command("seed_demo", if_empty=True, force=True)
    analyze_if_needed()


def analyze_if_needed() -> None:
    """``VACUUM ANALYZE`` the database when a table was loaded and never analyzed since. Without it PostgreSQL
    plans blind (no row counts, no visibility map: an index-only scan reads the table anyway), and where the
    server runs without autovacuum, as here (``SHOW autovacuum`` = off), nothing else ever does it: the visible
    deal ids read 43,974 buffers in 245 ms on the freshly seeded set, 3,149 buffers in 58-95 ms once analyzed."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE n_live_tup + n_mod_since_analyze > 1000 "
            "AND coalesce(last_analyze, last_autoanalyze) IS NULL"
        )
        (never_analyzed,) = cursor.fetchone()
        if never_analyzed:
            print(f"VACUUM ANALYZE: {never_analyzed} loaded tables were never analyzed")
            started = time.perf_counter()
            cursor.execute("VACUUM ANALYZE")
            print(f"VACUUM ANALYZE took {time.perf_counter() - started:.0f} s")


def _user(who: str | None):
    from crm.models import User

    if who is None:
        return None
    if who in User.Role.values:
        return User.objects.filter(role=who, is_active=True).order_by("username").first()
    return User.objects.filter(username=who).first()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(fraction * 100) - 1]


def measure_page(case, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result = {"kind": "page", "name": case.name, "url": case.url, "user": case.user, "budget_ms": case.budget_ms}
    result["max_queries"] = case.max_queries
    client = Client(secure=True, headers={"X-Forwarded-Proto": "https"})  # as the proxy sends it
    if case.user is not None:
        user = _user(case.user)
        if user is None:
            return {**result, "error": f"no user {case.user!r} in the data set"}
        client.force_login(user)
        result["username"] = user.username
    client.get(case.url)  # warm caches, templates and the connection
    with CaptureQueriesContext(connection) as queries:
        response = client.get(case.url)
    result.update(status=response.status_code, queries=len(queries))
    if response.status_code != 200:
        return {**result, "error": f"answered {response.status_code}"}
    samples, sql_samples = [], []
    for _ in range(requests):
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            client.get(case.url)
            samples.append((time.perf_counter() - started) * 1000)
        sql_samples.append(clock.ms)
    result.update(requests=requests, p50_ms=round(percentile(samples, 0.50), 1))
    result["p95_ms"] = round(percentile(samples, 0.95), 1)
    result["sql_p50_ms"] = round(percentile(sql_samples, 0.50), 1)
    result["ratio"] = _ratio(result["p50_ms"], result["sql_p50_ms"])
    return result


def _ratio(total_ms: float, sql_ms: float) -> float | None:
    return round(total_ms / sql_ms, 1) if sql_ms > 0 else None


def measure_job(case) -> dict:
    from django.db import connection

    if case.reset is not None:
        case.reset()
    clock = SqlClock()
    with connection.execute_wrapper(clock):
        started = time.perf_counter()
        outcome = case.run()
        elapsed = (time.perf_counter() - started) * 1000
    result = {"kind": "job", "name": case.name, "budget_ms": case.budget_ms, "ms": round(elapsed, 1)}
    result.update(sql_ms=round(clock.ms, 1), ratio=_ratio(elapsed, clock.ms), result=outcome)
    return result


def findings(results: list[dict]) -> list[str]:
    """Pages and jobs that spend more than RATIO_FINDING times their SQL time (the rest is Python)."""
    lines = []
    for result in results:
        ratio = result.get("ratio")
        if ratio is None or ratio <= RATIO_FINDING:
            continue
        total = result["p50_ms"] if result["kind"] == "page" else result["ms"]
        sql = result["sql_p50_ms"] if result["kind"] == "page" else result["sql_ms"]
        lines.append(
            f"- {result['name']}: {total} ms, of which SQL {sql} ms ({ratio}×): "
            f"{round(total - sql, 1)} ms in Python (templates, forms, serialisers, the ORM building rows)"
        )
    return lines


def bulk_lines(results: list[dict]) -> list[str]:
    """The bulk jobs (bench/bulk.py: exports and imports) by their rows per second and memory, from the dict
    each returns; nothing when none ran."""
    bulk = [r for r in results if r["kind"] == "job" and isinstance(r.get("result"), dict)]
    if not bulk:
        return []
    lines = [
        "",
        "## Bulk jobs: rows per second (issue #24: exports 10,000, import commits 5,000) and memory",
        "",
        "| case | rows | rows/s | dry run rows/s | commit rows/s | peak RSS MB (growth) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in bulk:
        outcome = result["result"]
        rows = outcome.get("rows", outcome.get("created", ""))
        lines.append(
            f"| {result['name']} | {rows} | {outcome.get('rows_per_s', '')} | "
            f"{outcome.get('dry_run_rows_per_s', '')} | {outcome.get('commit_rows_per_s', '')} | "
            f"{outcome.get('peak_rss_mb', '')} (+{outcome.get('peak_rss_delta_mb', '')}) |"
        )
    return lines


def verdict(result: dict) -> bool:
    if "error" in result:
        return False
    if result["kind"] == "job":
        return result["ms"] <= result["budget_ms"]
    within_queries = result["max_queries"] is None or result["queries"] <= result["max_queries"]
    return within_queries and result["p95_ms"] <= result["budget_ms"]


def markdown(results: list[dict], header: str) -> str:
    lines = [
        "# Benchmark",
        "",
        header,
        "",
        "| case | kind | SQL queries (max) | p50 ms | p95 ms (budget) | SQL p50 ms | page / SQL | verdict |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        mark = "ok" if result["ok"] else f"**over** {result.get('error', '')}".strip()
        ratio = f"{result['ratio']}×" if result.get("ratio") is not None else ""
        if result["kind"] == "job":
            lines.append(
                f"| {result['name']} | job | | | {result['ms']} ({result['budget_ms']:g}) | {result['sql_ms']} | "
                f"{ratio} | {mark} |"
            )
            continue
        queries = f"{result.get('queries', '')} ({result['max_queries'] if result['max_queries'] is not None else '-'})"
        lines.append(
            f"| {result['name']} `{result['url']}` | page | {queries} | {result.get('p50_ms', '')} | "
            f"{result.get('p95_ms', '')} ({result['budget_ms']:g}) | {result.get('sql_p50_ms', '')} | {ratio} | "
            f"{mark} |"
        )
    lines += bulk_lines(results)
    found = findings(results)
    lines += ["", f"## Findings: more than {RATIO_FINDING:g}× the SQL time", ""]
    lines += found or ["None."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument("--output", type=Path, default=ROOT / "bench", help="folder for results.json/.md")
    args = parser.parse_args()

    production_environment(args.database_url)
    prepare(args.database_url)
    from bench.cases import JOBS, PAGES, scale_data_loaded
    from crm.startup import settle_after_startup

    settle_after_startup()  # as a gunicorn worker does before its first request (deploy/gunicorn.conf.py)

    pages = [case for case in PAGES if not args.only or args.only in case.name]
    jobs = [case for case in JOBS if not args.only or args.only in case.name]
    results = [measure_page(case, args.requests) for case in pages] + [measure_job(case) for case in jobs]
    for result in results:
        result["ok"] = verdict(result)

    data_set = "large data set (seed_scale)" if scale_data_loaded() else "demo data only: seed_scale not loaded"
    database = urlparse(args.database_url).path.lstrip("/")
    header = f"Database `{database}`, {data_set}, {args.requests} requests per page."
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(
        json.dumps({"data_set": data_set, "results": results}, indent=2, ensure_ascii=False, default=str)
    )
    (args.output / "results.md").write_text(markdown(results, header))
    print(markdown(results, header))
    return 0 if all(result["ok"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())

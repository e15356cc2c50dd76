"""make load: 200 simulated people following the four roles' day for 5 minutes against two gunicorn
instances behind nginx (round-robin), through PgBouncer in transaction mode, with production settings.

Prepares the database as `make bench` does (the branch-scale data set in crm_bench), starts the stack of
bench/stack.py (two instances, nginx, PgBouncer, one Celery worker; media stay local: the run uploads
nothing), runs locust headless and leaves bench/load.json (p50/p95/p99 and errors per page) and
bench/load.md (the table). Everything stops by itself: locust has a run time, the whole run a timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DEFAULT_DATABASE_URL, prepare, production_environment  # noqa: E402
from bench.stack import Stack  # noqa: E402

LOCUST = [
    *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"),
    *("--stop-timeout", "5", "--only-summary", "--loglevel", "WARNING"),
]
# Accounts signed in with, per role (the data set has 200 salespeople, 20 managers, info staff, an admin).
ACCOUNTS_PER_ROLE = {"salesperson": 200, "manager": 20, "info_staff": 5, "admin": 2}
# How the simulated people split: a branch is mostly salespeople.
WEIGHTS = {"salesperson": 170, "manager": 20, "info_staff": 7, "admin": 3}


def accounts() -> dict[str, list[str]]:
    from crm.models import User

    users = User.objects.filter(is_active=True).order_by("username")
    found = {
        role: list(users.filter(role=role).values_list("username", flat=True)[:count])
        for role, count in ACCOUNTS_PER_ROLE.items()
    }
    missing = [role for role, usernames in found.items() if not usernames]
    if missing:
        raise SystemExit(f"no users for {', '.join(missing)} in the data set")
    return found


def forget_earlier_load_visits() -> int:
    """The visits an earlier run logged (notes "load run") go, so that a run repeated the same day meets none of
    them: a person's second visit of a customer on one day is answered 409 until they say it is one."""
    from visits.models import Visit

    deleted, _per_model = Visit.objects.filter(notes="load run").delete()
    return deleted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--users", type=int, default=200)
    # One sign-in a second: each is a deliberately slow password hash (PBKDF2), and 200 at 5 a second took
    # every worker of both instances for a minute on 2 cores (first run, 2026-12-05: 504s, then 302s).
    parser.add_argument("--spawn-rate", type=float, default=1)
    # A person reads a page before opening the next: 5-15 s (a salesperson in the field, far more).
    parser.add_argument("--wait", default="5,15", help="seconds between two pages of one person (min,max)")
    parser.add_argument("--run-time", default="5m", help="locust's --run-time (default 5m)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (default 2)")
    parser.add_argument("--no-prepare", action="store_true", help="use the database as it is (no migrate)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "load.json")
    args = parser.parse_args()

    production_environment(args.database_url)
    if args.no_prepare:
        import django

        django.setup()
    else:
        prepare(args.database_url)
    forget_earlier_load_visits()
    users = accounts()
    started_at = datetime.now(UTC)
    with Stack(
        database_url=args.database_url, redis_url=args.redis_url, web_workers=args.workers, celery_workers=1, s3=False
    ) as stack:
        stack.secret_key = os.environ["DJANGO_SECRET_KEY"]
        stack.start()
        environment = {
            **stack.environment(),
            "LOAD_USERS": json.dumps(users),
            "LOAD_RESULTS": str(args.output),
            "LOAD_WAIT": args.wait,
            **{f"LOAD_WEIGHT_{role.upper()}": str(weight) for role, weight in WEIGHTS.items()},
        }
        locust = subprocess.run(  # noqa: S603 - fixed arguments
            [
                *LOCUST,
                *("--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time),
                *("--host", f"http://127.0.0.1:{stack.ports['nginx']}"),
            ],
            cwd=ROOT,
            env=environment,
            timeout=_seconds(args.run_time) + 300,
            check=False,
        )

    results = json.loads(args.output.read_text())
    lines = [
        f"{'endpoint':45} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>6}  (ms)",
        *(
            f"{row['name']:45} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f}"
            f" {row['p99_ms']:>6.0f} {row['requests_per_s']:>6.1f}"
            for row in results["endpoints"]
        ),
    ]
    print("\n" + "\n".join(lines))
    _write_markdown(args, results, started_at)
    print(f"written to {args.output} and bench/load.md")
    return locust.returncode


def _write_markdown(args, results: dict, started_at: datetime) -> None:
    from accounts.customers.models import Customer
    from visits.models import Visit

    rows = [
        f"| {row['name']} | {row['requests']} | {row['errors']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} "
        f"| {row['p99_ms']:.0f} | {row['requests_per_s']:.1f} |"
        for row in results["endpoints"]
    ]
    errors = [
        f"- {error['name']}: {_first_line(error['error'])} ({error['occurrences']}×)" for error in results["errors"]
    ]
    text = f"""# Load run (`make load`)

Written by bench/load.py on {started_at:%Y-%m-%d %H:%M} UTC. {args.users} simulated people (weights
{", ".join(f"{role} {weight}" for role, weight in WEIGHTS.items())}), spawned at {args.spawn_rate:g}/s, for
{args.run_time}, each waiting {args.wait.replace(",", "-")} s between pages, against two gunicorn
instances ({args.workers} workers each) behind nginx round-robin, through PgBouncer (transaction mode),
production settings, one Celery worker. Data: {Customer.objects.count():,} customers,
{Visit.objects.count():,} visits. Machine:
{platform.machine()}, {os.cpu_count()} cores, shared with the other work of the hour (load, locust and
PostgreSQL on the same cores).

| page | requests | errors | p50 ms | p95 ms | p99 ms | req/s |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Errors: {"none" if not errors else ""}
{chr(10).join(errors)}
"""
    (ROOT / "bench" / "load.md").write_text(text)


def _first_line(error: str) -> str:
    """An error page's title, not its HTML."""
    title = re.search(r"<title>(.*?)</title>", error)
    return f"{error.split(':', 1)[0]}: {title[1]}" if title else error.splitlines()[0]


def _seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(run_time[:-1]) * units[run_time[-1]] if run_time[-1] in units else int(run_time)


if __name__ == "__main__":
    sys.exit(main())

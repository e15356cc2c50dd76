"""make load: a bounded load run against gunicorn on 127.0.0.1:8002 (PostgreSQL, production settings).

Prepares the database as `make bench` does, starts gunicorn, runs locust headless with 50
salespeople, 5 managers and 2 info staff for --run-time (default 60 s), stops gunicorn and
leaves bench/load.json (p50/p95/p99 and errors per endpoint). Everything stops by itself:
locust has a run time, and the whole run a hard timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DEFAULT_DATABASE_URL, prepare, production_environment  # noqa: E402

ADDRESS = "127.0.0.1:8002"
GUNICORN = [sys.executable, "-m", "gunicorn", "crm.wsgi:application", "--log-level", "warning"]
LOCUST = [
    *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"),
    *("--spawn-rate", "10", "--stop-timeout", "5", "--only-summary", "--loglevel", "WARNING"),
]
ACCOUNTS_PER_ROLE = {"salesperson": 50, "manager": 5, "info_staff": 2}


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


def wait_until_up(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{ADDRESS}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {ADDRESS} within {timeout:g} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--run-time", default="60s", help="locust's --run-time (default 60s)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "load.json")
    args = parser.parse_args()

    production_environment(args.database_url)
    prepare(args.database_url)
    users = accounts()
    environment = {**os.environ, "LOAD_USERS": json.dumps(users), "LOAD_RESULTS": str(args.output)}

    server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [*GUNICORN, "--bind", ADDRESS, "--workers", str(args.workers), "--graceful-timeout", "5"],
        cwd=ROOT,
        env=environment,
    )
    try:
        wait_until_up()
        total = sum(ACCOUNTS_PER_ROLE.values())
        locust = subprocess.run(  # noqa: S603 - fixed arguments
            [*LOCUST, "--users", str(total), "--run-time", args.run_time, "--host", f"http://{ADDRESS}"],
            cwd=ROOT,
            env=environment,
            timeout=_seconds(args.run_time) + 120,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    results = json.loads(args.output.read_text())
    print(f"\n{'endpoint':40} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in results["endpoints"]:
        print(
            f"{row['name']:40} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f}"
            f" {row['p99_ms']:>6.0f}"
        )
    print(f"written to {args.output.relative_to(ROOT)}")
    return locust.returncode


def _seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(run_time[:-1]) * units[run_time[-1]] if run_time[-1] in units else int(run_time)


if __name__ == "__main__":
    sys.exit(main())

"""make scale-test: two web instances behind nginx, media on S3-compatible storage, PgBouncer in transaction
mode, two Celery workers (bench/stack.py), and real HTTP requests that show:

1. nginx sends requests to both instances (round-robin);
2. a session made through nginx holds on instance A and on instance B, each asked directly;
3. a business-card photo uploaded through A (the customers API, signed in) lands in the bucket, not on
   A's disk, and B serves it;
4. the quota job sent twice at once (two beats, or a beat and a person) runs on both workers and its
   work is done once: one run creates the shortfalls, the other finds nothing to do.

Exits 0 when all hold, 1 otherwise; skips (exit 0, with the reason) only when pgbouncer or nginx
cannot be found. SCALE_DATABASE_URL (default crm_scale on 127.0.0.1) and SCALE_REDIS_URL (default Redis
database 7) name what it uses; the Redis database is emptied first.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import S3_BUCKET, Missing, Stack, which  # noqa: E402

PASSWORD = "crm-demo-2026"  # noqa: S105 - the demo's (settings.CRM["DEMO_PASSWORD"])
HTTPS = {"X-Forwarded-Proto": "https"}  # what the outer TLS proxy says; gunicorn trusts it from loopback

PREPARE = """
import json
from datetime import timedelta
from crm.dates import local_today
from crm.models import User
from visits.calendar import is_working_day
from visits.models import QuotaShortfall
day = local_today() - timedelta(days=30)
while not is_working_day(day):
    day -= timedelta(days=1)
# Everyone counted on that day (no new starters), and the day's check not done yet.
User.objects.update(date_joined=day - timedelta(days=60))
QuotaShortfall.objects.filter(day=day).delete()
print(json.dumps({"day": day.isoformat()}))
"""

RUN_TWICE = """
import json
from crm.celery import app
day = "%(day)s"
results = [app.send_task("visits.tasks.check_visit_quotas_task", kwargs={"day": day}) for _ in range(2)]
created = [result.get(timeout=120) for result in results]
from visits.models import QuotaShortfall
print(json.dumps({"created": created, "rows": QuotaShortfall.objects.filter(day=day).count()}))
"""


class Client:
    """requests, with the cookies kept by hand: the server marks them Secure (production), and the
    instances are asked over plain HTTP on loopback."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {**HTTPS, **kwargs.pop("headers", {})}
        response = requests.request(
            method, url, headers=headers, cookies=self.cookies, allow_redirects=False, timeout=60, **kwargs
        )
        self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
        return response


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _files_under(folder: Path) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def run(stack: Stack) -> list[tuple[str, bool, str]]:
    checks: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        checks.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)

    nginx = f"http://127.0.0.1:{stack.ports['nginx']}"
    web_a = f"http://127.0.0.1:{stack.ports['web-a']}"
    web_b = f"http://127.0.0.1:{stack.ports['web-b']}"

    # 1. round-robin
    upstreams = {requests.get(f"{nginx}/healthz", timeout=10).headers.get("X-Crm-Upstream") for _ in range(6)}
    expected = {f"127.0.0.1:{stack.ports['web-a']}", f"127.0.0.1:{stack.ports['web-b']}"}
    check("nginx sends requests to both instances", upstreams == expected, ", ".join(sorted(filter(None, upstreams))))

    # 2. a session made through nginx holds on A and on B
    client = Client()
    page = client.request("GET", f"{nginx}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    signed_in = client.request(
        "POST",
        f"{nginx}/login/",
        data={"username": "sales1", "password": PASSWORD, "csrfmiddlewaretoken": token[1] if token else ""},
        headers={"Referer": nginx.replace("http://", "https://") + "/login/"},
    )
    check(
        "sign-in through nginx",
        signed_in.status_code == 302 and "sessionid" in client.cookies,
        f"{signed_in.status_code} on {signed_in.headers.get('X-Crm-Upstream')}",
    )
    for name, base in (("A", web_a), ("B", web_b)):
        home = client.request("GET", f"{base}/visits/today/")
        check(
            f"the session holds on instance {name}",
            home.status_code == 200 and "/login/" not in home.headers.get("Location", ""),
            f"GET /visits/today/ -> {home.status_code}",
        )

    # 3. a photo uploaded through A is served by B
    unit_name = f"规模测试 {uuid.uuid4().hex[:8]}"
    photo = _jpeg()
    created = client.request(
        "POST",
        f"{web_a}/api/customers/",
        data={"unit_name": unit_name, "address": "佛山市禅城区季华五路 1 号"},
        files={"business_card": ("card.jpg", photo, "image/jpeg")},
        headers={"X-CSRFToken": client.cookies.get("csrftoken", ""), "Referer": web_a.replace("http", "https") + "/"},
    )
    check("business card uploaded through instance A", created.status_code == 201, f"{created.status_code}")
    if created.status_code == 201:
        customer_id = created.json()["id"]
        served = client.request("GET", f"{web_b}/customers/{customer_id}/business-card/")
        check(
            "instance B serves the photo uploaded through A",
            served.status_code == 200 and served.content[:2] == b"\xff\xd8",
            f"{served.status_code} {served.headers.get('Content-Type')} {len(served.content)} bytes",
        )
        keys = [item["Key"] for item in stack.s3_client().list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])]
        local = _files_under(stack.folder / "media-web-a") + _files_under(stack.folder / "media-web-b")
        check(
            "the photo is in the bucket, on neither instance's disk",
            any(key.startswith("business_cards/") for key in keys) and local == [],
            f"bucket: {keys}, local files: {local}",
        )
        stranger = Client()
        refused = stranger.request("GET", f"{web_b}/customers/{customer_id}/business-card/")
        check("nobody signed out gets the photo", refused.status_code in (302, 403, 404), f"{refused.status_code}")

    # 4. a job sent twice at once runs on both workers and does its work once
    day = json.loads(stack.manage("shell", "-c", PREPARE).strip().splitlines()[-1])["day"]
    before = {name: stack.log(name).count("check_visit_quotas_task") for name in ("worker-1", "worker-2")}
    outcome = json.loads(stack.manage("shell", "-c", RUN_TWICE % {"day": day}, direct=False).strip().splitlines()[-1])
    time.sleep(1)
    ran_on = [
        name
        for name in ("worker-1", "worker-2")
        if stack.log(name).count("check_visit_quotas_task") > before[name]
        and "succeeded" in stack.log(name).split("check_visit_quotas_task")[-1]
    ]
    created_counts = sorted(outcome["created"])
    check(
        "the quota job sent twice at once does its work once",
        created_counts[0] == 0 and created_counts[1] == outcome["rows"] > 0,
        f"day {day}: runs created {outcome['created']} shortfalls, {outcome['rows']} in the table",
    )
    check("both workers took one run", sorted(ran_on) == ["worker-1", "worker-2"], f"ran on {ran_on}")
    return checks


def main() -> int:
    database_url = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_scale")
    redis_url = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/7")
    try:
        which("pgbouncer")
        which("nginx")
    except Missing as missing:
        print(f"SKIPPED: the scale test needs it: {missing}")
        return 0
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - fixed arguments
        [which("redis-cli"), "-u", redis_url, "flushdb"], check=True, capture_output=True
    )
    with Stack(database_url=database_url, redis_url=redis_url) as stack:
        print(f"stack folder (logs): {stack.folder}", flush=True)
        from bench.run import ensure_database

        ensure_database(database_url)
        stack.start_s3()  # the demo's showcase photo goes there too
        name = database_url.rsplit("/", 1)[-1]
        # PgBouncer passes no startup options: the JIT is turned off on the database itself.
        subprocess.run(  # noqa: S603 - fixed arguments
            [which("psql"), database_url, "-qc", f'ALTER DATABASE "{name}" SET jit = off'],
            check=True,
            capture_output=True,
        )
        if os.environ.get("SCALE_REUSE_DATABASE") != "1":  # a developer's second run on a loaded machine
            stack.manage("migrate", "--no-input", "-v0")
            stack.manage("collectstatic", "--no-input", "-v0")
            stack.manage("seed_demo", "--if-empty", "--force")
        print(f"database ready ({time.monotonic() - started:.0f} s)", flush=True)
        stack.start()
        print(f"stack up: {stack.ports} ({time.monotonic() - started:.0f} s)", flush=True)
        try:
            checks = run(stack)
        except Exception:
            for name, _process in stack.processes:
                print(f"---- {name}.log (last lines)\n" + "\n".join(stack.log(name).splitlines()[-30:]))
            raise
        failed = [name for name, ok, _ in checks if not ok]
        if failed:
            for name, _process in stack.processes:
                print(f"---- {name}.log (last lines)\n" + "\n".join(stack.log(name).splitlines()[-30:]))
    passed = len(checks) - len(failed)
    print(f"scale test took {time.monotonic() - started:.0f} s")
    print(f"scale-test: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

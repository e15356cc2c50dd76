"""REL-11: PostgreSQL crash-restarted twice while salespeople keep sending visits.

A gunicorn running the production settings on a PostgreSQL cluster of the test's own; four
phones send visits through the sync endpoint, each with its own client id, while the cluster is
restarted with ``-m immediate`` (no shutdown checkpoint: WAL recovery, as after a power cut).
Every visit the server acknowledged is in the database; the ones that failed during a restart
are sent again with the same client id, as the phone's queue does, and are then stored once."""

from __future__ import annotations

import subprocess  # nosec B404 - the test starts its own server
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from tests.reliability.conftest import free_port, wait_until

pytestmark = pytest.mark.chaos

PHONES = 4
SETUP = """
from accounts.customers.models import Customer
from crm.models import Team, User
from knox.models import AuthToken
# The repeat guard off: the phones log one customer again and again, and this test is about losing none.
team = Team.objects.create(name="一组", daily_visit_quota=6, repeat_visit_window_minutes=0)
salesperson = User.objects.create_user("sales1", role=User.Role.SALESPERSON, team=team)
customer = Customer.objects.create(unit_name="顺达汽修厂", owner=salesperson)
print(AuthToken.objects.create(user=salesperson)[1], customer.pk)
"""


@dataclass
class Sent:
    acked: dict[str, float] = field(default_factory=dict)  # client id -> when the server said stored
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def server_environment(database_url: str) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": "filesystem://",
        "CACHE_URL": "locmemcache://",
    }


def manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own fixed arguments
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def send_visit(session: requests.Session, url: str, customer: int, client_id: str) -> bool:
    """One visit from the phone's queue; True when the server acknowledged it as stored."""
    try:
        response = session.post(url, json={"items": [{"client_id": client_id, "customer": customer}]}, timeout=10)
    except requests.RequestException:
        return False
    if response.status_code != 200:
        return False
    [result] = response.json()["results"]
    return result["status"] in ("created", "duplicate")


@pytest.fixture
def gunicorn_on_spare_postgres(spare_postgres):
    spare_postgres.query("postgres", "CREATE DATABASE crm_chaos")
    env = server_environment(spare_postgres.url("crm_chaos"))
    manage(env, "migrate", "--no-input", "-v0")
    token, customer = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1].split()
    port = free_port()
    log = open(f"{spare_postgres.folder}/web.log", "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(  # noqa: S603 - our own fixed arguments
        [sys.executable, "-m", "gunicorn", "crm.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    wait_until(answers, timeout=60, what="gunicorn to answer")
    yield spare_postgres, base + reverse("api:visit_sync"), token, int(customer)
    server.terminate()
    server.wait(timeout=20)
    log.close()


def test_every_acknowledged_visit_survives_two_crash_restarts(gunicorn_on_spare_postgres):
    postgres, url, token, customer = gunicorn_on_spare_postgres
    sent = Sent()
    stop = threading.Event()

    def phone() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not stop.is_set():
            client_id = str(uuid.uuid4())
            acked = send_visit(session, url, customer, client_id)
            with sent.lock:
                if acked:
                    sent.acked[client_id] = time.monotonic()
                else:
                    sent.failed.append(client_id)

    phones = [threading.Thread(target=phone) for _ in range(PHONES)]
    for thread in phones:
        thread.start()
    try:
        time.sleep(3)
        postgres.crash_restart()
        time.sleep(3)
        postgres.crash_restart()
        back_at = time.monotonic()
        # The server is back without a restart of its own (CONN_HEALTH_CHECKS drops dead connections).
        wait_until(lambda: any(at > back_at for at in list(sent.acked.values())), timeout=30, what="a write after")
    finally:
        stop.set()
        for thread in phones:
            thread.join(timeout=30)

    stored = set(postgres.query("crm_chaos", "SELECT client_id FROM visits_visit"))
    assert len(sent.acked) > 0
    assert set(sent.acked) - stored == set(), "acknowledged visits were lost"

    # The phone's queue sends what failed again, with the same client ids: stored once each.
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    assert all(send_visit(session, url, customer, client_id) for client_id in sent.failed)
    rows = postgres.query("crm_chaos", "SELECT client_id FROM visits_visit")
    assert len(rows) == len(set(rows)) == len(sent.acked) + len(sent.failed)
    assert set(rows) == set(sent.acked) | set(sent.failed)
    print(f"REL-11: {len(sent.acked)} acknowledged, 0 lost; {len(sent.failed)} failed during restarts, stored once")

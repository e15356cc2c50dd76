"""Locust users for `make load` (started by bench/load.py, which passes the accounts in LOAD_USERS).

Each simulated person signs in through the login form, then opens their start page and,
now and then, the health probe. The server runs as in production (Secure cookies, HTTPS
required); the proxy's HTTPS is stood in for by the X-Forwarded-Proto header.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import HttpUser, between, events, task

ACCOUNTS: dict[str, list[str]] = json.loads(os.environ.get("LOAD_USERS", "{}"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "crm-demo-2026")
RESULTS = Path(os.environ.get("LOAD_RESULTS", Path(__file__).with_name("load.json")))
_next_account = itertools.count()


class Person(HttpUser):
    abstract = True
    role = ""
    start_page = ""
    wait_time = between(1, 3)

    def _keep_cookies_over_loopback(self) -> None:
        # The server marks its cookies Secure, as in production; the proxy's HTTPS is not here,
        # so they are made sendable over plain HTTP to 127.0.0.1.
        for cookie in self.client.cookies:
            cookie.secure = False

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.headers["Referer"] = self.host.replace("http://", "https://") + "/login/"
        accounts = ACCOUNTS[self.role]
        username = accounts[next(_next_account) % len(accounts)]
        self.client.get("/login/", name="login page")
        self._keep_cookies_over_loopback()
        with self.client.post(
            "/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken")},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{username} was not signed in: {response.status_code}")
        self._keep_cookies_over_loopback()

    @task(5)
    def open_start_page(self) -> None:
        with self.client.get(
            self.start_page, name=f"{self.role}: start page", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code} {response.headers.get('Location', '')}")

    @task(1)
    def health_probe(self) -> None:
        self.client.get("/healthz", name="healthz")


class Salesperson(Person):
    fixed_count = 50
    role = "salesperson"
    start_page = "/visits/today/"


class Manager(Person):
    fixed_count = 5
    role = "manager"
    start_page = "/dashboard/"


class InfoStaff(Person):
    fixed_count = 2
    role = "info_staff"
    start_page = "/inquiries/new/"


@events.quitting.add_listener
def write_results(environment, **_kwargs) -> None:
    stats = environment.stats
    endpoints = []
    for entry in [*sorted(stats.entries.values(), key=lambda entry: entry.name), stats.total]:
        endpoints.append(
            {
                "name": entry.name,
                "method": entry.method or "",
                "requests": entry.num_requests,
                "errors": entry.num_failures,
                "p50_ms": entry.get_response_time_percentile(0.50),
                "p95_ms": entry.get_response_time_percentile(0.95),
                "p99_ms": entry.get_response_time_percentile(0.99),
                "requests_per_s": round(entry.total_rps, 2),
            }
        )
    errors = [
        {"name": error.name, "method": error.method, "error": str(error.error), "occurrences": error.occurrences}
        for error in stats.errors.values()
    ]
    RESULTS.write_text(json.dumps({"endpoints": endpoints, "errors": errors}, indent=2, ensure_ascii=False))
    if stats.total.num_failures:
        environment.process_exit_code = 1

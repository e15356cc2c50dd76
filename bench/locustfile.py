"""Locust users for `make load` (started by bench/load.py, which passes the accounts in LOAD_USERS).

Each simulated person signs in through the login form, then follows their role's day (issue #24):
a salesperson opens My day and the customer list, logs visits and looks for customers nearby; a manager
opens the dashboard, the deals and the receivables; the info staff the inquiry desk; the admin the
settings; everyone, now and then, the health probe. How many of each: LOAD_WEIGHT_<ROLE> (bench/load.py).
The server runs as in production (Secure cookies, HTTPS required); the proxy's HTTPS is stood in for by
the X-Forwarded-Proto header.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from urllib.parse import urlencode

from locust import HttpUser, between, events, task

ACCOUNTS: dict[str, list[str]] = json.loads(os.environ.get("LOAD_USERS", "{}"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "crm-demo-2026")
RESULTS = Path(os.environ.get("LOAD_RESULTS", Path(__file__).with_name("load.json")))
_next_account = itertools.count()


class Person(HttpUser):
    abstract = True
    role = ""
    start_page = ""
    # Seconds between two pages of one person (LOAD_WAIT="min,max"; bench/load.py passes its --wait).
    wait_time = between(*(float(part) for part in os.environ.get("LOAD_WAIT", "1,3").split(",")))

    def _keep_cookies_over_loopback(self) -> None:
        # The server marks its cookies Secure, as in production; the proxy's HTTPS is not here,
        # so they are made sendable over plain HTTP to 127.0.0.1 (again after each page that set one).
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

    def page(self, path: str, name: str) -> None:
        self._keep_cookies_over_loopback()  # a page may have set one again (Secure)
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code} {response.headers.get('Location', '')}")

    @task(1)
    def health_probe(self) -> None:
        self.client.get("/healthz", name="healthz")


# Where the salespeople stand when they look for customers nearby: the demo's and the data set's Foshan.
NEARBY = {"latitude": "23.0215", "longitude": "113.1214", "radius": "3000"}


class Salesperson(Person):
    """My day, the customer list, logging a visit (the API a phone uses), customers nearby."""

    weight = int(os.environ.get("LOAD_WEIGHT_SALESPERSON", "50"))
    role = "salesperson"
    start_page = "/visits/today/"
    customer_ids: list[int]

    def on_start(self) -> None:
        super().on_start()
        self.client.headers["X-CSRFToken"] = self.client.cookies.get("csrftoken") or ""
        response = self.client.get("/api/customers/", name="salesperson: own customers (API)")
        results = response.json().get("results", []) if response.status_code == 200 else []
        # Visited one after another in a random order, each once: a second visit of the same customer on the same
        # day is refused until the person says it is one (409 "repeat_visit", the app's rule), which a real
        # salesperson going from door to door does not meet (28 of the first idle run's 5,192 requests).
        self.customer_ids = [row["id"] for row in results]
        random.shuffle(self.customer_ids)

    @task(5)
    def my_day(self) -> None:
        self.page("/visits/today/", "salesperson: my day")

    @task(3)
    def customer_list(self) -> None:
        self.page("/customers/", "salesperson: customer list")

    @task(2)
    def log_a_visit(self) -> None:
        if not self.customer_ids:
            return
        # No position, as from a phone that refused it: no far check-in, no reason asked.
        self._keep_cookies_over_loopback()
        self.client.headers["X-CSRFToken"] = self.client.cookies.get("csrftoken") or ""
        customer = self.customer_ids.pop()
        body = {"customer": customer, "kind": "second", "notes": "load run"}
        with self.client.post("/api/visits/", json=body, name="salesperson: log a visit", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"answered {r.status_code}: {r.text[:200]}")

    @task(2)
    def nearby(self) -> None:
        self.page("/visits/nearby/", "salesperson: nearby page")
        self.page("/api/customers/nearby/?" + urlencode(NEARBY), "salesperson: nearby customers (API)")


class Manager(Person):
    """The morning meeting (dashboard), the deals, the receivables."""

    weight = int(os.environ.get("LOAD_WEIGHT_MANAGER", "5"))
    role = "manager"
    start_page = "/dashboard/"

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/", "manager: dashboard")

    @task(2)
    def deals(self) -> None:
        self.page("/deals/", "manager: deals")

    @task(2)
    def receivables(self) -> None:
        self.page("/receivables/", "manager: receivables")


class InfoStaff(Person):
    """The phone-inquiry desk."""

    weight = int(os.environ.get("LOAD_WEIGHT_INFO_STAFF", "2"))
    role = "info_staff"
    start_page = "/inquiries/new/"

    @task(3)
    def inquiry_desk(self) -> None:
        self.page("/inquiries/new/", "info staff: inquiry desk")


class Admin(Person):
    """The settings pages."""

    weight = int(os.environ.get("LOAD_WEIGHT_ADMIN", "1"))
    role = "admin"
    start_page = "/settings/"

    @task(3)
    def settings_home(self) -> None:
        self.page("/settings/", "admin: settings")


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

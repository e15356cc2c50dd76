"""What `make bench` measures. Add a line here when a page, endpoint or job lands.

Budgets come from DESIGN.md §5 (p95 server time on a 2-core machine, PostgreSQL, the
"large branch" data set). A page case's user is looked up by username; seed_scale creates
the large data set's users, seed_demo the demo's (used when seed_scale is not there yet), so a
case names a role (the first user of that role by username) or a username.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageCase:
    name: str
    url: str
    user: str | None  # a role ("salesperson") or a username; None: anonymous
    budget_ms: float  # p95 server time
    max_queries: int | None = None  # a fixed number whatever the data size


@dataclass(frozen=True)
class JobCase:
    name: str
    run: Callable[[], object]
    budget_ms: float


def _check_visit_quotas() -> int:
    from crm.dates import yesterday
    from visits.services import check_visit_quotas

    return check_visit_quotas(day=yesterday())


def _build_key_account_shortlists() -> int:
    from crm.dates import local_today, week_start
    from visits.key_accounts.services import build_shortlists

    return build_shortlists(week=week_start(local_today()))


def _assess_visit_counts() -> int:
    from crm.dates import week_start, yesterday
    from visits.services import assess_visit_counts

    return assess_visit_counts(week=week_start(yesterday()))


PAGES: list[PageCase] = [
    # 17 fixed queries since issue #18: the day told back (quota progress, forms status, next visits from the
    # route, next steps and inquiries, the manager's asks); none grows with the data.
    PageCase("salesperson: my day", "/visits/today/", "salesperson", budget_ms=150, max_queries=18),
    PageCase("manager: morning meeting", "/dashboard/", "manager", budget_ms=300, max_queries=22),
    PageCase("info staff: phone inquiries", "/inquiries/new/", "info_staff", budget_ms=150, max_queries=12),
    PageCase("admin: territories", "/territories/", "admin", budget_ms=150, max_queries=12),
    PageCase("salesperson: log a visit form", "/visits/new/", "salesperson", budget_ms=100, max_queries=12),
    PageCase("salesperson: customer list", "/customers/", "salesperson", budget_ms=150, max_queries=12),
    PageCase("salesperson: customer search", "/customers/?q=科技", "salesperson", budget_ms=150, max_queries=12),
    PageCase("salesperson: key accounts week", "/key-accounts/", "salesperson", budget_ms=150, max_queries=14),
    PageCase("manager: customer list", "/customers/", "manager", budget_ms=150, max_queries=12),
    PageCase("manager: team visits", "/visits/", "manager", budget_ms=150, max_queries=12),
    PageCase("manager: Monday meeting", "/key-accounts/meeting/", "manager", budget_ms=300, max_queries=20),
    PageCase("manager: attainment", "/dashboard/attainment/", "manager", budget_ms=300, max_queries=16),
    PageCase("manager: receivables", "/receivables/", "manager", budget_ms=150, max_queries=12),
    PageCase("manager: deals", "/deals/", "manager", budget_ms=150, max_queries=12),
    PageCase("admin: customer list", "/customers/", "admin", budget_ms=150, max_queries=12),
    PageCase("admin: morning meeting (all teams)", "/dashboard/", "admin", budget_ms=300, max_queries=22),
    PageCase("info staff: inquiry list", "/inquiries/", "info_staff", budget_ms=150, max_queries=12),
    PageCase("API: customers (salesperson)", "/api/customers/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: visits (manager)", "/api/visits/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: ledger entries (admin)", "/api/ledger-entries/", "admin", budget_ms=150, max_queries=8),
    PageCase("health probe", "/healthz", None, budget_ms=50, max_queries=2),
    # Issue #22: the live count of a segment being built (one COUNT over every customer, for info staff) and
    # the caller's screen.
    PageCase(
        "info staff: segment live count",
        "/segments/count/?vehicle_types=private_car&renewal=next_month&intents=A&intents=B",
        "info_staff",
        budget_ms=300,
        max_queries=4,
    ),
    PageCase(
        "manager: segment live count", "/segments/count/?renewal=next_month", "manager", budget_ms=300, max_queries=4
    ),
    PageCase("salesperson: caller's screen", "/calls/", "salesperson", budget_ms=150, max_queries=10),
]

JOBS: list[JobCase] = [
    JobCase("daily visit-quota check", _check_visit_quotas, budget_ms=10_000),
    JobCase("Monday key-account shortlist", _build_key_account_shortlists, budget_ms=10_000),
    JobCase("weekly assessment", _assess_visit_counts, budget_ms=10_000),
]


def scale_data_loaded() -> bool:
    """True once seed_scale's data set is in the database (200 salespeople, DESIGN.md §5)."""
    from crm.models import User

    return User.objects.filter(role=User.Role.SALESPERSON).count() >= 200

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
    # Run first, untimed: puts back what a previous run wrote, so every run measures the same work.
    reset: Callable[[], object] | None = None


def _check_visit_quotas() -> int:
    from crm.dates import yesterday
    from visits.services import check_visit_quotas

    return check_visit_quotas(day=yesterday())


def _build_key_account_shortlists() -> int:
    from crm.dates import local_today, week_start
    from visits.key_accounts.services import build_shortlists

    return build_shortlists(week=week_start(local_today()))


def _forget_this_weeks_shortlists() -> int:
    """The Monday job skips customers already on a list for the week: a second run would time an empty job."""
    from crm.dates import local_today, week_start
    from visits.key_accounts.models import KeyAccountEntry

    deleted, _ = KeyAccountEntry.objects.filter(week=week_start(local_today())).delete()
    return deleted


def _assess_visit_counts() -> int:
    from crm.dates import week_start, yesterday
    from visits.services import assess_visit_counts

    return assess_visit_counts(week=week_start(yesterday()))


NEAR_FOSHAN = "latitude=23.021500&longitude=113.121400"

PAGES: list[PageCase] = [
    # 17 fixed queries since issue #18: the day told back (quota progress, forms status, next visits from the
    # route, next steps and inquiries, the manager's asks); none grows with the data. Issue #19: today's report
    # and the comments on one's reports, one query each.
    PageCase("salesperson: my day", "/visits/today/", "salesperson", budget_ms=150, max_queries=19),
    # 25 since issues #22-#23 added the pipelines (counts per stage of candidates and tenders, tenders past a
    # deadline) and the call lists to the meeting: each a fixed query, none grows with the data.
    PageCase("manager: morning meeting", "/dashboard/", "manager", budget_ms=300, max_queries=25),
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
    PageCase("admin: morning meeting (all teams)", "/dashboard/", "admin", budget_ms=300, max_queries=25),
    PageCase("info staff: inquiry list", "/inquiries/", "info_staff", budget_ms=150, max_queries=12),
    PageCase("API: customers (salesperson)", "/api/customers/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: visits (manager)", "/api/visits/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: ledger entries (admin)", "/api/ledger-entries/", "admin", budget_ms=150, max_queries=8),
    # The maps (issue #19): the page, its markers (the customer list's selection, the first 2,000 with a position
    # by id, each with its last visit, and the count of those without one), the API's GeoJSON, a day's track.
    # The markers are only as many as the data set has customers with a position.
    PageCase("salesperson: customer map", "/map/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("salesperson: customer map markers", "/map/features/", "salesperson", budget_ms=150, max_queries=6),
    PageCase("manager: customer map markers", "/map/features/", "manager", budget_ms=150, max_queries=6),
    PageCase("API: map features (manager)", "/api/map/customers/", "manager", budget_ms=150, max_queries=6),
    PageCase("manager: day's track", "/map/track/", "manager", budget_ms=150, max_queries=8),
    # Daily reports (issue #19): the day's figures (four grouped queries for any number of people), the page of a
    # day's reports with their threads, those who have not submitted.
    PageCase("salesperson: daily report to write", "/reports/write/", "salesperson", budget_ms=150, max_queries=12),
    PageCase("manager: the team's daily reports", "/reports/team/", "manager", budget_ms=150, max_queries=14),
    PageCase("admin: daily reports (all teams)", "/reports/team/", "admin", budget_ms=300, max_queries=14),
    PageCase(
        "API: the team's daily reports (manager)",
        "/api/daily-reports/team-day/",
        "manager",
        budget_ms=150,
        max_queries=12,
    ),
    # Issue 19: the week plan (the week's stops in one query) and plan against visits (two grouped queries for a
    # page of people, whatever their stops and visits).
    PageCase("salesperson: week plan", "/plans/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("manager: plans vs visits", "/plans/versus/", "manager", budget_ms=150, max_queries=8),
    PageCase("admin: plans vs visits (all teams)", "/plans/versus/", "admin", budget_ms=300, max_queries=8),
    PageCase("API: plan stops (manager)", "/api/plans/stops/", "manager", budget_ms=150, max_queries=6),
    PageCase("API: plans vs visits (manager)", "/api/plans/versus/", "manager", budget_ms=150, max_queries=7),
    # Customers near me (issue #19): a bounding box on the position index, then the exact distance; at the first
    # branch's centre of seed_scale_positions, where the first salesperson's customers are.
    PageCase("salesperson: customers near me", f"/visits/nearby/?{NEAR_FOSHAN}&radius=1000", "salesperson", 100, 6),
    PageCase("API: customers nearby (manager)", f"/api/customers/nearby/?{NEAR_FOSHAN}&radius=2000", "manager", 100, 5),
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
    # Issue #24 item 5: the pages of the issues before it that were not measured yet (the map's features and
    # nearby, plans, reports, segments and call lists are above), and the API lists each role uses.
    PageCase("manager: customer map", "/map/", "manager", budget_ms=150, max_queries=8),
    PageCase("admin: customer map markers", "/map/features/", "admin", budget_ms=150, max_queries=6),
    PageCase("salesperson: my daily reports", "/reports/", "salesperson", budget_ms=150, max_queries=12),
    PageCase("info staff: segments", "/segments/", "info_staff", budget_ms=150, max_queries=8),
    PageCase("info staff: call lists", "/call-lists/", "info_staff", budget_ms=150, max_queries=8),
    PageCase("manager: call lists", "/call-lists/", "manager", budget_ms=150, max_queries=8),
    PageCase("manager: renewals", "/renewals/", "manager", budget_ms=150, max_queries=12),
    # The API lists, per role: what the phone app (salesperson), the team's tools (manager), the desk (info
    # staff) and integrations (admin) page through.
    PageCase("API: visits (salesperson)", "/api/visits/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: deals (salesperson)", "/api/deals/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: key accounts (salesperson)", "/api/key-accounts/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: plan stops (salesperson)", "/api/plans/stops/", "salesperson", budget_ms=150, max_queries=6),
    PageCase("API: daily reports (salesperson)", "/api/daily-reports/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: calls (salesperson)", "/api/calls/", "salesperson", budget_ms=150, max_queries=8),
    PageCase("API: customers (manager)", "/api/customers/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: deals (manager)", "/api/deals/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: ledger entries (manager)", "/api/ledger-entries/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: quota shortfalls (manager)", "/api/quota-shortfalls/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: approvals (manager)", "/api/approvals/", "manager", budget_ms=150, max_queries=8),
    PageCase("API: inquiries (info staff)", "/api/inquiries/", "info_staff", budget_ms=150, max_queries=8),
    PageCase("API: call lists (info staff)", "/api/call-lists/", "info_staff", budget_ms=150, max_queries=8),
    PageCase("API: campaigns (info staff)", "/api/campaigns/", "info_staff", budget_ms=150, max_queries=8),
    PageCase("API: customers (admin)", "/api/customers/", "admin", budget_ms=150, max_queries=8),
    PageCase("API: deals (admin)", "/api/deals/", "admin", budget_ms=150, max_queries=8),
    PageCase("API: visits (admin)", "/api/visits/", "admin", budget_ms=150, max_queries=8),
    PageCase("API: territories (admin)", "/api/territories/", "admin", budget_ms=150, max_queries=8),
]

JOBS: list[JobCase] = [
    JobCase("daily visit-quota check", _check_visit_quotas, budget_ms=10_000),
    JobCase(
        "Monday key-account shortlist",
        _build_key_account_shortlists,
        budget_ms=10_000,
        reset=_forget_this_weeks_shortlists,
    ),
    JobCase("weekly assessment", _assess_visit_counts, budget_ms=10_000),
]


def scale_data_loaded() -> bool:
    """True once seed_scale's data set is in the database (200 salespeople, DESIGN.md §5)."""
    from crm.models import User

    return User.objects.filter(role=User.Role.SALESPERSON).count() >= 200


# Issue #24: the bulk jobs (bench/bulk.py), each with the peak memory of the process that ran it (in its
# result: rows per second, peak and current RSS). The import is rolled back afterwards: the data set stays.
def _export_100k_customers() -> dict:
    from bench.bulk import export_customers

    return export_customers(file_format="xlsx")


def _export_100k_customers_csv() -> dict:
    from bench.bulk import export_customers

    return export_customers(file_format="csv")


def _import_100k_prospects() -> dict:
    from bench.bulk import import_prospects

    return import_prospects(rows=100_000)


def _import_100k_call_list_numbers() -> dict:
    from bench.bulk import import_prospects

    return import_prospects(rows=100_000, call_list=True)


JOBS += [
    JobCase("xlsx export of every customer (admin, worker)", _export_100k_customers, budget_ms=30_000),
    JobCase("csv export of every customer (admin, worker)", _export_100k_customers_csv, budget_ms=30_000),
    JobCase("import of 100,000 prospect rows: dry run and commit", _import_100k_prospects, budget_ms=60_000),
    JobCase("import of 100,000 numbers to a call list: dry run and commit", _import_100k_call_list_numbers, 60_000),
]

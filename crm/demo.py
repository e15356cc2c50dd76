"""The demo organisation: two teams, their managers, salespeople, info staff and an admin.

Each app that has demo data adds a seeder to ``DEMO_SEEDERS``; ``seed_demo`` runs them
in order inside one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from faker import Faker

from crm.models import Team, User

DEMO_SEEDERS: list[str] = [
    "crm.demo.seed_organisation",
    "territories.demo.seed_territories",
    "accounts.customers.demo.seed_customers",
    "visits.demo.seed_visits",
    "accounts.deals.demo.seed_deals",
    # after the territories and customers seeders, so that the demo inquiries are routed
    "campaigns.demo.seed_campaigns",
    # after the campaigns: a segment, a call list for two callers and its first calls
    "campaigns.demo.seed_telemarketing",
    "visits.key_accounts.demo.seed_key_accounts",
    # after the visits, customers and deals: a report's figures are those of its day
    "visits.reports.demo.seed_daily_reports",
    "performance.demo.seed_targets",
    "accounts.service_tools.demo.seed_service_tools",
    "visits.demo.seed_calendar_and_quotas",
    "visits.demo.seed_leave_requests",
    "campaigns.demo.seed_partners",
    # after the territories: a recruitment and a tenders channel territory in 佛山市, worked as pipelines
    "campaigns.demo.seed_pipelines",
    # the duplicate check's keys of every demo customer, whichever seeder made it
    "accounts.customers.demo.seed_duplicate_examples",
    # every customer the seeders above made stands at a place of its district
    "accounts.customers.demo.seed_customer_positions",
    # the visits at those places get the phone's position there, for the manager's day's track
    "visits.demo.seed_check_in_positions",
    # last: the nightly churn job over everything the others made
    "campaigns.demo.seed_churn_risks",
]

TEAMS = (
    # team name, manager, salespeople
    ("城区业务一部", "manager1", ["sales1", "sales2", "sales3", "sales4"]),
    ("县域业务二部", "manager2", ["sales5", "sales6", "sales7", "sales8"]),
)


def demo_faker() -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(2026)
    return fake


def _make_user(fake: Faker, username: str, role: str, team: Team | None = None, **extra) -> User:
    user = User(
        username=username,
        role=role,
        team=team,
        last_name=fake.last_name(),
        first_name=fake.first_name(),
        phone=fake.phone_number(),
        email=f"{username}@example.com",
        **extra,
    )
    user.set_password(settings.CRM["DEMO_PASSWORD"])
    user.save()
    return user


@transaction.atomic
def seed_organisation(fake: Faker) -> dict[str, int]:
    _make_user(fake, "admin", User.Role.ADMIN, is_staff=True, is_superuser=True)
    for team_name, manager_name, salespeople in TEAMS:
        team = Team.objects.create(name=team_name, daily_visit_quota=6)
        manager = _make_user(fake, manager_name, User.Role.MANAGER, team)
        team.manager = manager
        team.save(update_fields=["manager"])
        for username in salespeople:
            _make_user(fake, username, User.Role.SALESPERSON, team)
    _make_user(fake, "info1", User.Role.INFO_STAFF)
    return {"users": User.objects.count(), "teams": Team.objects.count()}


def demo_is_loaded() -> bool:
    return User.objects.filter(username="admin").exists()

"""The "large branch" data set of DESIGN.md §5 for territories and customers, made with bulk inserts.

Default sizes: 200 salespeople in teams of 10 (each with a manager), 10 county branches, one channel
territory per salesperson, 200,000 customers; plus the office: one admin and one info staff member
(the benchmark measures their pages too). Every size is an option, so tests run it small.
Rows are written in batches without history (a benchmark set, not an audit trail).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.customers.duplicates.keys import match_keys
from accounts.customers.models import Customer
from accounts.management.commands.seed_scale_positions import place_scale_customers
from crm.models import Team, User
from territories.models import ChannelType, Territory, TerritoryAssignment
from territories.services import create_territory

DISTRICT_NAMES = "东城 西城 南城 北城 新城 老城 江北 江南 河东 河西 高新 港区 开发 湖滨 山前 山后 城关 镇东 镇西 临港"


class Command(BaseCommand):
    help = "Create the large data set for benchmarks: salespeople, teams, territories and customers (bulk)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--salespeople", type=int, default=200)
        parser.add_argument("--customers", type=int, default=200_000)
        parser.add_argument("--branches", type=int, default=10)
        parser.add_argument("--team-size", type=int, default=10)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--prefix", default="scale", help="prefix of usernames and territory codes")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options) -> None:
        prefix = options["prefix"]
        if Territory.objects.filter(code=f"{prefix}-company").exists():
            raise CommandError(f"The data set with prefix {prefix!r} exists already; use another --prefix.")
        if options["salespeople"] < 1 or options["branches"] < 1 or options["team_size"] < 1:
            raise CommandError("--salespeople, --branches and --team-size must be at least 1.")
        rng = random.Random(options["seed"])
        started = time.monotonic()
        salespeople, channels = self._organisation(rng=rng, **options)
        self.stdout.write(f"{len(salespeople)} salespeople, {len(channels)} channel territories")
        created = self._customers(channels=channels, rng=rng, **options)
        placed = place_scale_customers(prefix=prefix)
        self.stdout.write(
            self.style.SUCCESS(f"{created} customers ({placed} with a position) in {time.monotonic() - started:.1f} s")
        )

    @transaction.atomic
    def _organisation(self, *, rng: random.Random, **options):
        prefix = options["prefix"]
        password = make_password(settings.CRM["DEMO_PASSWORD"])  # hashed once, shared by every user
        count, team_size = options["salespeople"], options["team_size"]
        teams, salespeople = [], []
        for team_index in range((count + team_size - 1) // team_size):
            team = Team.objects.create(name=f"{prefix}-团队{team_index + 1:03d}")
            manager = User.objects.create(
                username=f"{prefix}-manager{team_index + 1:03d}", role=User.Role.MANAGER, team=team, password=password
            )
            team.manager = manager
            team.save(update_fields=["manager"])
            teams.append(team)
        users = [
            User(
                username=f"{prefix}-sales{index + 1:04d}",
                role=User.Role.SALESPERSON,
                team=teams[index // team_size],
                last_name="业",
                first_name=f"务员{index + 1}",
                password=password,
            )
            for index in range(count)
        ]
        User.objects.bulk_create(users, batch_size=options["batch_size"])
        self.office(prefix=prefix, password=password)
        salespeople = list(User.objects.filter(username__startswith=f"{prefix}-sales").order_by("username"))

        channel_types = list(ChannelType.objects.filter(is_active=True))
        districts = DISTRICT_NAMES.split()
        company = create_territory(kind=Territory.Kind.COMPANY, name=f"{prefix} 公司", code=f"{prefix}-company")
        city = create_territory(kind=Territory.Kind.CITY, name=f"{prefix} 市", code=f"{prefix}-city", parent=company)
        branches = [
            create_territory(
                kind=Territory.Kind.BRANCH,
                name=f"网点{index + 1}",
                code=f"{prefix}-branch{index + 1}",
                parent=city,
                districts=[f"{districts[index % len(districts)]}区{index // len(districts) or ''}"],
            )
            for index in range(options["branches"])
        ]
        channels = []
        now = timezone.now()
        assignments = []
        for index, person in enumerate(salespeople):
            channel_type = channel_types[index % len(channel_types)]
            territory = create_territory(
                kind=Territory.Kind.CHANNEL,
                name=f"{channel_type.name}{index + 1}",
                code=f"{prefix}-channel{index + 1}",
                parent=branches[index % len(branches)],
                channel_type=channel_type,
            )
            channels.append((territory, person))
            assignments.append(TerritoryAssignment(territory=territory, salesperson=person, started_at=now))
        TerritoryAssignment.objects.bulk_create(assignments, batch_size=options["batch_size"])
        return salespeople, channels

    @staticmethod
    def office(*, prefix: str, password: str) -> None:
        """The admin and the info staff of the branch; none of the sizes depends on them."""
        User.objects.get_or_create(
            username=f"{prefix}-admin",
            defaults={"role": User.Role.ADMIN, "is_staff": True, "password": password, "last_name": "管理员"},
        )
        User.objects.get_or_create(
            username=f"{prefix}-info001",
            defaults={"role": User.Role.INFO_STAFF, "password": password, "last_name": "信息员"},
        )

    def _customers(self, *, channels, rng: random.Random, **options) -> int:
        prefix = options["prefix"]
        total, batch_size = options["customers"], options["batch_size"]
        now = timezone.now()
        statuses, weights = Customer.Status.values, [70, 10, 15, 5]
        vehicle_types = ["", *Customer.VehicleType.values]
        created = 0
        while created < total:
            size = min(batch_size, total - created)
            rows = []
            for offset in range(size):
                number = created + offset
                territory, owner = channels[number % len(channels)]
                rows.append(
                    Customer(
                        unit_name=f"{prefix}客户{number + 1:06d}",
                        channel_type_id=territory.channel_type_id,
                        source=rng.choice(Customer.Source.values),
                        phone=f"+86139{number:08d}",
                        district=territory.parent.districts[0],
                        territory=territory,
                        owner=owner,
                        renewal_month=rng.choice([None, *range(1, 13)]),
                        status=rng.choices(statuses, weights=weights)[0],
                        last_activity_at=now - timedelta(days=rng.randint(0, 60)),
                        **match_keys(unit_name=f"{prefix}客户{number + 1:06d}", address=""),
                        # From the row number, not the generator: the other columns stay as they were.
                        vehicle_type=vehicle_types[number % len(vehicle_types)],
                        vehicle_count=1 + number % 7,
                    )
                )
            with transaction.atomic():
                Customer.objects.bulk_create(rows, batch_size=batch_size)
            created += size
            self.stdout.write(f"  {created}/{total}")
        return created

"""Visits for the "large branch" benchmark set (DESIGN.md §5), then the quota jobs timed on it.

Runs after ``seed_scale`` (territories and customers): the visits go to the salespeople whose
usernames start with ``--prefix`` and to the customers they hold. Without that set (e.g. on a
branch without ``seed_scale``), ``--create-people`` makes a bare one: teams of 10 salespeople,
each holding ``--customers`` / salespeople customers. Rows are bulk-inserted in batches.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.customers.duplicates.keys import match_keys
from accounts.customers.models import Customer
from crm.models import Team, User
from visits.calendar import previous_working_day, working_days_between
from visits.models import Visit
from visits.services import assess_visit_counts, check_visit_quotas, refresh_current_intents

KINDS = Visit.Kind.values
INTENTS = ["", "", "A", "B", "B", "C", "C", "D"]


class Command(BaseCommand):
    help = "Bulk-create visits for the benchmark set and time the daily quota check and weekly assessment."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--visits", type=int, default=2_000_000)
        parser.add_argument("--days", type=int, default=90, help="spread over this many days up to yesterday")
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument("--prefix", default="scale")
        parser.add_argument("--create-people", action="store_true", help="create bare salespeople and customers")
        parser.add_argument("--salespeople", type=int, default=200)
        parser.add_argument("--customers", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-benchmark", action="store_true")

    def handle(self, *args, **options) -> None:
        rng = random.Random(options["seed"])
        prefix = options["prefix"]
        if options["create_people"]:
            self._people(rng=rng, **options)
        held = defaultdict(list)
        for owner_id, customer_id in Customer.objects.filter(owner__username__startswith=f"{prefix}-").values_list(
            "owner_id", "pk"
        ):
            held[owner_id].append(customer_id)
        if not held:
            raise CommandError(f"No customers held by {prefix}-* salespeople: run seed_scale or use --create-people.")
        started = time.monotonic()
        created = self._visits(held=held, rng=rng, **options)
        elapsed = time.monotonic() - started
        self.stdout.write(f"{created} visits in {elapsed:.1f} s ({created / max(elapsed, 0.001):.0f}/s)")
        started = time.monotonic()
        # The visits were written in bulk, around the rating service: store each customer's current intent.
        with transaction.atomic():
            refreshed = refresh_current_intents()
        self.stdout.write(f"current intent of {refreshed} customers in {time.monotonic() - started:.1f} s")
        reports = self._daily_reports(prefix=prefix, rng=rng)
        self.stdout.write(f"{reports} daily reports of the previous working day")
        if not options["no_benchmark"]:
            self._benchmark()

    def _people(self, *, rng: random.Random, **options) -> None:
        prefix = options["prefix"]
        if User.objects.filter(username__startswith=f"{prefix}-sales").exists():
            return
        password = make_password(settings.CRM["DEMO_PASSWORD"])
        joined = timezone.now() - timedelta(days=365)
        with transaction.atomic():
            teams = []
            for index in range((options["salespeople"] + 9) // 10):
                team = Team.objects.create(name=f"{prefix}-团队{index + 1:03d}", daily_visit_quota=6)
                team.manager = User.objects.create(
                    username=f"{prefix}-manager{index + 1:03d}", role=User.Role.MANAGER, team=team, password=password
                )
                team.save(update_fields=["manager"])
                teams.append(team)
            User.objects.bulk_create(
                [
                    User(
                        username=f"{prefix}-sales{index + 1:04d}",
                        role=User.Role.SALESPERSON,
                        team=teams[index // 10],
                        password=password,
                        date_joined=joined,
                    )
                    for index in range(options["salespeople"])
                ]
            )
        people = list(User.objects.filter(username__startswith=f"{prefix}-sales").values_list("pk", flat=True))
        total, batch = options["customers"], options["batch_size"]
        for start in range(0, total, batch):
            with transaction.atomic():
                Customer.objects.bulk_create(
                    [
                        Customer(
                            unit_name=f"{prefix}客户{number + 1:06d}",
                            owner_id=people[number % len(people)],
                            **match_keys(unit_name=f"{prefix}客户{number + 1:06d}", address=""),
                        )
                        for number in range(start, min(total, start + batch))
                    ],
                    batch_size=batch,
                )
        self.stdout.write(f"{len(people)} salespeople, {total} customers created")

    def _visits(self, *, held: dict[int, list[int]], rng: random.Random, **options) -> int:
        total, batch = options["visits"], options["batch_size"]
        today = timezone.localdate()
        days = working_days_between(today - timedelta(days=options["days"]), today - timedelta(days=1))
        people = sorted(held)
        # Per person a "pace" so that some are often below quota and the assessment has someone to flag.
        pace = {person: rng.uniform(0.6, 1.4) for person in people}
        weights = [pace[person] for person in people]
        tz = timezone.get_current_timezone()
        created = 0
        while created < total:
            size = min(batch, total - created)
            chosen = rng.choices(people, weights=weights, k=size)
            rows = []
            for person in chosen:
                day = days[rng.randrange(len(days))]
                at = datetime.combine(day, clock(9 + rng.randrange(9), rng.randrange(60)), tzinfo=tz)
                intent = rng.choice(INTENTS)
                rows.append(
                    Visit(
                        salesperson_id=person,
                        customer_id=rng.choice(held[person]),
                        kind=rng.choice(KINDS),
                        visited_at=at,
                        visited_on=day,
                        intent=intent,
                        rated_at=at if intent else None,
                    )
                )
            with transaction.atomic():
                Visit.objects.bulk_create(rows, batch_size=batch)
            created += size
            if created % (batch * 20) == 0 or created == total:
                self.stdout.write(f"  {created}/{total}")
        return created

    @transaction.atomic
    def _daily_reports(self, *, prefix: str, rng: random.Random) -> int:
        """The previous working day's reports of nine in ten salespeople, as handed in (the day's figures),
        a manager's comment on every third: what the team's page of a day reads. Bulk-written, as the visits
        are (a quarter of them are unrated, which the submission service would refuse)."""
        from visits.reports.models import DailyReport, DailyReportComment
        from visits.reports.selectors import day_figures

        day = previous_working_day(timezone.localdate())
        if day is None:
            return 0
        people = list(
            User.objects.filter(username__startswith=f"{prefix}-", role=User.Role.SALESPERSON)
            .exclude(daily_reports__day=day)
            .values_list("pk", "team__manager_id")
        )
        people = [person for person in people if rng.random() < 0.9]
        figures = day_figures(salesperson_ids=[pk for pk, _manager in people], day=day)
        submitted = timezone.make_aware(datetime.combine(day, clock(19, 0)))
        reports = DailyReport.objects.bulk_create(
            DailyReport(
                salesperson_id=pk,
                day=day,
                submitted_at=submitted,
                due_at=submitted + timedelta(hours=13, minutes=30),
                visits_by_kind=dict(figures[pk].visits_by_kind),
                intent_counts=dict(figures[pk].intent_counts),
                new_customers=figures[pk].new_customers,
                deal_count=figures[pk].deal_count,
                deal_amount=figures[pk].deal_amount,
                quota_required=figures[pk].quota_required,
                quota_counted=figures[pk].quota_counted,
                went_well="拿下一家车队客户",
                problems="价格异议较多",
                tomorrow_plan="回访意向A、B的客户",
            )
            for pk, _manager in people
        )
        managers = dict(people)
        DailyReportComment.objects.bulk_create(
            DailyReportComment(report=report, author_id=managers[report.salesperson_id], text="很好，继续跟进")
            for report in reports[::3]
            if managers[report.salesperson_id] is not None
        )
        return len(reports)

    def _benchmark(self) -> None:
        day = previous_working_day(timezone.localdate())
        week = day - timedelta(days=day.weekday())
        for name, job, kwargs in (
            ("check_visit_quotas", check_visit_quotas, {"day": day}),
            ("check_visit_quotas (again)", check_visit_quotas, {"day": day}),
            ("assess_visit_counts", assess_visit_counts, {"week": week}),
            ("assess_visit_counts (again)", assess_visit_counts, {"week": week}),
        ):
            started = time.monotonic()
            count = job(**kwargs)
            self.stdout.write(f"{name}: {count} created in {time.monotonic() - started:.2f} s")

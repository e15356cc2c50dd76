"""Demo data of the visits app: the past week of visits for sales1..sales8, rated, with forms and shortfalls."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.customers.models import Customer
from crm.models import User
from visits.calendar import next_working_day, working_days_between
from visits.models import (
    FormSubmission,
    Material,
    Obstacle,
    QuotaOverride,
    QuotaShortfall,
    TalkingPoint,
    Visit,
    WorkingDay,
)
from visits.services import (
    check_visit_quotas,
    explain_shortfall,
    form_period,
    refresh_current_intents,
    set_quota_override,
    set_working_day,
)

CUSTOMERS_PER_SALESPERSON = 8
# Shenzhen, 南山: the demo customers stand within a few kilometres of here.
CENTRE = (Decimal("22.533000"), Decimal("113.930000"))
# 佛山, 禅城: where the demo branch's customers are, when they came from the seeded territories.
FOSHAN = (Decimal("23.021500"), Decimal("113.121400"))
KNOWN_PLACE_SHARE = 0.85  # a few customers have never been checked in at: their place is not known yet
NEXT_STEPS = ["送产品资料", "约老板面谈", "下周二次拜访", "报价", "邀请来公司参观", "请经理陪同拜访"]


def _customers_of(fake: Faker, rng: random.Random, salesperson: User) -> list[Customer]:
    """The salesperson's customers; with no territories seeded, a few prospects they hold."""
    existing = list(Customer.objects.visible_to(salesperson).order_by("pk")[:CUSTOMERS_PER_SALESPERSON])
    if existing:
        return existing
    return [
        Customer.objects.create(
            unit_name=fake.company(),
            address=fake.street_address(),
            district="南山区",
            owner=salesperson,
            created_by=salesperson,
            latitude=CENTRE[0] + Decimal(rng.randint(-20000, 20000)) / 1_000_000,
            longitude=CENTRE[1] + Decimal(rng.randint(-20000, 20000)) / 1_000_000,
            last_activity_at=timezone.now(),
        )
        for _ in range(CUSTOMERS_PER_SALESPERSON)
    ]


def _locate(rng: random.Random, customers: list[Customer]) -> None:
    """Give most customers without a place one near the branch, as their first check-in would have."""
    for customer in customers:
        if customer.latitude is not None or rng.random() > KNOWN_PLACE_SHARE:
            continue
        customer.latitude = FOSHAN[0] + Decimal(rng.randint(-40000, 40000)) / 1_000_000
        customer.longitude = FOSHAN[1] + Decimal(rng.randint(-40000, 40000)) / 1_000_000
        Customer.objects.filter(pk=customer.pk).update(latitude=customer.latitude, longitude=customer.longitude)


@transaction.atomic
def seed_visits(fake: Faker) -> dict[str, int]:
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not secrets
    today = timezone.localdate()
    salespeople = list(
        User.objects.filter(role=User.Role.SALESPERSON, username__regex=r"^sales\d$").order_by("username")
    )
    # The demo team has been at work for a while: nobody is a new starter.
    User.objects.filter(pk__in=[person.pk for person in salespeople]).update(
        date_joined=timezone.now() - timedelta(days=90)
    )
    days = working_days_between(today - timedelta(days=7), today - timedelta(days=1))
    visits: list[Visit] = []
    for index, person in enumerate(salespeople):
        customers = _customers_of(fake, rng, person)
        _locate(rng, customers)
        for day in days:
            # Most people make the quota of 6; sales2 and sales6 often fall short.
            count = rng.randint(2, 5) if index in (1, 5) else rng.randint(5, 9)
            for number in range(count):
                customer = customers[(number + day.toordinal()) % len(customers)]
                at = timezone.make_aware(datetime.combine(day, time(9 + number % 8, rng.randint(0, 59))))
                far = rng.random() < 0.1
                kind = rng.choice([Visit.Kind.FIRST, Visit.Kind.FIRST, Visit.Kind.SECOND, Visit.Kind.PHONE])
                latitude = longitude = distance = None
                if customer.latitude is not None and kind != Visit.Kind.PHONE:  # a call is made from anywhere
                    offset = Decimal(rng.randint(900, 3000) if far else rng.randint(0, 200)) / 1_000_000
                    latitude, longitude = customer.latitude + offset, customer.longitude
                    distance = round(float(offset) * 111_195)
                visits.append(
                    Visit(
                        salesperson=person,
                        customer=customer,
                        kind=kind,
                        visited_at=at,
                        visited_on=day,
                        materials=rng.sample(Material.values, rng.randint(1, 3)),
                        talking_points=rng.sample(TalkingPoint.values, rng.randint(1, 4)),
                        notes=fake.sentence(nb_words=8),
                        next_step=rng.choice(NEXT_STEPS),
                        next_step_on=day + timedelta(days=rng.randint(1, 10)),
                        latitude=latitude,
                        longitude=longitude,
                        accuracy_m=rng.randint(5, 60) if latitude is not None else None,
                        distance_m=distance,
                        far_from_customer=far and distance is not None and distance > 500,
                        intent=rng.choice("AABBBCCCD"),
                        obstacles=rng.sample(Obstacle.values, rng.randint(0, 2)),
                        rated_at=at + timedelta(hours=8),
                    )
                )
    Visit.objects.bulk_create(visits, batch_size=1000)
    refresh_current_intents(customer_ids=[visit.customer_id for visit in visits])
    for person in salespeople:
        for day in days:
            start, end, due = form_period(salesperson=person, day=day)
            if (
                rng.random() < 0.85
                and not FormSubmission.objects.filter(salesperson=person, period_start=start).exists()
            ):
                submitted = due - timedelta(minutes=rng.randint(-30, 600))
                FormSubmission.objects.create(
                    salesperson=person,
                    period_start=start,
                    period_end=end,
                    visit_count=Visit.objects.filter(salesperson=person, visited_on__range=(start, end)).count(),
                    submitted_at=submitted,
                    due_at=due,
                    late=submitted > due,
                )
    for day in days:
        check_visit_quotas(day=day)
    for shortfall in QuotaShortfall.objects.filter(salesperson__username="sales6").order_by("day")[:2]:
        explain_shortfall(shortfall=shortfall, salesperson=shortfall.salesperson, explanation="上午开会，下午客户不在")
    return {
        "visits": Visit.objects.count(),
        "form submissions": FormSubmission.objects.count(),
        "shortfalls": QuotaShortfall.objects.count(),
    }


@transaction.atomic
def seed_calendar_and_quotas(fake: Faker) -> dict[str, int]:
    """The admin's settings as the Settings pages show them: next New Year's Day off with its make-up working
    Saturday (both ahead of today, so the demo's quota history stays as it is), and a new starter's lower
    personal minimum from today. Through the services, so the history says the admin did it."""
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    new_year = date(today.year + 1, 1, 1)
    if new_year.weekday() < 5:
        set_working_day(day=new_year, is_working=False, note="元旦", changed_by=admin)
    saturday = new_year + timedelta(days=(5 - new_year.weekday()) % 7 or 7)
    set_working_day(day=saturday, is_working=True, note="元旦调休", changed_by=admin)
    set_quota_override(
        salesperson=User.objects.get(username="sales8"),
        daily_minimum=4,
        valid_from=today,
        reason="新人第一个月减量",
        changed_by=admin,
    )
    return {"calendar exceptions": WorkingDay.objects.count(), "personal quotas": QuotaOverride.objects.count()}


@transaction.atomic
def seed_leave_requests(fake: Faker) -> dict[str, int]:
    """Leave 请假 through the approvals: sales2's request waits in manager1's inbox; sales3's was approved
    and is in the quota calendar."""
    from crm.approvals.services import decide_approval
    from crm.models import Approval
    from visits.models import Leave
    from visits.services import request_leave

    today = timezone.localdate()
    waiting = next_working_day(today + timedelta(days=2))
    request_leave(
        salesperson=User.objects.get(username="sales2"), start_day=waiting, end_day=waiting, reason="孩子开家长会"
    )
    approved_day = next_working_day(today + timedelta(days=7))
    approved = request_leave(
        salesperson=User.objects.get(username="sales3"), start_day=approved_day, end_day=approved_day, reason="看病"
    )
    decide_approval(
        approval_id=approved.pk, user=User.objects.get(username="manager1"), approve=True, comment="注意身体"
    )
    return {"approvals": Approval.objects.count(), "leave": Leave.objects.count()}

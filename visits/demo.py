"""Demo data of the visits app: the past week of visits for sales1..sales8, rated, with forms and shortfalls;
sales1's plan for this week (the days gone by measured against the visits) and tomorrow."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from faker import Faker

from accounts.customers.demo import place_demo_customer
from accounts.customers.models import Customer
from crm.models import User
from visits.calendar import next_working_day, working_days_between
from visits.models import (
    FormSubmission,
    Material,
    Obstacle,
    QuotaOverride,
    QuotaShortfall,
    RoutePlan,
    RouteStop,
    TalkingPoint,
    Visit,
    WorkingDay,
)
from visits.plans.services import add_to_plan, plan_window, reorder_plan
from visits.services import (
    check_visit_quotas,
    explain_shortfall,
    form_period,
    refresh_current_intents,
    set_quota_override,
    set_working_day,
)

CUSTOMERS_PER_SALESPERSON = 8
NEXT_STEPS = ["送产品资料", "约老板面谈", "下周二次拜访", "报价", "邀请来公司参观", "请经理陪同拜访"]
PURPOSES = ["送报价单", "续保面谈", "递交产品资料", "回访老板", "签合同", "", "了解车队规模", ""]


def _customers_of(fake: Faker, rng: random.Random, salesperson: User) -> list[Customer]:
    """The salesperson's customers; with no territories seeded, a few prospects they hold in 禅城区."""
    existing = list(Customer.objects.visible_to(salesperson).order_by("pk")[:CUSTOMERS_PER_SALESPERSON])
    if existing:
        return existing
    customers = []
    for _ in range(CUSTOMERS_PER_SALESPERSON):
        customer = Customer(
            unit_name=fake.company(),
            district="禅城区",
            owner=salesperson,
            created_by=salesperson,
            last_activity_at=timezone.now(),
        )
        place_demo_customer(customer, rng)
        customer.save()
        customers.append(customer)
    return customers


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
    if salespeople and salespeople[0].username == "sales1":
        _plan_the_week(rng, salespeople[0], today)
    return {
        "visits": Visit.objects.count(),
        "form submissions": FormSubmission.objects.count(),
        "shortfalls": QuotaShortfall.objects.count(),
        "planned stops": RouteStop.objects.count(),
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


def _plan_the_week(rng: random.Random, salesperson: User, today) -> None:
    """sales1's plan: the working days of this week gone by (most stops visited, one missed a day, as the
    visits above fall), today's four stops and tomorrow's five, and three a day for the rest of the week."""
    customers = list(Customer.objects.visible_to(salesperson).order_by(F("latitude").asc(nulls_last=True), "pk")[:16])
    if len(customers) < 6:
        return
    monday = today - timedelta(days=today.weekday())
    for day in working_days_between(monday, today - timedelta(days=1)):
        # The days gone by are written as they were planned then (the plan's service refuses past days).
        visited = set(
            Visit.objects.filter(salesperson=salesperson, visited_on=day).values_list("customer_id", flat=True)
        )
        seen = [customer for customer in customers if customer.pk in visited]
        unseen = [customer for customer in customers if customer.pk not in visited]
        kept = rng.sample(seen, min(3, len(seen)))
        missed = rng.sample(unseen, min(1, len(unseen)))
        plan = RoutePlan.objects.create(salesperson=salesperson, day=day)
        RouteStop.objects.bulk_create(
            RouteStop(plan=plan, customer=customer, position=position, note=rng.choice(PURPOSES))
            for position, customer in enumerate(kept + missed, start=1)
        )
        reorder_plan(plan=plan)
    tomorrow = today + timedelta(days=1)
    last = max(min(plan_window(today=today)[1], monday + timedelta(days=6)), tomorrow)
    working = set(working_days_between(today, last))
    day = today
    while day <= last:
        count = 4 if day == today else 5 if day == tomorrow else 3
        if day in (today, tomorrow) or day in working:
            # Customers with a position where there are enough, so that the route order shows.
            located = [customer for customer in customers if customer.latitude is not None]
            for customer in rng.sample(located if len(located) >= count else customers, count):
                add_to_plan(salesperson=salesperson, customer_id=customer.pk, day=day, note=rng.choice(PURPOSES))
        day += timedelta(days=1)


@transaction.atomic
def seed_check_in_positions(fake: Faker) -> dict[str, int]:
    """After the customers have their places (accounts.customers.demo.seed_customer_positions): the demo's visits
    at a customer's door of the last two weeks get the phone's position there, a few dozen metres off with a
    fix of 10-40 m, so that the manager's day's track draws each person's day (and its impossible-travel
    flags, where the demo's times make one). Phone calls and office visits keep none, as in the app. The
    travel links as record_visit stores them."""
    from visits.trust import link_travel

    rng = random.Random(2028)  # noqa: S311 - demo data, not security
    since = timezone.localdate() - timedelta(days=14)
    at_door = (
        Visit.objects.filter(
            visited_on__gte=since,
            latitude__isnull=True,
            kind__in=[Visit.Kind.FIRST, Visit.Kind.SECOND, Visit.Kind.JOINT],
            customer__latitude__isnull=False,
        )
        .select_related("customer")
        .order_by("visited_at", "pk")
    )
    visits = list(at_door)
    for visit in visits:
        jitter = Decimal("0.0004")
        visit.latitude = visit.customer.latitude + Decimal(rng.uniform(-1, 1)) * jitter
        visit.longitude = visit.customer.longitude + Decimal(rng.uniform(-1, 1)) * jitter
        visit.latitude, visit.longitude = round(visit.latitude, 6), round(visit.longitude, 6)
        visit.accuracy_m = rng.randint(10, 40)
        visit.verified = True
    Visit.objects.bulk_update(visits, ["latitude", "longitude", "accuracy_m", "verified"], batch_size=500)
    for visit in visits:
        link_travel(visit)
    return {"check-ins with a position": len(visits)}


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

"""Demo data of the visits app: the past week of visits for sales1..sales8, rated, with forms and shortfalls."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.customers.demo import place_demo_customer
from accounts.customers.models import Customer
from crm.models import User
from visits.calendar import working_days_between
from visits.models import FormSubmission, Material, Obstacle, QuotaShortfall, TalkingPoint, Visit
from visits.services import check_visit_quotas, explain_shortfall, form_period, refresh_current_intents

CUSTOMERS_PER_SALESPERSON = 8
NEXT_STEPS = ["送产品资料", "约老板面谈", "下周二次拜访", "报价", "邀请来公司参观", "请经理陪同拜访"]


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
    return {
        "visits": Visit.objects.count(),
        "form submissions": FormSubmission.objects.count(),
        "shortfalls": QuotaShortfall.objects.count(),
    }

"""Demo data for the follow-up 业务跟进: two weeks of rated visits, last week's shortlist with outcomes,
this week's shortlist built by the Monday job, and a joint-visit request from sales1 to manager1."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from faker import Faker

from accounts.customers.models import Customer
from crm.dates import local_today, week_start
from crm.models import User
from territories.selectors import territories_owned_by
from visits.key_accounts.models import KeyAccountEntry
from visits.key_accounts.services import build_shortlists, request_joint_visit
from visits.models import Visit

OBSTACLE_SETS = (["price"], ["trust"], ["coverage", "price"], ["profit_ratio"], ["trust", "other"], [])
INTENTS = ("A", "B", "B", "C", "A", "D")
ANSWERS = {
    "price": "准备同类车队的报价对比，强调理赔时效",
    "trust": "请经理陪同拜访，带上本地理赔案例",
    "coverage": "按车型重新搭配险种，补充三者险额度",
    "profit_ratio": "说明返点政策和季度奖励",
}


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_key_accounts(fake: Faker) -> dict[str, int]:
    this_monday = week_start(local_today())
    last_monday = this_monday - timedelta(weeks=1)
    salespeople = list(User.objects.filter(role=User.Role.SALESPERSON).order_by("username"))
    visits = []
    for person_index, salesperson in enumerate(salespeople):
        # Never half-owned: the customers are in the salesperson's own territory (when one is seeded).
        territory = territories_owned_by(salesperson=salesperson).select_related("parent").order_by("path").first()
        districts = (territory.parent.districts if territory and territory.parent else None) or []
        for n in range(6):
            customer = Customer.objects.create(
                unit_name=f"{fake.city_name()}{fake.company_prefix()}{fake.company_suffix()}",
                district=districts[n % len(districts)] if districts else "禅城区",
                territory=territory,
                channel_type=territory.channel_type if territory else None,
                owner=salesperson,
                created_by=salesperson,
                last_activity_at=timezone.now(),
            )
            # Half rated the week before last (on last week's shortlist), half last week.
            rated_week = last_monday - timedelta(weeks=1) if n % 2 == 0 else last_monday
            day = rated_week + timedelta(days=(n + person_index) % 5)
            intent = INTENTS[(n + person_index) % len(INTENTS)]
            obstacles = OBSTACLE_SETS[(n + 2 * person_index) % len(OBSTACLE_SETS)] if intent in "AB" else []
            visits.append(
                Visit(
                    salesperson=salesperson,
                    customer=customer,
                    visited_at=_at(day, 10 + n),
                    visited_on=day,
                    intent=intent,
                    rated_at=_at(day, 18),
                    obstacles=obstacles,
                    obstacle_detail=fake.sentence(nb_words=6) if obstacles else "",
                )
            )
            Customer.objects.filter(pk=customer.pk).update(intent=intent)
    Visit.objects.bulk_create(visits)

    build_shortlists(week=last_monday)
    # What came of last week: every other entry got its second visit, some closed.
    for index, entry in enumerate(KeyAccountEntry.objects.filter(week=last_monday).order_by("id")):
        answer = next((ANSWERS[code] for code in entry.obstacles if code in ANSWERS), "")
        updates = {"prepared_answer": answer, "planned_on": last_monday + timedelta(days=2 + index % 3)}
        if index % 2 == 0:
            day = last_monday + timedelta(days=2 + index % 3)
            Visit.objects.create(
                salesperson=entry.salesperson,
                customer=entry.customer,
                kind=Visit.Kind.SECOND,
                visited_at=_at(day, 15),
                visited_on=day,
            )
            updates["outcome"] = ("second_visit_done", "won", "lost")[index // 2 % 3]
        KeyAccountEntry.objects.filter(pk=entry.pk).update(**updates)
        if updates.get("outcome") == "won":
            Customer.objects.filter(pk=entry.customer_id).update(status=Customer.Status.CUSTOMER)
        elif updates.get("outcome") == "lost":
            Customer.objects.filter(pk=entry.customer_id).update(status=Customer.Status.LOST)
    created = build_shortlists(week=this_monday)

    sales1 = User.objects.get(username="sales1")
    trust_entry = KeyAccountEntry.objects.filter(week=this_monday, salesperson=sales1).order_by("id").first()
    requests = 0
    if trust_entry is not None and sales1.team and sales1.team.manager:
        request_joint_visit(
            salesperson=sales1,
            customer=trust_entry.customer,
            manager=sales1.team.manager,
            reason="客户对我们公司的理赔服务不放心，希望经理出面介绍本地服务网点。",
            proposed_at=_at(this_monday + timedelta(days=2), 14),
            alternative_at=_at(this_monday + timedelta(days=3), 10),
            entry=trust_entry,
        )
        requests = 1
    return {"rated visits": len(visits), "shortlist entries": created, "joint-visit requests": requests}

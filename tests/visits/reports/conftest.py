"""The day the daily-report tests are about: Wednesday 25 November 2026, evening in Shenzhen, with sales1's
day of visits, ratings, new customers and deals (exact numbers, built in ``a_day``)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from accounts.deals.models import Deal
from crm.models import Team, User
from tests.accounts.deals.factories import DealFactory
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import Visit

WEDNESDAY = date(2026, 11, 25)
K = Visit.Kind


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def client(client):
    """Pages in English, for tests that match on their text (the site's default is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def wednesday():
    """Wednesday 25 November 2026, 19:00 in Shenzhen: the day is done, the report is due 08:30 tomorrow."""
    with time_machine.travel(at(WEDNESDAY, 19), tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(wednesday, people):
    """Everyone joined long ago (no new-starter grace); team one's quota is 6 a day, forms daily."""
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    Team.objects.filter(pk=people.team_one.pk).update(daily_visit_quota=6)
    people.team_one.refresh_from_db()
    return people


def visit(salesperson, customer, kind=K.FIRST, hour=10, intent="", day=WEDNESDAY):
    return VisitFactory(salesperson=salesperson, customer=customer, kind=kind, visited_at=at(day, hour), intent=intent)


@pytest.fixture
def a_day(staff, owned_tree):
    """sales1's Wednesday, and what must not count in it.

    Visits: 3 first (A, B, B), 1 second (C), 1 joint (D), 1 phone call (C), 1 office visit (unrated):
    7 visits, 5 at the customer's (the quota counts those: 5 / 6, 1 short). Ratings A1 B2 C2 D1.
    New customers registered by sales1 on Wednesday: 2. Deals credited to sales1, issued Wednesday:
    ¥12,000.50 and ¥7,999.25 (¥19,999.75); a cancelled one, one of Tuesday and one of sales2 do not count.
    Not counted either: sales1's Tuesday visit, sales2's Wednesday visit, sales2's new customer.
    """
    territory = owned_tree["nanshan_clubs"]
    customers = [CustomerFactory(unit_name=f"客户{n}", territory=territory, owner=staff.sales1) for n in range(1, 8)]
    plan = [
        (K.FIRST, 9, "A"),
        (K.FIRST, 10, "B"),
        (K.FIRST, 11, "B"),
        (K.SECOND, 13, "C"),
        (K.JOINT, 14, "D"),
        (K.PHONE, 15, "C"),
        (K.OFFICE, 16, ""),
    ]
    visits = [
        visit(staff.sales1, customer, kind, hour, intent)
        for customer, (kind, hour, intent) in zip(customers, plan, strict=True)
    ]
    visit(staff.sales1, customers[0], hour=10, intent="A", day=WEDNESDAY - timedelta(days=1))
    theirs = CustomerFactory(unit_name="南山小企业", territory=owned_tree["nanshan_smes"], owner=staff.sales2)
    visit(staff.sales2, theirs, hour=10, intent="B")

    new = [CustomerFactory(unit_name=f"新客户{n}", territory=territory, created_by=staff.sales1) for n in (1, 2)]
    old = CustomerFactory(unit_name="上周登记", territory=territory, created_by=staff.sales1)
    type(old).objects.filter(pk=old.pk).update(created_at=at(WEDNESDAY - timedelta(days=1), 18))
    CustomerFactory(unit_name="同事登记", created_by=staff.sales2)

    deals = [
        DealFactory(salesperson=staff.sales1, customer=customers[0], amount=Decimal("12000.50"), issued_on=WEDNESDAY),
        DealFactory(salesperson=staff.sales1, customer=customers[1], amount=Decimal("7999.25"), issued_on=WEDNESDAY),
    ]
    DealFactory(
        salesperson=staff.sales1,
        customer=customers[2],
        amount=Decimal("500.00"),
        issued_on=WEDNESDAY,
        status=Deal.Status.CANCELLED,
    )
    DealFactory(
        salesperson=staff.sales1,
        customer=customers[3],
        amount=Decimal("800.00"),
        issued_on=WEDNESDAY - timedelta(days=1),
    )
    DealFactory(salesperson=staff.sales2, customer=theirs, amount=Decimal("900.00"), issued_on=WEDNESDAY)
    return SimpleNamespace(customers=customers, visits=visits, unrated=visits[6], new_customers=new, deals=deals)


@pytest.fixture
def rated_day(a_day):
    """The same day with the office visit rated B: ratings A1 B3 C2 D1, nothing left to rate."""
    Visit.objects.filter(pk=a_day.unrated.pk).update(intent="B", rated_at=timezone.now())
    return a_day

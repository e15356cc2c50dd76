"""REL-05 and REL-13: the same scheduled job run twice at the same moment, and two people saving
one customer at the same moment. Threads with a connection each, released together by a barrier,
on PostgreSQL (SQLite serialises every writer, so there is no race to lose there)."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from accounts.customers.models import Customer
from accounts.customers.services import (
    StaleCustomer,
    return_idle_customers_to_pool,
    update_customer,
)
from campaigns.services import flag_overdue_inquiries
from crm.models import Notification, User
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import PhoneInquiryFactory
from tests.concurrency import at_once
from tests.reliability.conftest import needs_postgresql
from tests.visits.key_accounts.helpers import MONDAY, rate, shortlist
from visits.key_accounts.models import KeyAccountEntry
from visits.key_accounts.services import build_shortlists
from visits.models import QuotaShortfall, Visit
from visits.services import check_visit_quotas

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chaos]

WEDNESDAY = date(2026, 11, 25)
TRIALS = 100


@pytest.fixture(autouse=True)
def _postgresql():
    needs_postgresql(connection, "SQLite serialises writers, so there is no race to test")


def test_the_daily_quota_check_run_twice_at_once_creates_each_shortfall_once(people):
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    at = timezone.make_aware(datetime(2026, 11, 25, 10))
    Visit.objects.bulk_create(
        [Visit(salesperson=people.sales1, customer=customer, visited_at=at, visited_on=WEDNESDAY) for _ in range(6)]
    )

    results = at_once(lambda: check_visit_quotas(day=WEDNESDAY), lambda: check_visit_quotas(day=WEDNESDAY))

    assert sorted(results) == [0, 2]
    assert sorted(QuotaShortfall.objects.values_list("salesperson__username", flat=True)) == ["sales2", "sales3"]
    assert Notification.objects.filter(kind="quota_shortfall").count() == 2


def test_the_monday_shortlist_built_twice_at_once_lists_each_customer_once(people):
    for n in range(3):
        customer = CustomerFactory(unit_name=f"一{n}", owner=people.sales1)
        rate(customer, people.sales1, MONDAY - timedelta(days=2), "A")
    rate(CustomerFactory(unit_name="二", owner=people.sales2), people.sales2, MONDAY - timedelta(days=1), "B")

    results = at_once(lambda: build_shortlists(week=MONDAY), lambda: build_shortlists(week=MONDAY))

    assert sorted(results) == [0, 4]
    assert shortlist() == [("sales1", "一0"), ("sales1", "一1"), ("sales1", "一2"), ("sales2", "二")]
    assert KeyAccountEntry.objects.count() == 4
    assert Notification.objects.filter(kind="key_account_shortlist").count() == 2


@pytest.fixture
def channel_types():
    """A transactional test starts from empty tables: put back what the data migration seeds."""
    from django.apps import apps

    seed = importlib.import_module("territories.migrations.0002_seed_channel_types").seed
    seed(apps, None)


def test_the_pool_return_run_twice_at_once_returns_each_customer_once(people, channel_types, owned_tree):
    old = datetime(2026, 1, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    idle = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, last_activity_at=old)
    version = idle.version

    day = date(2026, 3, 10)
    results = at_once(lambda: return_idle_customers_to_pool(day=day), lambda: return_idle_customers_to_pool(day=day))

    assert sorted(results) == [0, 1]
    idle.refresh_from_db()
    assert (idle.owner, idle.pooled_from, idle.version) == (None, people.sales1, version + 1)


def test_overdue_inquiries_flagged_twice_at_once_are_told_to_the_manager_once(people):
    inquiry = PhoneInquiryFactory(
        entered_by=people.info1,
        salesperson=people.sales1,
        status="assigned",
        assigned_at=timezone.now() - timedelta(days=3),
    )
    today = timezone.localdate()

    results = at_once(lambda: flag_overdue_inquiries(day=today), lambda: flag_overdue_inquiries(day=today))

    assert sorted(results) == [0, 1]
    inquiry.refresh_from_db()
    assert inquiry.overdue_flagged_at is not None
    assert Notification.objects.filter(recipient=people.manager1).count() == 1


def save_name(customer_id: int, user: User, version: int, name: str) -> Customer:
    return update_customer(customer_id=customer_id, changed_by=user, version=version, data={"unit_name": name})


def test_two_people_saving_one_customer_at_once_never_overwrite_each_other_silently(people):
    customer = CustomerFactory(unit_name="顺达汽修厂", owner=people.sales1)
    first_version = customer.version
    silent_overwrites = 0
    for trial in range(TRIALS):
        customer.refresh_from_db()
        opened = customer.version  # both forms were opened on this version

        results = at_once(
            partial(save_name, customer.pk, people.sales1, opened, f"销售改{trial}"),
            partial(save_name, customer.pk, people.manager1, opened, f"经理改{trial}"),
        )

        saved = [result for result in results if isinstance(result, Customer)]
        refused = [result for result in results if isinstance(result, StaleCustomer)]
        assert (len(saved), len(refused)) == (1, 1), results
        customer.refresh_from_db()
        if customer.unit_name != saved[0].unit_name or customer.version != opened + 1:
            silent_overwrites += 1

    assert silent_overwrites == 0
    assert customer.version == first_version + TRIALS  # one save per trial, never both

"""Issue 16 item 10: the self-correcting quota check run twice at the same moment, with real threads on
PostgreSQL (SQLite serialises every writer, so there is no race to lose there)."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Customer
from crm.models import Notification, User
from visits.models import Leave, QuotaShortfall, Visit
from visits.services import check_visit_quotas

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers, so there is no race to test"
    ),
]

WEDNESDAY = date(2026, 11, 25)
TRIALS = 10


def at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # the outcome, whatever it is, is what the test asserts
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_the_rerun_twice_at_once_withdraws_each_shortfall_once_and_tells_once(people):
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    at = timezone.make_aware(datetime(2026, 11, 25, 10))
    for trial in range(TRIALS):
        QuotaShortfall.objects.all().delete()
        Notification.objects.all().delete()
        Visit.objects.all().delete()
        Leave.objects.all().delete()
        check_visit_quotas(day=WEDNESDAY)
        # late: sales1's visits (team one needs 6) and sales3's leave
        Visit.objects.bulk_create(
            [Visit(salesperson=people.sales1, customer=customer, visited_at=at, visited_on=WEDNESDAY) for _ in range(6)]
        )
        Leave.objects.create(salesperson=people.sales3, start_day=WEDNESDAY, end_day=WEDNESDAY)

        results = at_once(lambda: check_visit_quotas(day=WEDNESDAY), lambda: check_visit_quotas(day=WEDNESDAY))

        assert results == [0, 0], trial
        assert sorted(QuotaShortfall.objects.values_list("salesperson__username", "status", "withdrawal_reason")) == [
            ("sales1", "withdrawn", "quota_met"),
            ("sales2", "awaiting_explanation", ""),
            ("sales3", "withdrawn", "leave"),
        ], trial
        assert sorted(
            Notification.objects.filter(kind="quota_shortfall_withdrawn").values_list("recipient__username", flat=True)
        ) == ["sales1", "sales3"], trial

"""Issue 16 item 10: the self-correcting quota check run twice at the same moment, with real threads on
PostgreSQL (SQLite serialises every writer, so there is no race to lose there)."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.customers.models import Customer
from crm.models import Notification, User
from tests.concurrency import at_once
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


def test_a_review_saved_while_the_check_reruns_is_not_overwritten(people):
    """The manager accepts an explanation while the re-run updates the day's figures: the check waits for
    the review's transaction and keeps its decision (without the row locks it wrote the old status back)."""
    import time

    from django.db import transaction

    from visits.services import review_shortfall

    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    check_visit_quotas(day=WEDNESDAY)
    shortfall = QuotaShortfall.objects.get(salesperson=people.sales1)
    QuotaShortfall.objects.filter(pk=shortfall.pk).update(
        explanation="客户不在", status=QuotaShortfall.Review.AWAITING_REVIEW
    )
    at = timezone.make_aware(datetime(2026, 11, 25, 10))
    Visit.objects.create(salesperson=people.sales1, customer=customer, visited_at=at, visited_on=WEDNESDAY)
    reviewed, release = threading.Event(), threading.Event()

    def review():
        try:
            with transaction.atomic():
                review_shortfall(shortfall=shortfall, manager=people.manager1, decision="accept")
                reviewed.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def check():
        try:
            reviewed.wait(timeout=60)
            return check_visit_quotas(day=WEDNESDAY)
        finally:
            connections.close_all()

    results = []
    reviewer = threading.Thread(target=review)
    checker = threading.Thread(target=lambda: results.append(check()))
    reviewer.start()
    checker.start()
    reviewed.wait(timeout=60)
    # release the review once the check waits on its lock (polled, not timed)
    with connection.cursor() as cursor:
        for _ in range(600):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    release.set()
    reviewer.join(timeout=60)
    checker.join(timeout=60)

    shortfall.refresh_from_db()
    assert results == [0]
    assert (shortfall.status, shortfall.actual, shortfall.reviewed_by) == ("accepted", 1, people.manager1)

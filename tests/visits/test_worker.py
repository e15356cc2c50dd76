"""The daily check through a real Celery worker (Redis and PostgreSQL in CI; filesystem broker and SQLite here)."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from accounts.customers.models import Customer
from crm.models import User
from visits.models import QuotaShortfall, Visit

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.worker
def test_the_daily_check_runs_through_a_real_worker_once(celery_worker, people):
    from visits.tasks import check_visit_quotas_task

    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    at = timezone.make_aware(datetime.combine(WEDNESDAY, time(10)))
    Visit.objects.bulk_create(
        [Visit(salesperson=people.sales1, customer=customer, visited_at=at, visited_on=WEDNESDAY) for _ in range(6)]
    )

    first = check_visit_quotas_task.delay(WEDNESDAY.isoformat()).get(timeout=30)
    second = check_visit_quotas_task.delay(WEDNESDAY.isoformat()).get(timeout=30)

    assert (first, second) == (2, 0)
    assert sorted(QuotaShortfall.objects.values_list("salesperson__username", "required", "actual")) == [
        ("sales2", 6, 0),
        ("sales3", 6, 0),
    ]

"""REL-08: a Celery worker killed in the middle of a scheduled job.

The job (the daily visit-quota check) is caught mid-run, inside its transaction, waiting on its
own job lock, which the test holds. The worker is then SIGKILLed: first its pool process (the
task is given back at once: acks_late + reject_on_worker_lost), then the whole worker (a fresh
worker gets the task after the visibility timeout). Either way the rerun leaves exactly what one
clean run leaves: one shortfall per salesperson below quota and one notification each."""

from __future__ import annotations

import os
import signal
from datetime import date, datetime, time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.customers.models import Customer
from crm.locks import lock_job
from crm.models import Notification, User
from tests.reliability.conftest import WorkerProcess, database_url, needs_postgresql, wait_until
from visits.models import QuotaShortfall, Visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chaos]

WEDNESDAY = date(2026, 11, 25)
EXPECTED_SHORTFALLS = [("sales2", 6, 0), ("sales3", 6, 0)]


@pytest.fixture
def one_salesperson_met_the_quota(people):
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    at = timezone.make_aware(datetime.combine(WEDNESDAY, time(10)))
    Visit.objects.bulk_create(
        [Visit(salesperson=people.sales1, customer=customer, visited_at=at, visited_on=WEDNESDAY) for _ in range(6)]
    )


@pytest.fixture
def worker_factory(broker_on_spare_redis):
    needs_postgresql(connection)
    started = []

    def start(**options) -> WorkerProcess:
        worker = WorkerProcess(broker_url=broker_on_spare_redis.url, database=database_url(connection), **options)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def job_waits_on_its_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL answers from a snapshot of the statistics: take a new one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return cursor.fetchone()[0] == 1


def assert_one_clean_run() -> None:
    shortfalls = QuotaShortfall.objects.filter(day=WEDNESDAY).order_by("salesperson__username")
    assert list(shortfalls.values_list("salesperson__username", "required", "actual")) == EXPECTED_SHORTFALLS
    notices = Notification.objects.filter(kind="quota_shortfall").order_by("recipient__username")
    assert list(notices.values_list("recipient__username", flat=True)) == ["sales2", "sales3"]


def test_the_job_reruns_once_when_its_pool_process_is_killed(one_salesperson_met_the_quota, worker_factory):
    from visits.tasks import check_visit_quotas_task

    worker = worker_factory()
    with transaction.atomic():
        lock_job(name="check_visit_quotas", period=WEDNESDAY.isoformat())  # the job will wait here
        check_visit_quotas_task.apply_async(args=[WEDNESDAY.isoformat()])
        wait_until(job_waits_on_its_lock, timeout=60, what="the worker to start the job")
        [pool_process] = worker.pool_children()
        os.kill(pool_process, signal.SIGKILL)
        wait_until(lambda: worker.pool_children() not in ([], [pool_process]), timeout=30, what="a new pool process")
        assert QuotaShortfall.objects.count() == 0  # the killed run left nothing
    # The lock is released: the task, given back to the queue, runs again to the end.
    wait_until(lambda: QuotaShortfall.objects.count() == 2, timeout=60, what="the rerun")

    assert_one_clean_run()


def test_the_job_reruns_once_on_a_fresh_worker_when_the_whole_worker_is_killed(
    one_salesperson_met_the_quota, worker_factory
):
    from visits.tasks import check_visit_quotas_task

    first = worker_factory(visibility_timeout=5)
    with transaction.atomic():
        lock_job(name="check_visit_quotas", period=WEDNESDAY.isoformat())
        check_visit_quotas_task.apply_async(args=[WEDNESDAY.isoformat()])
        wait_until(job_waits_on_its_lock, timeout=60, what="the worker to start the job")
        first.kill_all()
        assert first.process.returncode == -signal.SIGKILL
        assert QuotaShortfall.objects.count() == 0
    # The killed job's database session notices it is orphaned once it gets the lock, and rolls back.
    # Nobody acknowledged the message: a fresh worker restores it after the visibility timeout.
    worker_factory(visibility_timeout=5)
    wait_until(lambda: QuotaShortfall.objects.count() == 2, timeout=90, what="the fresh worker's rerun")

    assert_one_clean_run()

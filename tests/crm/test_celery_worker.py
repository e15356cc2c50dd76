"""Tasks run through a real worker on the configured broker (Redis in CI, the filesystem one locally)."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from crm.celery import app
from crm.tasks import ping


@pytest.fixture
def celery_worker(transactional_db):
    # A real worker thread consuming from the real broker. Results come back through Redis
    # when CELERY_RESULT_BACKEND is set (CI), else through an in-process cache.
    if not settings.CELERY_RESULT_BACKEND:
        app.conf.result_backend = "cache+memory://"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.worker
def test_a_task_runs_through_a_real_worker(celery_worker):
    result = ping.delay("pong from the worker")

    assert result.get(timeout=20) == "pong from the worker"


@pytest.mark.worker
def test_a_scheduled_job_runs_through_a_real_worker(celery_worker):
    from visits.tasks import check_visit_quotas_task

    result = check_visit_quotas_task.delay("2026-11-25")

    assert result.get(timeout=20) == 0

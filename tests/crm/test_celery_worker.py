"""Tasks run through a real worker on the configured broker (Redis in CI, the filesystem one locally)."""

import pytest

from crm.tasks import ping


@pytest.mark.worker
def test_a_task_runs_through_a_real_worker(celery_worker):
    result = ping.delay("pong from the worker")

    assert result.get(timeout=20) == "pong from the worker"


@pytest.mark.worker
def test_a_scheduled_job_runs_through_a_real_worker(celery_worker):
    from visits.tasks import check_visit_quotas_task

    result = check_visit_quotas_task.delay("2026-11-25")

    assert result.get(timeout=20) == 0

"""Services name the worker's tasks instead of importing them (tasks import services); a typo in a
name would leave an import or a mailing waiting forever, so each name must be a registered task."""

from __future__ import annotations

import pytest

from campaigns.services import imports, mailings
from crm.celery import app


@pytest.mark.parametrize(
    "name",
    [imports.CHECK_TASK, imports.COMMIT_TASK, mailings.SEND_EMAIL_TASK, mailings.SEND_SMS_TASK],
)
def test_every_task_a_service_names_is_registered_with_the_worker(name):
    app.loader.import_default_modules()
    assert name in app.tasks

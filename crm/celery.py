"""The Celery app. Tasks are discovered in each app's ``tasks.py``."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_to_start_without_a_secret_key(**kwargs) -> None:
    """A worker or beat with DEBUG off and no real key does not start (the web server refuses the same).
    SystemExit, because Celery logs and swallows an Exception raised by a signal handler."""
    from django.core.exceptions import ImproperlyConfigured

    from crm.secret_key import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as refusal:
        raise SystemExit(str(refusal)) from None

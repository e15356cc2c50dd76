"""Fixtures shared by every app's tests: one small organisation with each role, a real worker."""

import uuid
from types import SimpleNamespace

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from tests.crm.factories import AdminFactory, InfoStaffFactory, ManagerFactory, SalespersonFactory, TeamFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    # axes and throttling keep state in the cache; each test starts clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db):
    """Two teams: manager1 leads sales1 and sales2; manager2 leads sales3. Plus info1 and admin."""
    team_one = TeamFactory(name="一组")
    team_two = TeamFactory(name="二组")
    manager1 = ManagerFactory(username="manager1", team=team_one)
    manager2 = ManagerFactory(username="manager2", team=team_two)
    team_one.manager = manager1
    team_one.save()
    team_two.manager = manager2
    team_two.save()
    return SimpleNamespace(
        team_one=team_one,
        team_two=team_two,
        manager1=manager1,
        manager2=manager2,
        sales1=SalespersonFactory(username="sales1", team=team_one),
        sales2=SalespersonFactory(username="sales2", team=team_one),
        sales3=SalespersonFactory(username="sales3", team=team_two),
        info1=InfoStaffFactory(username="info1"),
        admin=AdminFactory(username="admin"),
    )


@pytest.fixture(autouse=True, scope="session")
def _static_files_looked_up_per_request():
    """WhiteNoise indexes every file under STATIC_ROOT when its middleware starts, and a test client starts the
    middleware again for each test: once ``collectstatic`` has filled var/staticfiles (1,451 files with the
    compressed and hashed copies; a test or the bench runs it), that was 112 ms of every test, about 15 minutes
    of each CI lane. Looked up per request instead (WhiteNoise's autorefresh, its default under DEBUG), static
    files are served the same, with the same headers."""
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hashers are slow by design; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english():
    """Service messages in English, for tests that match on their text."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread on the configured broker (Redis in CI, the filesystem one locally)."""
    from crm.celery import app

    # A real worker thread consuming from the real broker. Results come back through Redis
    # when CELERY_RESULT_BACKEND is set (CI), else through an in-process cache.
    if not settings.CELERY_RESULT_BACKEND:
        app.conf.result_backend = "cache+memory://"
        # An earlier test that read a task's result (eagerly) made the app's backend, without one: a
        # DisabledBackend cached per thread. Forget it, so the worker's results come back through this one.
        vars(app._local).pop("backend", None)
    # A private queue, so that a `make run` worker on this machine cannot take the test's tasks.
    saved = app.conf.task_default_queue, app.amqp.queues
    app.conf.task_default_queue = f"test-{uuid.uuid4().hex}"
    app.amqp.queues = app.amqp.Queues(())
    app.amqp.queues.select_add(app.conf.task_default_queue)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    app.conf.task_default_queue, app.amqp.queues = saved


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole run: Playwright's sync API allows one instance per
    thread, so every browser test (tests/browser, the offline journeys in tests/visits) shares it."""
    import os
    import shutil

    # Playwright's sync API runs an event loop in the test's thread; Django would take every ORM
    # call made meanwhile for one made from async code and refuse it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        # A fake camera that needs no permission prompt, for the visit form's in-page camera
        # (tests/browser/test_visit_camera.py); pages that do not ask for it are unaffected.
        fake_camera = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", *fake_camera],
        )
        yield browser
        browser.close()


@pytest.fixture
def seeded_reference_lists(transactional_db):
    """What the data migration seeds (product lines, channel types and their business keywords), put back
    the way the migration does it (idempotent): a transactional test's flush removes it for the tests after.
    (Not serialized_rollback: after another test's flush the content types have new ids, and loading the
    serialized ones then fails on their unique names, so such a test passes or fails by the order it runs in.)"""
    import importlib

    from django.apps import apps

    importlib.import_module("territories.migrations.0002_seed_channel_types").seed(apps, None)

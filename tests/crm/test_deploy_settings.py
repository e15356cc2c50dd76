"""Production mode must pass Django's deploy check with no warnings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="kq9!v3z$-production-like-secret-key-for-the-test-7h2m@x",
        DJANGO_ALLOWED_HOSTS="crm.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("entry_point", ["crm.wsgi", "crm.asgi"])
def test_production_refuses_to_serve_without_a_secret_key(entry_point):
    result = _manage(
        "shell", "-c", f"import {entry_point}", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="crm.example.org"
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_run_a_worker_without_a_secret_key(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    environment |= {"DJANGO_DEBUG": "false", "CELERY_BROKER_URL": f"filesystem://{tmp_path}"}
    result = subprocess.run(  # noqa: S603 - our own worker, fixed arguments
        [str(Path(sys.executable).with_name("celery")), "-A", "crm", "worker", "-P", "solo", "--loglevel=warning"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_deploy_check_fails_without_a_secret_key():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="crm.example.org"
    )

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_postgresql_connections_run_without_jit():
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    result = _manage(
        "shell",
        "-c",
        show,
        DATABASE_URL="postgres://crm@db:5432/crm?options=-c%20statement_timeout%3D5000",
        DJANGO_DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("-c jit=off")
    assert "statement_timeout" in result.stdout  # an option given in DATABASE_URL is kept


SECRET = "kq9!v3z$-production-like-secret-key-for-the-test-7h2m@x"
SHOW = "from django.conf import settings; from rest_framework.settings import api_settings; " + (
    "print(settings.DEBUG, [renderer.__name__ for renderer in api_settings.DEFAULT_RENDERER_CLASSES])"
)


def test_debug_is_off_unless_the_environment_turns_it_on():
    default = _manage("shell", "-c", SHOW, DJANGO_SECRET_KEY=SECRET)
    turned_on = _manage("shell", "-c", SHOW, DJANGO_DEBUG="true")

    assert default.returncode == 0, default.stderr
    assert default.stdout.strip().splitlines()[-1] == "False ['JSONRenderer']"  # no browsable API in production
    assert turned_on.returncode == 0, turned_on.stderr
    assert turned_on.stdout.strip().splitlines()[-1] == "True ['JSONRenderer', 'BrowsableAPIRenderer']"


def test_without_any_environment_nothing_serves_on_the_built_in_key_but_the_migration_check_runs():
    """A bare checkout: DEBUG is off and there is no key, so the built-in development key is not used (the
    web application refuses to start), while commands that sign nothing still work for developers and CI."""
    serving = _manage("shell", "-c", "import crm.wsgi")
    migrations = _manage("makemigrations", "--check", "--dry-run")
    key = _manage("shell", "-c", "from django.conf import settings; print(repr(settings.SECRET_KEY))")

    assert serving.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in serving.stderr
    assert migrations.returncode == 0, migrations.stderr
    assert "No changes detected" in migrations.stdout
    assert key.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in key.stderr


@pytest.mark.parametrize("weak_key", ["short-key", "a" * 60, "django-insecure-" + "x1y2z3" * 10])
def test_a_weak_secret_key_is_refused_when_debug_is_off(weak_key):
    result = _manage("check", DJANGO_SECRET_KEY=weak_key)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr

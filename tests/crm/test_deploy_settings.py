"""Production mode must pass Django's deploy check with no warnings."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="crm.example.org")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_postgresql_connections_run_without_jit():
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    result = _manage(
        "shell", "-c", show, DATABASE_URL="postgres://crm@db:5432/crm?options=-c%20statement_timeout%3D5000"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("-c jit=off")
    assert "statement_timeout" in result.stdout  # an option given in DATABASE_URL is kept

"""``make reset`` (manage.py reset_database): a development database built from the old migrations is
thrown away and built again; never without --yes, never with DEBUG off."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from django.conf import settings


def manage(*args: str, database, debug: str = "true") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_DEBUG": debug}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CACHE_URL", None)
    if debug == "false":
        env["DJANGO_SECRET_KEY"] = "x" * 60 + "reset-test"
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def test_reset_drops_everything_and_migrates_again_only_when_asked(tmp_path):
    database = tmp_path / "dev.sqlite3"
    assert manage("migrate", "--no-input", "-v0", database=database).returncode == 0
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO crm_team (name, form_submission, daily_visit_quota, quota_counts_phone_calls,"
            " quota_counts_office_visits, repeat_visit_window_minutes, created_at, updated_at,"
            " wecom_robot_url, dingtalk_robot_url, dingtalk_robot_secret)"
            " VALUES ('一组', 'daily', 6, 0, 0, 30, '2026-12-05', '2026-12-05', '', '', '')"
        )
        db.execute("CREATE TABLE left_over_from_old_migrations (id integer)")

    refused = manage("reset_database", database=database)
    not_in_production = manage("reset_database", "--yes", database=database, debug="false")
    with sqlite3.connect(database) as db:
        teams_before = db.execute("SELECT count(*) FROM crm_team").fetchone()[0]

    reset = manage("reset_database", "--yes", database=database)

    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert not_in_production.returncode == 1 and "debug mode" in not_in_production.stderr
    assert teams_before == 1
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.strip() == "Database dropped and migrated again."
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert db.execute("SELECT count(*) FROM crm_team").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
    assert "left_over_from_old_migrations" not in tables and "visits_visit" in tables

"""Settings for more than one machine: media on S3-compatible storage, PgBouncer in transaction mode, a
read replica, sessions every host sees. Each read from the environment in a fresh process."""

import json

import pytest

from crm.locks import try_job_lock
from tests.crm.test_deploy_settings import _manage

SHOW = (
    "import json; from django.conf import settings; d = settings.DATABASES; "
    "print(json.dumps({'storage': settings.STORAGES['default'], 'aliases': sorted(d), "
    "'options': {a: d[a].get('OPTIONS', {}).get('options', '') for a in d}, "
    "'cursors': {a: d[a].get('DISABLE_SERVER_SIDE_CURSORS', False) for a in d}, "
    "'routers': settings.DATABASE_ROUTERS, 'sessions': settings.SESSION_ENGINE, "
    "'replica_test': d.get('replica', {}).get('TEST', {})}))"
)


def _settings(**env: str) -> dict:
    result = _manage("shell", "-c", SHOW, DJANGO_DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_by_default_one_database_local_files_and_sessions_in_the_database():
    shown = _settings()

    assert shown["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert shown["aliases"] == ["default"]
    assert shown["routers"] == ["crm.replica.ReplicaRouter"]
    assert shown["sessions"] == "django.contrib.sessions.backends.db"


def test_a_bucket_puts_the_uploaded_files_on_object_storage():
    shown = _settings(
        CRM_MEDIA_S3_BUCKET="crm-media",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="crm",
        AWS_SECRET_ACCESS_KEY="secret-for-the-test",
    )

    storage = shown["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "crm-media"
    assert storage["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert storage["OPTIONS"]["addressing_style"] == "path"
    assert storage["OPTIONS"]["file_overwrite"] is False
    assert storage["OPTIONS"]["default_acl"] is None


def test_with_object_storage_the_proxys_local_folder_is_not_used():
    show = "from django.conf import settings; print(repr(settings.CRM_MEDIA_ACCEL_REDIRECT))"
    result = _manage(
        "shell",
        "-c",
        show,
        DJANGO_DEBUG="true",
        CRM_MEDIA_S3_BUCKET="crm-media",
        CRM_MEDIA_ACCEL_REDIRECT="/protected-media/",
        AWS_S3_ENDPOINT_URL="",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "''"


def test_behind_pgbouncer_no_server_side_cursors_and_no_startup_options():
    shown = _settings(
        DATABASE_URL="postgres://crm@pgbouncer:6432/crm",
        DATABASE_REPLICA_URL="postgres://crm@replica:5432/crm",
        DATABASE_TRANSACTION_POOLING="true",
    )

    assert shown["cursors"] == {"default": True, "replica": True}
    assert shown["options"] == {"default": "", "replica": ""}


def test_a_replica_url_adds_the_replica_alias_mirrored_in_tests():
    shown = _settings(DATABASE_URL="postgres://crm@db:5432/crm", DATABASE_REPLICA_URL="postgres://crm@replica:5432/crm")

    assert shown["aliases"] == ["default", "replica"]
    assert shown["replica_test"]["MIRROR"] == "default"
    assert shown["cursors"] == {"default": False, "replica": False}
    assert shown["options"] == {"default": "-c jit=off", "replica": "-c jit=off"}


def test_behind_pgbouncer_the_job_lock_is_a_lease_in_the_shared_cache(settings):
    settings.DATABASE_TRANSACTION_POOLING = True

    with (
        try_job_lock("geocode-customers", lease_seconds=60) as first,
        try_job_lock("geocode-customers", lease_seconds=60) as second,
    ):
        pass
    with try_job_lock("geocode-customers", lease_seconds=60) as after_the_first:
        pass

    assert (first, second, after_the_first) == (True, False, True)


@pytest.mark.django_db
def test_without_pgbouncer_the_job_lock_is_unchanged(settings):
    settings.DATABASE_TRANSACTION_POOLING = False

    with try_job_lock("geocode-customers") as first:
        pass

    assert first is True

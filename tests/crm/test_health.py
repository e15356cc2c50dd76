import pytest
from django.conf import settings

from crm import health


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_without_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, monkeypatch):
    # Nothing listens on port 1: the probe must fail fast and say so, not hang.
    monkeypatch.setattr(settings, "CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {"socket_connect_timeout": 1})

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")


def test_broker_status_names_the_failure(monkeypatch):
    monkeypatch.setattr(settings, "CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})

    assert health.broker_status(timeout=1).startswith("error: ")

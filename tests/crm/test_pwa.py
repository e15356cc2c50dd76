import json

import pytest


@pytest.mark.django_db
def test_manifest_is_public_and_named_in_chinese(client):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-CN")

    data = json.loads(response.content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert data["name"] == "外勤销售管理"
    assert data["display"] == "standalone"
    assert [icon["sizes"] for icon in data["icons"]] == ["192x192", "512x512"]


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_with_its_shell(client):
    response = client.get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Type"].startswith("text/javascript")
    assert '"/static/vendor/htmx-2.0.7/htmx.min.js"' in body
    assert '"/offline/"' in body


@pytest.mark.django_db
def test_offline_page_needs_no_login(client):
    response = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.status_code == 200
    assert "没有网络连接" in response.content.decode()

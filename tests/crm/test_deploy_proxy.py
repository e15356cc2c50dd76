"""The compose file's reverse proxy (deploy/nginx) and gunicorn's trust in it (deploy/gunicorn.conf.py).

The nginx configuration is checked by nginx itself (``nginx -t -c``) when nginx is installed (CI installs
Debian's), and then driven for real in front of a live server: a file Django allows arrives through
X-Accel-Redirect, a hidden one does not, and the internal location answers nobody from outside.
A copy of the configuration is made for the test: the same files with the compose-only addresses
(``web:8000``, ports 80/443, ``/srv/media``, ``/etc/nginx/certs``) replaced by local ones.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (CI installs Debian's package)")
DEFAULT = re.compile(r"^\$\{\w+:-(?P<value>[^}]+)\}$")


def _default(value: str) -> str:
    """'${CRM_PROXY_ADDRESS:-172.30.57.10}' -> '172.30.57.10'."""
    match = DEFAULT.match(value)
    assert match, f"{value!r} should be an environment variable with a default"
    return match["value"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


# --- the compose file ---------------------------------------------------------------------------------


def test_only_the_proxy_is_published(compose):
    published = {name: service.get("ports") for name, service in compose["services"].items() if "ports" in service}

    assert published == {"proxy": ["${CRM_HTTP_PORT:-80}:80", "${CRM_HTTPS_PORT:-443}:443"]}
    assert compose["services"]["web"]["expose"] == ["8000"]


def test_gunicorn_trusts_forwarded_headers_from_the_proxys_address_only(compose):
    proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    web = compose["services"]["web"]

    assert web["environment"]["FORWARDED_ALLOW_IPS"] == proxy_address
    assert ipaddress.ip_address(_default(proxy_address)) in ipaddress.ip_network(_default(subnet))
    assert "gunicorn --config deploy/gunicorn.conf.py crm.wsgi:application" in web["command"]


def test_the_proxy_reads_the_media_volume_where_its_internal_location_points(compose):
    proxy = compose["services"]["proxy"]
    locations = (NGINX_DIR / "crm-locations.conf").read_text()
    internal = re.search(r"location /protected-media/ \{(?P<body>[^}]*)\}", locations)

    assert "media:/srv/media:ro" in proxy["volumes"]
    assert "./deploy/nginx:/etc/nginx/crm:ro" in proxy["volumes"]
    assert "${CRM_TLS_CERT_DIR:-./deploy/certs}:/etc/nginx/certs:ro" in proxy["volumes"]
    assert internal is not None
    assert "internal;" in internal["body"] and "alias /srv/media/;" in internal["body"]
    assert compose["services"]["web"]["environment"]["CRM_MEDIA_ACCEL_REDIRECT"] == "/protected-media/"
    assert "media:/app/media" in compose["services"]["web"]["volumes"]


def test_no_location_serves_uploads_by_path():
    text = re.sub(r"#.*", "", "\n".join(path.read_text() for path in NGINX_DIR.glob("*.conf")))

    assert sorted(re.findall(r"location\s+[=~^]*\s*(\S+)", text)) == ["/", "/", "/healthz", "/protected-media/"]
    assert text.count("alias ") == 1 and "root " not in text


def test_the_proxy_sets_the_scheme_itself_and_never_passes_the_clients():
    locations = (NGINX_DIR / "crm-locations.conf").read_text()

    assert "proxy_set_header X-Forwarded-Proto $scheme;" in locations
    assert "$http_x_forwarded_proto" not in locations


# --- nginx -t on the real files -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _render(tmp_path: Path, *, upstream: str, media: Path, certs: Path | None = None) -> dict[str, object]:
    """Copy deploy/nginx with the compose-only addresses replaced; each must be found, or the test is stale."""
    conf = tmp_path / "conf"
    conf.mkdir()
    http_port, https_port = _free_port(), _free_port()
    temp_paths = "".join(
        f"    {name}_temp_path {tmp_path / name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    replacements = {
        "server web:8000;": f"server {upstream};",
        "listen 80 ": f"listen 127.0.0.1:{http_port} ",
        "listen 443 ": f"listen 127.0.0.1:{https_port} ",
        "alias /srv/media/;": f"alias {media}/;",
        "/etc/nginx/certs/": f"{certs}/",
        "http {\n": "http {\n" + temp_paths,
        "https://$host$request_uri": f"https://$host:{https_port}$request_uri",
    }
    seen = dict.fromkeys(replacements, 0)
    for source in NGINX_DIR.glob("*.conf"):
        text = source.read_text()
        for old, new in replacements.items():
            seen[old] += text.count(old)
            text = text.replace(old, new)
        (conf / source.name).write_text(text)
    assert all(seen.values()), f"the test's copy no longer matches deploy/nginx: {seen}"
    return {"conf": conf, "http_port": http_port, "https_port": https_port}


def _nginx(tmp_path: Path, config: Path, *, test: bool = False) -> list[str]:
    # As root, workers would run as an unprivileged user that cannot read pytest's private tmp_path.
    # One -g only: nginx keeps the last.
    directives = ("user root; " if os.geteuid() == 0 else "") + f"pid {tmp_path}/nginx.pid;"
    if test:
        return [NGINX, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(config), "-g", directives]
    return [NGINX, "-e", "stderr", "-p", str(tmp_path), "-c", str(config), "-g", directives + " daemon off;"]


def _self_signed(tmp_path: Path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")),
        ],
        check=True,
        capture_output=True,
    )
    return certs


@needs_nginx
@pytest.mark.parametrize("config", ["http.conf", "https.conf"])
def test_nginx_accepts_the_configuration(tmp_path, config):
    certs = _self_signed(tmp_path) if config == "https.conf" else tmp_path
    rendered = _render(tmp_path, upstream="127.0.0.1:9", media=tmp_path, certs=certs)

    result = subprocess.run(  # noqa: S603 - our nginx, our files
        _nginx(tmp_path, rendered["conf"] / config, test=True), capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@needs_nginx
def test_nginx_refuses_a_broken_configuration(tmp_path):
    rendered = _render(tmp_path, upstream="127.0.0.1:9", media=tmp_path)
    locations = rendered["conf"] / "crm-locations.conf"
    locations.write_text(locations.read_text().replace("internal;", "internal"))

    result = subprocess.run(  # noqa: S603 - our nginx, our files
        _nginx(tmp_path, rendered["conf"] / "http.conf", test=True), capture_output=True, text=True, check=False
    )

    assert result.returncode == 1
    assert "crm-locations.conf" in result.stderr


def test_start_script_chooses_https_only_with_both_files(tmp_path):
    script = (NGINX_DIR / "start.sh").read_text()

    assert '[ -s "$certs/fullchain.pem" ] && [ -s "$certs/privkey.pem" ]' in script
    assert "exec nginx -c /etc/nginx/crm/https.conf" in script
    assert "exec nginx -c /etc/nginx/crm/http.conf" in script


# --- nginx in front of a live server --------------------------------------------------------------------


def _wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            pytest.fail(f"nginx stopped: {process.stderr.read()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("nginx did not listen")


def _get(url: str, *, session: str | None = None, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local http URL
    if session:
        request.add_header("Cookie", f"sessionid={session}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_through_the_proxy_an_allowed_file_arrives_and_nothing_else_does(live_server, settings, tmp_path, people):
    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.test import Client
    from django.urls import reverse

    from territories.services import assign_territory
    from tests.accounts.factories import CustomerFactory
    from tests.files import jpeg
    from tests.territories.factories import build_tree

    # After another transactional test's flush the channel types the data migration seeds are gone.
    importlib.import_module("territories.migrations.0002_seed_channel_types").seed(apps, None)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CRM_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    territory = build_tree()["nanshan_clubs"]
    assign_territory(territory=territory, salesperson=people.sales1, assigned_by=people.admin)
    customer = CustomerFactory(territory=territory, owner=people.sales1)
    customer.business_card.save("card.jpg", ContentFile(jpeg((5, 6, 7))), save=True)
    sessions = {}
    for who in ("sales1", "sales3"):
        client = Client()
        client.force_login(getattr(people, who))
        sessions[who] = client.cookies["sessionid"].value
    upstream = live_server.url.removeprefix("http://")
    rendered = _render(tmp_path, upstream=upstream, media=settings.MEDIA_ROOT)
    process = subprocess.Popen(  # noqa: S603 - our nginx, our files
        _nginx(tmp_path, rendered["conf"] / "http.conf"),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(rendered["http_port"], process)
        base = f"http://127.0.0.1:{rendered['http_port']}"
        url = base + reverse("accounts:customer_business_card", args=[customer.pk])

        allowed = _get(url, session=sessions["sales1"])
        hidden = _get(url, session=sessions["sales3"])
        # The browser asks again with the ETag it got: still answered only after Django's check.
        revalidated = _get(url, session=sessions["sales1"], headers={"If-None-Match": allowed[1]["ETag"]})
        revalidated_by_other = _get(url, session=sessions["sales3"], headers={"If-None-Match": allowed[1]["ETag"]})
        internal = _get(f"{base}/protected-media/{customer.business_card.name}", session=sessions["sales1"])
        # (No /media/ check here: Django's live server serves MEDIA_URL itself, gunicorn does not;
        # tests/security/test_media.py checks that the application has no such route.)
    finally:
        process.terminate()
        process.wait(timeout=10)

    status, headers, body = allowed
    assert (status, body) == (200, jpeg((5, 6, 7)))
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "private, no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in headers
    assert hidden[0] == 404 and hidden[2] != body
    assert (revalidated[0], revalidated[2]) == (304, b"")
    assert revalidated_by_other[0] == 404
    assert internal[0] == 404 and internal[2] != body


# --- gunicorn ------------------------------------------------------------------------------------------


def _gunicorn_answer(tmp_path: Path, *, forwarded_allow_ips: str) -> tuple[int, dict[str, str]]:
    """GET a page over plain HTTP claiming X-Forwarded-Proto: https, from 127.0.0.1, in production mode."""
    port = _free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    environment.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="kq9!v3z$-production-like-secret-key-for-the-test-7h2m@x",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        FORWARDED_ALLOW_IPS=forwarded_allow_ips,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our gunicorn, our configuration
        [str(gunicorn), "--config", "deploy/gunicorn.conf.py", "crm.wsgi:application"],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(port, process)
        # A page nobody signed in may see: answered by a redirect that touches no database.
        status, headers, _ = _get(f"http://127.0.0.1:{port}/customers/", headers={"X-Forwarded-Proto": "https"})
    finally:
        process.terminate()
        process.wait(timeout=20)
    return status, headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def _no_redirects(monkeypatch):
    monkeypatch.setattr(urllib.request, "_opener", urllib.request.build_opener(_NoRedirect))


@pytest.mark.usefixtures("_no_redirects")
def test_gunicorn_believes_x_forwarded_proto_from_the_proxy(tmp_path):
    status, headers = _gunicorn_answer(tmp_path, forwarded_allow_ips="127.0.0.1")

    # Taken for HTTPS: no redirect to https://, HSTS sent, on to the sign-in page.
    assert status == 302
    assert headers["Location"] == "/login/?next=/customers/"
    assert headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.usefixtures("_no_redirects")
def test_gunicorn_drops_x_forwarded_proto_from_anyone_else(tmp_path):
    status, headers = _gunicorn_answer(tmp_path, forwarded_allow_ips="172.30.57.10")

    # Taken for what it is, plain HTTP: sent to HTTPS first, and no HSTS over HTTP.
    assert status == 301
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+/customers/", headers["Location"])
    assert "Strict-Transport-Security" not in headers


def test_a_gunicorn_worker_freezes_what_it_loaded_before_its_first_request():
    """post_worker_init: the startup objects out of the collector's rounds (the map's p95 was two to three times
    its median from full collections walking them, issue #24)."""
    import gc
    import runpy

    hooks = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        hooks["post_worker_init"](None)
        frozen = gc.get_freeze_count()
        assert frozen > 50_000, frozen
        assert gc.get_threshold() == (50_000, 20, 100)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)

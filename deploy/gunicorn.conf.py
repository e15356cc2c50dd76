"""gunicorn's settings for the web service (docker-compose.yml, Dockerfile): ``gunicorn -c deploy/gunicorn.conf.py``.

Only the reverse proxy may tell Django a request came over HTTPS. gunicorn itself trusts
``X-Forwarded-Proto`` for ``wsgi.url_scheme`` only from ``forwarded_allow_ips`` (the proxy's address,
``FORWARDED_ALLOW_IPS``), but it still hands the header on to the application, where Django's
``SECURE_PROXY_SSL_HEADER`` reads it; so ``pre_request`` drops every forwarding header a request
brings from anywhere else.
"""

import ipaddress
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

FORWARDING_HEADERS = frozenset(
    {"FORWARDED", "X-FORWARDED-FOR", "X-FORWARDED-HOST", "X-FORWARDED-PORT", "X-FORWARDED-PROTO"}
    | {"X-FORWARDED-PROTOCOL", "X-FORWARDED-SSL", "X-REAL-IP"}
)


def _from_trusted_proxy(peer, allowed: list[str]) -> bool:
    if not isinstance(peer, tuple):  # a unix socket: only local processes reach it
        return True
    if "*" in allowed:
        return True
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed if entry.strip())


def pre_request(worker, req):
    if not _from_trusted_proxy(req.peer_addr, worker.cfg.forwarded_allow_ips):
        req.headers = [(name, value) for name, value in req.headers if name.upper() not in FORWARDING_HEADERS]
    worker.log.debug("%s %s", req.method, req.path)


def post_worker_init(worker):
    # The application is loaded: its long-lived objects leave the collector's rounds (crm.startup).
    from crm.startup import settle_after_startup

    settle_after_startup()

"""Several "hosts" on one machine, for `make scale-test` and `make load`: PgBouncer (transaction mode) in
front of PostgreSQL, an S3-compatible server (moto's, from PyPI: no MinIO image can be pulled here), two
gunicorn instances with production settings, each with its own empty MEDIA_ROOT (they share no disk),
nginx round-robin in front of them, and Celery workers. Everything is started here and stopped here.

Debian's pgbouncer and nginx are used (.ci/run installs them); docker-compose.yml describes the same
shape for a real deployment (MinIO, PgBouncer).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
S3_KEY, S3_SECRET, S3_BUCKET = "scale-test", "scale-test-secret-key", "crm-media"


class Missing(Exception):
    """A program the stack needs is not installed."""


def which(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)
    if found is None:
        raise Missing(f"{name} is not installed (Debian: apt-get install {name})")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:g} s")


def wait_for_health(port: int, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    raise RuntimeError(f"{what} did not answer /healthz on port {port} within {timeout:g} s")


@dataclass
class Stack:
    database_url: str  # the real PostgreSQL (migrations and set-up go there directly)
    redis_url: str  # broker, results and cache (one Redis database)
    web_workers: int = 2
    celery_workers: int = 2
    s3: bool = True
    pgbouncer: bool = True
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="crm-stack-")))
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    moto: object | None = None
    secret_key: str = field(default_factory=lambda: "stack-" + secrets.token_urlsafe(40))

    # --- environment --------------------------------------------------------------------------------

    def app_url(self) -> str:
        """DATABASE_URL for the web and worker processes: through PgBouncer when it runs."""
        if not self.pgbouncer:
            return self.database_url
        url = urlparse(self.database_url)
        return url._replace(netloc=f"{url.username or 'postgres'}@127.0.0.1:{self.ports['pgbouncer']}").geturl()

    def environment(self, *, media_root: Path | None = None, direct: bool = False) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
        environment.update(
            DJANGO_SETTINGS_MODULE="crm.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=self.secret_key,
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            # The instances are asked directly too (plain HTTP on loopback); nginx says HTTPS for its clients.
            DJANGO_SECURE_SSL_REDIRECT="false",
            DATABASE_URL=self.database_url if direct else self.app_url(),
            DATABASE_TRANSACTION_POOLING="false" if direct or not self.pgbouncer else "true",
            CELERY_BROKER_URL=self.redis_url,
            CELERY_RESULT_BACKEND=self.redis_url,
            CACHE_URL=self.redis_url,
            CRM_MAP_TILES="none",
            MEDIA_ROOT=str(media_root or self.folder / "media-setup"),
            CRM_TRUSTED_PROXY_COUNT="1",
        )
        environment.pop("CRM_MEDIA_ACCEL_REDIRECT", None)
        if self.s3:
            environment.update(
                CRM_MEDIA_S3_BUCKET=S3_BUCKET,
                AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{self.ports['s3']}",
                AWS_ACCESS_KEY_ID=S3_KEY,
                AWS_SECRET_ACCESS_KEY=S3_SECRET,
                AWS_S3_REGION_NAME="us-east-1",
            )
        return environment

    def manage(self, *args: str, direct: bool = True, timeout: float = 600) -> str:
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment(direct=direct),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _start(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **kwargs)  # noqa: S603
        self.processes.append((name, process))
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- services -----------------------------------------------------------------------------------

    def start_s3(self) -> None:
        import boto3
        from moto.server import ThreadedMotoServer

        self.ports["s3"] = free_port()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line a request otherwise
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.ports["s3"], verbose=False)
        self.moto.start()
        self.s3_client().create_bucket(Bucket=S3_BUCKET)
        del boto3

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.ports['s3']}",
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name="us-east-1",
        )

    def start_pgbouncer(self) -> None:
        binary = which("pgbouncer")
        url = urlparse(self.database_url)
        port = free_port()
        self.ports["pgbouncer"] = port
        folder = self.folder / "pgbouncer"
        folder.mkdir()
        self.folder.chmod(0o755)
        folder.chmod(0o777)  # pgbouncer refuses to run as root: it runs as postgres and writes here
        (folder / "pgbouncer.ini").write_text(
            f"""[databases]
* = host={url.hostname or "127.0.0.1"} port={url.port or 5432} user={url.username or "postgres"}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""
        )
        command = [binary]
        if os.geteuid() == 0:
            command += ["-u", "postgres"]
        self._start("pgbouncer", [*command, str(folder / "pgbouncer.ini")])
        wait_for_port(port, "pgbouncer")

    def start_web(self, name: str) -> int:
        port = free_port()
        self.ports[name] = port
        media_root = self.folder / f"media-{name}"
        media_root.mkdir()
        environment = self.environment(media_root=media_root)
        environment.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(self.web_workers))
        self._start(
            name,
            [
                *(str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "crm.wsgi:application"),
                *("--access-logfile", "-", "--graceful-timeout", "5", "--timeout", "120"),
            ],
            cwd=ROOT,
            env=environment,
        )
        return port

    def start_worker(self, name: str) -> None:
        environment = self.environment(media_root=self.folder / f"media-{name}")
        self._start(
            name,
            [
                *(str(BIN / "celery"), "-A", "crm", "worker", "-P", "solo", "-n", f"{name}@%h"),
                *("--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=environment,
        )

    def start_nginx(self, upstreams: list[str]) -> int:
        binary = which("nginx")
        port = free_port()
        self.ports["nginx"] = port
        folder = self.folder / "nginx"
        folder.mkdir()
        folder.chmod(0o777)
        servers = "\n".join(f"    server 127.0.0.1:{self.ports[name]};" for name in upstreams)
        (folder / "nginx.conf").write_text(
            f"""worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder / "body"};
  proxy_temp_path {folder / "proxy"};
  fastcgi_temp_path {folder / "fastcgi"};
  uwsgi_temp_path {folder / "uwsgi"};
  scgi_temp_path {folder / "scgi"};
  upstream crm {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 20m;
    location / {{
      proxy_pass http://crm;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # TLS ends at the outer proxy (deploy/nginx); here the stack says so as it would.
      proxy_set_header X-Forwarded-Proto https;
      add_header X-Crm-Upstream $upstream_addr always;
    }}
  }}
}}
"""
        )
        self._start("nginx", [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"])
        wait_for_port(port, "nginx")
        return port

    # --- the whole ----------------------------------------------------------------------------------

    def start(self, *, web: tuple[str, ...] = ("web-a", "web-b"), workers: int | None = None) -> None:
        if self.s3 and self.moto is None:
            self.start_s3()
        if self.pgbouncer:
            self.start_pgbouncer()
        for name in web:
            self.start_web(name)
        for number in range(self.celery_workers if workers is None else workers):
            self.start_worker(f"worker-{number + 1}")
        for name in web:
            wait_for_health(self.ports[name], name)
        self.start_nginx(list(web))

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.moto is not None:
            self.moto.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

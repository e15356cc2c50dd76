"""Fault injection on real services: a Redis of the test's own, a PostgreSQL cluster of its own,
worker processes killed with SIGKILL. Each fault touches only what the test started."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess  # nosec B404 - the tests start and stop their own servers
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"gave up after {timeout} s waiting for {what}")


@dataclass
class SpareRedis:
    """A throw-away redis-server: frozen with SIGSTOP, thawed with SIGCONT, stopped and started again."""

    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed arguments
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="redis-server to start")

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self, queue: str = "celery") -> int:
        return redis.Redis(port=self.port, socket_timeout=2).llen(queue)


@pytest.fixture
def spare_redis() -> Iterator[SpareRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    server = SpareRedis(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_on_spare_redis(spare_redis, monkeypatch) -> Iterator[SpareRedis]:
    """Point this process's Celery app at the spare Redis, with the production transport options."""
    from crm.celery import app

    keys = ("broker_url", "broker_transport_options", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    saved_queues = app.amqp.queues
    # The worker processes the tests start consume Celery's default queue.
    app.conf.task_default_queue = "celery"
    app.amqp.queues = app.amqp.Queues(())
    app.amqp.queues.select_add("celery")
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", spare_redis.url)
    app.conf.broker_url = spare_redis.url
    app.conf.broker_transport_options = {
        "visibility_timeout": 7200,
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    app.conf.result_backend = "cache+memory://"
    app._pool = None
    app.amqp._producer_pool = None
    yield spare_redis
    app.conf.update(saved)
    app.amqp.queues = saved_queues
    app._pool = None
    app.amqp._producer_pool = None


def needs_postgresql(connection, why: str = "a worker process must share the test database") -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL (DATABASE_URL): {why}")


def database_url(connection) -> str:
    """The URL of the test database this test runs on, for a process started by the test."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class WorkerProcess:
    """``celery worker`` as production runs it (prefork), in a process group of its own."""

    broker_url: str
    database: str
    visibility_timeout: int = 7200
    process: subprocess.Popen | None = None

    def start(self) -> None:
        from django.conf import settings

        env = {
            **os.environ,
            "DATABASE_URL": self.database,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": "",
            "CELERY_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "crm", "worker"),
            *("--pool", "prefork", "--concurrency", "1", "--without-heartbeat", "--without-gossip"),
            *("--without-mingle", "--loglevel", "INFO", "--hostname", f"chaos-{uuid.uuid4().hex[:8]}@%h"),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed arguments
            command, cwd=settings.BASE_DIR, env=env, start_new_session=True
        )

    def pool_children(self) -> list[int]:
        found = subprocess.run(  # noqa: S603 - our own fixed arguments
            [shutil.which("pgrep"), "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def kill_all(self) -> None:
        """SIGKILL the whole worker, main process and pool: as an OOM kill or a lost machine would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_all()


@dataclass
class SparePostgres:
    """A throw-away PostgreSQL cluster (initdb in a temporary folder): restarted at will with
    ``pg_ctl restart -m immediate``, a crash restart with WAL recovery, as after a power cut."""

    folder: str
    port: int
    bin_dir: str

    def _run(self, *command: str) -> str:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(  # noqa: S603 - our own fixed arguments
            [*prefix, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def init_and_start(self) -> None:
        self._run(f"{self.bin_dir}/initdb", "-D", f"{self.folder}/data", "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._pg_ctl("start")

    def _pg_ctl(self, action: str, *options: str) -> None:
        settings = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} -c fsync=on"
        self._run(
            f"{self.bin_dir}/pg_ctl", action, "-D", f"{self.folder}/data", "-w", "-t", "60",
            "-l", f"{self.folder}/server.log", "-o", settings, *options,
        )  # fmt: skip

    def crash_restart(self) -> None:
        self._pg_ctl("restart", "-m", "immediate")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, database: str, sql: str) -> list[str]:
        return self._run(f"{self.bin_dir}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                         "-d", database, "-At", "-c", sql).splitlines()  # fmt: skip


@pytest.fixture
def spare_postgres(tmp_path_factory) -> Iterator[SparePostgres]:
    bin_dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bin_dirs:
        pytest.skip("PostgreSQL server binaries are not installed (Debian package postgresql)")
    folder = tempfile.mkdtemp(prefix="crm-chaos-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = SparePostgres(folder=folder, port=free_port(), bin_dir=os.path.dirname(bin_dirs[-1]))
    server.init_and_start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


from tests.territories.fixtures import owned_tree, tree  # noqa: E402, F401

"""Serve the CRM on 127.0.0.1:8000 with a Celery worker and embedded beat beside it.

The embedded mode needs nothing but Python: SQLite and the filesystem broker under var/.
It runs in debug mode (DJANGO_DEBUG=true, unless the environment already says otherwise) and
says so: the settings start with DEBUG off. Ctrl-C (or SIGTERM) stops the web server and the
worker together.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = os.environ.get("CRM_HOST", "127.0.0.1")
PORT = os.environ.get("CRM_PORT", "8000")

DEMO_LOGINS = """
Demo logins (password crm-demo-2026):
  admin              administrator
  manager1, manager2 managers
  sales1 … sales8    salespeople
  info1              info staff
"""

DEBUG_NOTICE = """  Debug mode is on (DJANGO_DEBUG=true): for this machine only, never for a server others use.
  Production sets DJANGO_DEBUG=false and DJANGO_SECRET_KEY (see the README's Production section).
"""


def child_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment of the web server and the worker: debug mode unless ``environ`` says otherwise."""
    return {**environ, "DJANGO_DEBUG": environ.get("DJANGO_DEBUG", "true")}


def main() -> int:
    environment = child_environment(dict(os.environ))
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "crm", "worker", "--beat", "--loglevel", "INFO", "--concurrency", "1"],
        cwd=ROOT,
        env=environment,
    )
    web = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", "--noreload", f"{HOST}:{PORT}"], cwd=ROOT, env=environment
    )
    debug = DEBUG_NOTICE if environment["DJANGO_DEBUG"].lower() in ("true", "1", "yes", "on") else ""
    print(
        f"\n  Field Sales CRM is running at http://{HOST}:{PORT}\n{DEMO_LOGINS}\n{debug}\n  Press Ctrl-C to stop.\n",
        flush=True,
    )

    def stop(*_args) -> None:
        for process in (web, worker):
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        web.wait()
    finally:
        stop()
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serve the CRM on 127.0.0.1:8000 with a Celery worker and embedded beat beside it.

The embedded mode needs nothing but Python: SQLite and the filesystem broker under var/.
Ctrl-C (or SIGTERM) stops the web server and the worker together.
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


def main() -> int:
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "crm", "worker", "--beat", "--loglevel", "INFO", "--concurrency", "1"],
        cwd=ROOT,
    )
    web = subprocess.Popen([PYTHON, "manage.py", "runserver", "--noreload", f"{HOST}:{PORT}"], cwd=ROOT)
    print(
        f"\n  Field Sales CRM is running at http://{HOST}:{PORT}\n{DEMO_LOGINS}\n  Press Ctrl-C to stop.\n", flush=True
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

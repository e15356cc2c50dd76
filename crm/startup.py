"""What a web process does once it has started, before its first request (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import gc


def settle_after_startup() -> None:
    """Import every view (the URL conf) and move everything loaded so far into the garbage collector's permanent
    generation (``gc.freeze``).

    Django, the apps and their modules are some hundred thousand objects that live as long as the process. Left
    in the collected generations, each full collection walks them all: a request that builds many objects (the
    map's 2,000 markers) set one off every few requests, and those requests took two to three times the others
    (the manager's map features at the large data set: p50 87 ms, p95 221 ms; frozen: p95 123 ms, issue #24).
    Frozen objects are never collected, which is what they are anyway; it also keeps the pages a forked worker
    shares with its parent untouched by the collector's bookkeeping."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not on the first request
    gc.collect()
    gc.freeze()

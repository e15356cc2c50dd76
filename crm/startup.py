"""What a web process does once it has started, before its first request (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import gc

# Young collections after 50,000 new container objects instead of 700, and full ones less often: a page that
# builds thousands of rows set off dozens of collections, and the full ones among them walked everything the
# process had accumulated since it started (caches, templates). With the startup objects frozen and these
# thresholds, the manager's map features after a round of other pages: p50 / p95 137 / 202 -> 113 / 143 ms.
# Most garbage is freed by reference counting the moment it is dropped; the thresholds only pace the cycle finder.
GC_THRESHOLDS = (50_000, 20, 100)


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
    gc.set_threshold(*GC_THRESHOLDS)

"""The cache's settings, built from CACHE_URL.

In production the cache is Redis (the same service as the broker). Nothing in the cache is the
only copy of anything: the dashboard's trend and an import's progress are recomputed or shown
without it. So when that Redis is frozen or down, every cache call gives up quickly and counts
as a miss (django-redis ``IGNORE_EXCEPTIONS``, each failure logged on ``django_redis.cache``),
and the pages answer from the database instead of failing after the client's own long waits.
"""

from __future__ import annotations

import environ

# One cache call waits at most this long on a frozen Redis: a page makes at most a few such calls.
REDIS_SOCKET_TIMEOUT_SECONDS = 0.5


def cache_config(url: str, *, socket_timeout: float = REDIS_SOCKET_TIMEOUT_SECONDS) -> dict:
    """The ``CACHES["default"]`` entry for ``url`` (django-environ's cache URL syntax)."""
    config = environ.Env.cache_url_config(url)
    if not url.startswith(("redis://", "rediss://", "rediscache://")):
        return config
    return {
        **config,
        "BACKEND": "django_redis.cache.RedisCache",
        "OPTIONS": {
            **config.get("OPTIONS", {}),
            "SOCKET_CONNECT_TIMEOUT": socket_timeout,
            "SOCKET_TIMEOUT": socket_timeout,
            "IGNORE_EXCEPTIONS": True,
        },
    }

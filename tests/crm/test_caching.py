"""The cache's settings: Redis gives up quickly and counts as a miss (tests/reliability/test_cache_outage.py
freezes and stops a real one); the embedded mode's local memory is left as it is."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from crm.caching import cache_config


def test_a_redis_cache_gives_up_quickly_and_counts_a_failure_as_a_miss():
    config = cache_config("redis://127.0.0.1:6379/1", socket_timeout=0.25)

    assert config == {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25, "IGNORE_EXCEPTIONS": True},
    }


def test_the_local_memory_cache_is_left_as_it_is():
    config = cache_config("locmemcache://")

    assert config == {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": ""}


@pytest.mark.parametrize("operation", ["get", "set"])
def test_a_redis_nobody_listens_on_is_a_miss_not_an_error(operation):
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
    with override_settings(CACHES={"default": cache_config("redis://127.0.0.1:9/0")}):
        cache = caches["default"]
        result = cache.get("trend") if operation == "get" else cache.set("trend", {1: 2}, 60)

    assert result is None

"""REL-10: the cache's Redis frozen or down during the morning meeting.

The dashboard keeps the four-week trend's earlier days in the cache. When that Redis is frozen
(SIGSTOP: connections open, nothing answers) or stopped (connections refused), the page and the
API answer from the database alone, with the same figures, within the bound; the failure is logged."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest
from django.utils import timezone

from accounts.customers.models import Customer
from crm.caching import cache_config
from crm.models import User
from visits.models import Visit

pytestmark = [pytest.mark.django_db, pytest.mark.chaos]

# A manager at the morning meeting waits at most this long for the page (issue 17, item 10).
REQUEST_BOUND_SECONDS = 3
DAY = date(2026, 11, 25)  # a Wednesday


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(10)))


@pytest.fixture
def cache_on_spare_redis(spare_redis, settings):
    """This process's default cache on the spare Redis, configured exactly as production configures it."""
    settings.CACHES = {"default": cache_config(spare_redis.url)}
    return spare_redis


@pytest.fixture
def logged_days(people):
    """sales1: two visits on DAY (A and B) and one the day before; sales2: one visit on DAY (unrated)."""
    User.objects.update(date_joined=at(date(2026, 1, 5)))
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    for salesperson, day, intent in [
        (people.sales1, DAY, "A"),
        (people.sales1, DAY, "B"),
        (people.sales1, DAY - timedelta(days=1), ""),
        (people.sales2, DAY, ""),
    ]:
        Visit.objects.create(
            salesperson=salesperson, customer=customer, visited_at=at(day), visited_on=day, intent=intent
        )
    return people


def timed_get(client, url: str):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def assert_page_figures(response, elapsed):
    assert response.status_code == 200
    assert elapsed < REQUEST_BOUND_SECONDS, f"the page waited {elapsed:.2f} s on the cache"
    meeting = response.context["meeting"]
    assert [(row.salesperson.username, row.visits, row.unrated) for row in meeting.rows] == [
        ("sales1", 2, 0),
        ("sales2", 1, 1),
    ]
    trend = {point.day: point.visits for point in meeting.trend}
    assert (trend[DAY], trend[DAY - timedelta(days=1)], trend[DAY - timedelta(days=2)]) == (3, 1, 0)


def assert_api_figures(response, elapsed):
    assert response.status_code == 200
    assert elapsed < REQUEST_BOUND_SECONDS, f"the API waited {elapsed:.2f} s on the cache"
    data = response.json()
    assert [(row["username"], row["visits"], row["intent_mix"]["A"]) for row in data["salespeople"]] == [
        ("sales1", 2, 1),
        ("sales2", 1, 0),
    ]
    assert [point["visits"] for point in data["trend"][-3:]] == [0, 1, 3]


def test_the_dashboard_answers_from_the_database_while_the_cache_redis_is_frozen(
    client, logged_days, cache_on_spare_redis, caplog
):
    client.force_login(logged_days.manager1)
    client.get(f"/dashboard/?day={DAY}")  # the trend is now in the cache, and its connection open

    cache_on_spare_redis.freeze()
    try:
        with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
            page = timed_get(client, f"/dashboard/?day={DAY}")
            api = timed_get(client, f"/api/dashboard/?day={DAY}")
    finally:
        cache_on_spare_redis.thaw()

    assert_page_figures(*page)
    assert_api_figures(*api)
    assert any(record.name == "django_redis.cache" for record in caplog.records)


def test_the_dashboard_answers_from_the_database_while_the_cache_redis_is_down(
    client, logged_days, cache_on_spare_redis, caplog
):
    client.force_login(logged_days.manager1)
    client.get(f"/dashboard/?day={DAY}")

    cache_on_spare_redis.stop()
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        page = timed_get(client, f"/dashboard/?day={DAY}")
        api = timed_get(client, f"/api/dashboard/?day={DAY}")
    cache_on_spare_redis.start()

    assert_page_figures(*page)
    assert_api_figures(*api)
    assert any(record.name == "django_redis.cache" for record in caplog.records)


def test_the_dashboard_uses_the_cache_again_once_redis_is_back(client, logged_days, cache_on_spare_redis):
    client.force_login(logged_days.manager1)
    cache_on_spare_redis.stop()
    client.get(f"/dashboard/?day={DAY}")
    cache_on_spare_redis.start()

    client.get(f"/dashboard/?day={DAY}")
    page = timed_get(client, f"/dashboard/?day={DAY}")

    assert_page_figures(*page)
    import redis

    assert redis.Redis(port=cache_on_spare_redis.port).dbsize() == 1  # the trend's earlier days

"""Customers' positions from their address: pluggable geocoders and the queue that runs them.

``settings.CRM["GEOCODER"]`` chooses the backend: ``none`` (the default: nothing is looked up), ``amap``
(高德 web service: needs a key, answers in GCJ-02, converted here to the WGS-84 the phones and the rest of
the product use) or ``nominatim`` (OpenStreetMap: WGS-84, at most one request a second, with a
User-Agent that names the site). A backend turns one address into an ``Answer`` and never raises for
what the provider does: a timeout, a server error, a page that is not JSON, a refused key or a used-up
quota are answers too. Only a precise answer is ``found`` (a house number, a building, a point of
interest); a street, a district or a city is ``not_found``: a wrong position is worse than none.

The queue (``geocode_pending_customers``) looks the waiting customers up one at a time, at the
provider's pace, outside any transaction, and keeps each answer through
``accounts.customers.services.record_geocode_answer`` (the one door, which also applies the source rules).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from accounts.customers.models import Customer
from accounts.customers.services import geocode_query, record_geocode_answer
from crm.coordinates import gcj02_to_wgs84
from crm.locks import try_job_lock

logger = logging.getLogger(__name__)

FOUND, NOT_FOUND, RETRY, QUOTA = "found", "not_found", "retry", "quota"
MAX_ANSWER_BYTES = 1_000_000
# Two answers for one address farther apart than this: the address is ambiguous, so it is not found.
AMBIGUOUS_M = 1_000


@dataclass(frozen=True)
class Answer:
    """What a geocoder said about one address; ``latitude``/``longitude`` in WGS-84 when found."""

    outcome: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    message: str = ""

    @property
    def stops_the_queue(self) -> bool:
        """The provider is in trouble (or the quota is spent): the next addresses would fare no better."""
        return self.outcome in (RETRY, QUOTA)


# --- backends ---------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _bounds(text: str) -> tuple[float, float, float, float] | None:
    parts = [_number(part) for part in text.split(",")] if text.strip() else []
    if len(parts) != 4 or any(part is None for part in parts):
        return None
    south, west, north, east = (float(part) for part in parts if part is not None)
    return south, west, north, east


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


class Geocoder:
    """One provider. Subclasses build the request and read the answer; errors of the exchange are common."""

    name = ""
    default_url = ""

    def __init__(
        self,
        *,
        url: str = "",
        key: str = "",
        city: str = "",
        user_agent: str = "",
        timeout: float = 5.0,
        bounds: str = "",
    ) -> None:
        self.url = url or self.default_url
        self.key = key
        self.city = city
        self.user_agent = user_agent or f"{settings.CRM['PRODUCT_NAME']} geocoder (+{settings.CRM['SITE_URL']})"
        self.timeout = timeout
        self.bounds = _bounds(bounds)

    def lookup(self, *, address: str, district: str) -> Answer:
        raise NotImplementedError

    def _get(self, params: dict[str, str]) -> tuple[Any, Answer | None]:
        """GET the provider with ``params``: the decoded JSON, or None and the answer that says why not."""
        if not self.url.startswith(("https://", "http://")):
            return None, Answer(RETRY, message="the geocoder's address is not an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            f"{self.url}?{urllib.parse.urlencode(params)}",
            headers={"User-Agent": self.user_agent, "Accept": "application/json", "Accept-Language": "zh-CN,en"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            if error.code == 429:
                return None, Answer(RETRY, message="too many requests (HTTP 429)")
            if error.code in (401, 403):
                return None, Answer(RETRY, message=f"refused (HTTP {error.code}): check the key or the User-Agent")
            return None, Answer(RETRY, message=f"HTTP {error.code}")
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as error:
            return None, Answer(RETRY, message=f"no answer: {error}"[:200])
        if len(body) > MAX_ANSWER_BYTES:
            return None, Answer(RETRY, message="the answer is too large")
        try:
            return json.loads(body.decode("utf-8")), None
        except (UnicodeDecodeError, ValueError):
            return None, Answer(RETRY, message="the answer is not JSON")

    def _found(self, latitude: float | None, longitude: float | None) -> Answer:
        """A WGS-84 point, if it is one and lies where customers may be."""
        if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return Answer(NOT_FOUND, message="the answer holds no valid position")
        if self.bounds is not None:
            south, west, north, east = self.bounds
            if not (south <= latitude <= north and west <= longitude <= east):
                return Answer(NOT_FOUND, message="found outside the area (CRM_GEOCODER_BOUNDS)")
        quantum = Decimal("0.000001")
        return Answer(FOUND, Decimal(repr(latitude)).quantize(quantum), Decimal(repr(longitude)).quantize(quantum))


class AmapGeocoder(Geocoder):
    """高德 web service geocoding (``/v3/geocode/geo``): ``status`` "1" with ``geocodes``, or "0" with an
    ``infocode``. Positions are GCJ-02, "lng,lat"."""

    name = "amap"
    default_url = "https://restapi.amap.com/v3/geocode/geo"
    # 匹配级别 precise enough to stand at the door (a road, a village, a district or a city are not).
    PRECISE_LEVELS = frozenset(
        {
            "门牌号",
            "门址",
            "单元号",
            "楼层",
            "房间",
            "兴趣点",
            "住宅区",
            "道路交叉路口",
            "公交地铁站点",
            "公交站台、地铁站",
        }
    )
    QUOTA_CODES = frozenset({"10003", "10044", "10045"})  # daily quota used up (the key's, the account's)
    RATE_CODES = frozenset({"10004", "10010", "10014", "10015", "10019", "10020", "10021", "10029"})
    BAD_QUERY_CODES = frozenset({"20000", "20001", "20002", "20011", "20012"})

    def lookup(self, *, address: str, district: str) -> Answer:
        params = {"key": self.key, "address": geocode_query(address=address, district=district), "output": "JSON"}
        if self.city:
            params["city"] = self.city
        payload, problem = self._get(params)
        if problem is not None:
            return problem
        if not isinstance(payload, dict):
            return Answer(RETRY, message="the answer is not a JSON object")
        info = str(payload.get("info", ""))[:80]
        code = str(payload.get("infocode", ""))
        if str(payload.get("status")) != "1":
            if code in self.QUOTA_CODES:
                return Answer(QUOTA, message=f"quota used up ({code} {info})")
            if code in self.BAD_QUERY_CODES:
                return Answer(NOT_FOUND, message=f"the address was refused ({code} {info})")
            return Answer(
                RETRY, message=f"refused ({code} {info})" if code not in self.RATE_CODES else f"too fast ({code})"
            )
        geocodes = payload.get("geocodes")
        if not isinstance(geocodes, list) or not geocodes:
            return Answer(NOT_FOUND, message="no match")
        points = [self._point(item) for item in geocodes if isinstance(item, dict)]
        first = geocodes[0] if isinstance(geocodes[0], dict) else {}
        if str(first.get("level", "")) not in self.PRECISE_LEVELS:
            return Answer(NOT_FOUND, message=f"only found to the {str(first.get('level', ''))[:20] or 'unknown'} level")
        if points[0] is None:
            return Answer(NOT_FOUND, message="the answer holds no valid position")
        if any(point is None or _distance_m(*points[0], *point) > AMBIGUOUS_M for point in points[1:]):
            return Answer(NOT_FOUND, message="the address matches several places")
        return self._found(*gcj02_to_wgs84(*points[0]))

    @staticmethod
    def _point(item: dict) -> tuple[float, float] | None:
        """(latitude, longitude) of an Amap "lng,lat" string, GCJ-02."""
        parts = str(item.get("location", "")).split(",")
        if len(parts) != 2:
            return None
        longitude, latitude = _number(parts[0]), _number(parts[1])
        if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        return latitude, longitude


class NominatimGeocoder(Geocoder):
    """OpenStreetMap's Nominatim ``/search`` (jsonv2): a list of places, WGS-84, ``place_rank`` 30 for a
    building, 26–27 for a street. Its usage policy: one request a second, a User-Agent naming the
    application, answers cached (ours are kept on the customer)."""

    name = "nominatim"
    default_url = "https://nominatim.openstreetmap.org/search"
    MIN_PLACE_RANK = 28  # finer than a street: a house, a building, a point of interest

    def lookup(self, *, address: str, district: str) -> Answer:
        parts = [" ".join(address.split()), district.strip(), self.city.strip()]
        params = {"q": ", ".join(part for part in parts if part), "format": "jsonv2", "limit": "1"}
        params["countrycodes"] = "cn"
        payload, problem = self._get(params)
        if problem is not None:
            return problem
        if not isinstance(payload, list):
            return Answer(RETRY, message="the answer is not a JSON list")
        if not payload or not isinstance(payload[0], dict):
            return Answer(NOT_FOUND, message="no match")
        place = payload[0]
        rank = _number(place.get("place_rank"))
        if rank is None or rank < self.MIN_PLACE_RANK:
            return Answer(
                NOT_FOUND, message=f"only found to the {str(place.get('addresstype', ''))[:20] or 'area'} level"
            )
        return self._found(_number(place.get("lat")), _number(place.get("lon")))


BACKENDS: dict[str, type[Geocoder]] = {"amap": AmapGeocoder, "nominatim": NominatimGeocoder}


def get_geocoder() -> Geocoder | None:
    """The geocoder the settings choose, or None (``CRM_GEOCODER=none``)."""
    crm = settings.CRM
    backend = BACKENDS.get(crm["GEOCODER"])
    if backend is None:
        return None
    return backend(
        url=crm["GEOCODER_URL"],
        key=crm["GEOCODER_KEY"],
        city=crm["GEOCODER_CITY"],
        user_agent=crm["GEOCODER_USER_AGENT"],
        timeout=crm["GEOCODER_TIMEOUT_SECONDS"],
        bounds=crm["GEOCODER_BOUNDS"],
    )


def requests_per_second(geocoder: Geocoder) -> float:
    rate = float(settings.CRM["GEOCODER_RATE_PER_SECOND"])
    return min(rate, 1.0) if isinstance(geocoder, NominatimGeocoder) else rate


# --- the queue --------------------------------------------------------------------------------------


@dataclass
class QueueRun:
    """What one run of the queue did: answers by outcome, whether it stopped on trouble, whether some wait."""

    answers: Counter = field(default_factory=Counter)
    stopped: str = ""
    waiting: int = 0
    skipped: bool = False

    @property
    def looked_up(self) -> int:
        return sum(self.answers.values())


def waiting_customers():
    return (
        Customer.objects.filter(geocode_status=Customer.GeocodeStatus.PENDING)
        .exclude(address="")
        .order_by("pk")
        .values("pk", "address", "district")
    )


def geocode_pending_customers(
    *,
    max_seconds: float | None = None,
    geocoder: Geocoder | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> QueueRun:
    """Look up the customers waiting for their address, oldest first, at most GEOCODER_RATE_PER_SECOND
    requests a second (Nominatim: one), for ``max_seconds`` (None: GEOCODER_RUN_SECONDS; 0, as the
    command asks: until none wait). One run at a time (``crm.locks.try_job_lock``): a second one returns at
    once, skipped. Stops at the first answer that is the provider's trouble (timeouts, errors, refused
    key, quota): the next run tries that customer again. No transaction is held during a request.
    Safe to run twice: an answer is kept only for a customer still waiting for that very address.
    """
    run = QueueRun()
    geocoder = geocoder or get_geocoder()
    if geocoder is None:
        return run
    interval = 1.0 / requests_per_second(geocoder)
    budget = settings.CRM["GEOCODER_RUN_SECONDS"] if max_seconds is None else max_seconds
    with try_job_lock("geocode-customers", lease_seconds=(budget or 3600) + 60) as acquired:
        if not acquired:
            run.skipped = True
            return run
        deadline = clock() + budget if budget else None
        next_request_at = clock()
        after_pk = 0
        while deadline is None or clock() < deadline:
            row = waiting_customers().filter(pk__gt=after_pk).first()
            if row is None:
                break
            if deadline is not None and next_request_at >= deadline:
                break  # the next request would fall after this run's time: the next run makes it
            wait = next_request_at - clock()
            if wait > 0:
                sleep(wait)
            answer = geocoder.lookup(address=row["address"], district=row["district"])
            next_request_at = clock() + interval
            record_geocode_answer(
                customer_id=row["pk"],
                query=geocode_query(address=row["address"], district=row["district"]),
                provider=geocoder.name,
                outcome=answer.outcome,
                latitude=answer.latitude,
                longitude=answer.longitude,
                message=answer.message,
            )
            run.answers[answer.outcome] += 1
            if answer.stops_the_queue:
                run.stopped = answer.outcome
                logger.warning("Geocoding stopped at customer %s: %s", row["pk"], answer.message)
                break
            after_pk = row["pk"]
    run.waiting = waiting_customers().count()
    return run

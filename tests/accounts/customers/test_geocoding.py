"""Geocoding against a real HTTP server on 127.0.0.1 (tests/accounts/customers/fake_geocoder.py) standing in
for 高德 and Nominatim: what each answer becomes on the customer, the provider's trouble (errors, timeouts,
bad JSON, a spent quota: never a 500, never a wrong position), the pace, the command; and GCJ-02."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.customers.geocoding import geocode_pending_customers
from accounts.customers.models import Customer
from crm.coordinates import gcj02_to_wgs84, wgs84_to_gcj02
from tests.accounts.customers.fake_geocoder import start_fake_provider
from tests.accounts.factories import CustomerFactory

Lookup = Customer.GeocodeStatus
Source = Customer.LocationSource


@pytest.fixture
def provider(db):
    fake, stop = start_fake_provider()
    yield fake
    stop()


@pytest.fixture
def amap(settings, provider):
    settings.CRM = {
        **settings.CRM,
        "GEOCODER": "amap",
        "GEOCODER_KEY": "test-key",
        "GEOCODER_URL": provider.url,
        "GEOCODER_CITY": "佛山",
        "GEOCODER_RATE_PER_SECOND": 100,
        "GEOCODER_TIMEOUT_SECONDS": 0.5,
        "GEOCODER_MAX_ATTEMPTS": 2,
    }
    return provider


@pytest.fixture
def nominatim(settings, provider):
    settings.CRM = {
        **settings.CRM,
        "GEOCODER": "nominatim",
        "GEOCODER_URL": provider.url,
        "GEOCODER_CITY": "佛山",
        "GEOCODER_TIMEOUT_SECONDS": 0.5,
        "SITE_URL": "https://crm.example.cn",
    }
    return provider


class FakeTime:
    """The queue's clock and sleep: time passes only when the queue sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def waiting(address="季华五路18号", district="禅城区", **extra):
    return CustomerFactory(address=address, district=district, geocode_status=Lookup.PENDING, **extra)


def run(**kwargs):
    time = FakeTime()
    return geocode_pending_customers(max_seconds=0, sleep=time.sleep, clock=time.clock, **kwargs), time


def state(customer):
    customer.refresh_from_db()
    return customer.geocode_status, customer.latitude, customer.longitude, customer.location_source


def amap_found(location, level="门牌号", count=1):
    geocodes = [{"formatted_address": "广东省佛山市禅城区季华五路18号", "level": level, "location": location}] * count
    return {"status": "1", "info": "OK", "infocode": "10000", "count": str(count), "geocodes": geocodes}


# --- GCJ-02 against published pairs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wgs", "gcj", "published_to"),
    [
        # coordtransform (wandergis) and hutool's tests, asserted exactly there: 天安门 area
        ((39.915, 116.404), (39.91640428150164, 116.41024449916938), 1e-9),
        # geoToolbox's test, asserted to 1e-7 there
        ((40.0, 116.0), (40.001213650174, 116.006141221789), 1e-7),
        # geotool's test (嘉兴); it and geoToolbox differ from coordtransform by under 1e-7° (1 cm)
        ((30.6107779, 121.0917077), (30.608604331756705, 121.09626935575027), 1e-7),
    ],
)
def test_gcj02_matches_published_pairs_both_ways(wgs, gcj, published_to):
    forward = wgs84_to_gcj02(*wgs)
    backward = gcj02_to_wgs84(*gcj)

    assert forward == pytest.approx(gcj, abs=published_to)
    assert backward == pytest.approx(wgs, abs=published_to + 1e-8)  # the inverse: within about a millimetre more


def test_gcj02_inverse_matches_gcoords_published_value():
    # gcoord's test: GCJ02 (45, 123) to WGS84 is (44.99804071, 122.99395597), to 5 decimals there
    assert gcj02_to_wgs84(45.0, 123.0) == pytest.approx((44.99804071, 122.99395597), abs=1e-6)


def test_outside_china_gcj02_is_wgs84():
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)
    assert gcj02_to_wgs84(48.8584, 2.2945) == (48.8584, 2.2945)


# --- 高德 ---------------------------------------------------------------------------------------------


def test_amap_answer_is_stored_in_wgs84_with_the_address_it_came_from(amap):
    customer = waiting(address="季华五路18号", district="禅城区")
    amap.answer(amap_found("116.410244,39.916404"))  # the published pair's GCJ-02, to 6 decimals

    result, _ = run()

    status, latitude, longitude, source = state(customer)
    assert (status, source, dict(result.answers)) == (Lookup.FOUND, Source.GEOCODED, {"found": 1})
    assert float(latitude) == pytest.approx(39.915, abs=2e-6)
    assert float(longitude) == pytest.approx(116.404, abs=2e-6)
    assert (customer.geocode_provider, customer.geocoded_address) == ("amap", "禅城区季华五路18号")
    query = amap.requests[0]["query"]
    assert (query["key"], query["address"], query["city"]) == ("test-key", "禅城区季华五路18号", "佛山")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (amap_found("113.126,23.019", level="区县"), "only found to the 区县 level"),
        (amap_found("113.126,23.019", level="道路"), "only found to the 道路 level"),
        ({"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}, "no match"),
        (amap_found("abc,def"), "the answer holds no valid position"),
        (amap_found("113.126,95.0"), "the answer holds no valid position"),
        (
            {
                "status": "1",
                "count": "2",
                "geocodes": [
                    {"level": "兴趣点", "location": "113.126,23.019"},
                    {"level": "兴趣点", "location": "113.252,22.840"},
                ],
            },
            "the address matches several places",
        ),
        (
            {"status": "0", "info": "INVALID_PARAMS", "infocode": "20000"},
            "the address was refused (20000 INVALID_PARAMS)",
        ),
    ],
)
def test_amap_answers_that_are_no_position_are_not_found(amap, payload, message):
    customer = waiting()
    amap.answer(payload)

    run()

    assert state(customer) == (Lookup.NOT_FOUND, None, None, Source.NONE)
    assert customer.geocode_message == message


def test_a_spent_amap_quota_stops_the_queue_and_keeps_everyone_waiting(amap):
    first, second = waiting(), waiting(address="祖庙路1号")
    amap.answer({"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"})

    result, _ = run()

    assert (result.stopped, result.waiting, len(amap.requests)) == ("quota", 2, 1)
    assert state(first) == (Lookup.PENDING, None, None, Source.NONE)
    assert (first.geocode_attempts, first.geocode_message) == (0, "quota used up (10003 DAILY_QUERY_OVER_LIMIT)")
    assert state(second) == (Lookup.PENDING, None, None, Source.NONE)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 500, "body": b"Internal Server Error"}, "HTTP 500"),
        ({"status": 200, "body": b"<html>gateway</html>"}, "the answer is not JSON"),
        ({"status": 200, "body": b"[1, 2]"}, "the answer is not a JSON object"),
        (
            {"payload": {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}},
            "refused (10001 INVALID_USER_KEY)",
        ),
        ({"payload": {"status": "0", "info": "ACCESS_TOO_FREQUENT", "infocode": "10004"}}, "too fast (10004)"),
        ({"status": 403, "body": b"forbidden"}, "refused (HTTP 403): check the key or the User-Agent"),
    ],
)
def test_amap_trouble_is_retried_then_given_up_never_a_position(amap, answer, message):
    customer = waiting()
    amap.answer(**answer)
    amap.answer(**answer)

    first, _ = run()
    assert (first.stopped, state(customer)) == ("retry", (Lookup.PENDING, None, None, Source.NONE))
    assert (customer.geocode_attempts, customer.geocode_message) == (1, message)
    run()
    assert state(customer) == (Lookup.FAILED, None, None, Source.NONE)
    assert customer.geocode_attempts == 2


def test_a_provider_that_does_not_answer_in_time_is_trouble(amap):
    customer = waiting()
    amap.answer(amap_found("113.126,23.019"), delay=2)

    result, _ = run()

    assert result.stopped == "retry"
    assert state(customer) == (Lookup.PENDING, None, None, Source.NONE)
    assert customer.geocode_message.startswith("no answer")


def test_nothing_listens_is_trouble_too(amap, settings):
    settings.CRM = {**settings.CRM, "GEOCODER_URL": "http://127.0.0.1:9/geocode"}  # the discard port: refused
    customer = waiting()

    result, _ = run()

    assert (result.stopped, state(customer)) == ("retry", (Lookup.PENDING, None, None, Source.NONE))


def test_an_answer_outside_the_configured_area_is_not_found(amap, settings):
    settings.CRM = {**settings.CRM, "GEOCODER_BOUNDS": "22.6,112.3,23.6,113.4"}  # 佛山
    customer = waiting()
    amap.answer(amap_found("116.410244,39.916404"))  # Beijing

    run()

    assert state(customer) == (Lookup.NOT_FOUND, None, None, Source.NONE)
    assert customer.geocode_message == "found outside the area (CRM_GEOCODER_BOUNDS)"


# --- Nominatim ----------------------------------------------------------------------------------------


def nominatim_place(lat="23.0215", lon="113.1214", rank=30, kind="building"):
    return [{"lat": lat, "lon": lon, "place_rank": rank, "addresstype": kind, "display_name": "季华五路18号"}]


def test_nominatim_answer_is_wgs84_as_it_is_and_the_request_names_the_site(nominatim):
    customer = waiting(address="季华五路18号", district="禅城区")
    nominatim.answer(nominatim_place())

    run()

    assert state(customer) == (Lookup.FOUND, Decimal("23.021500"), Decimal("113.121400"), Source.GEOCODED)
    request = nominatim.requests[0]
    assert request["query"] == {
        "q": "季华五路18号, 禅城区, 佛山",
        "format": "jsonv2",
        "limit": "1",
        "countrycodes": "cn",
    }
    assert request["headers"]["User-Agent"] == "Field Sales CRM geocoder (+https://crm.example.cn)"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "no match"),
        (nominatim_place(rank=26, kind="road"), "only found to the road level"),
        (nominatim_place(lat="NaN"), "the answer holds no valid position"),
        (nominatim_place(lat="123.4"), "the answer holds no valid position"),
    ],
)
def test_nominatim_answers_that_are_no_position_are_not_found(nominatim, payload, message):
    customer = waiting()
    nominatim.answer(payload)

    run()

    assert state(customer) == (Lookup.NOT_FOUND, None, None, Source.NONE)
    assert customer.geocode_message == message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 429, "body": b"Too Many Requests"}, "too many requests (HTTP 429)"),
        ({"status": 200, "body": b'{"error": "bad request"}'}, "the answer is not a JSON list"),
        ({"status": 200, "body": b"\xff\xfe not utf-8"}, "the answer is not JSON"),
    ],
)
def test_nominatim_trouble_is_retried(nominatim, answer, message):
    customer = waiting()
    nominatim.answer(**answer)

    result, _ = run()

    assert (result.stopped, state(customer)) == ("retry", (Lookup.PENDING, None, None, Source.NONE))
    assert customer.geocode_message == message


# --- the queue ----------------------------------------------------------------------------------------


def test_nominatim_is_asked_at_most_once_a_second_whatever_the_setting(nominatim, settings):
    settings.CRM = {**settings.CRM, "GEOCODER_RATE_PER_SECOND": 10}
    customers = [waiting(address=f"季华五路{n}号") for n in range(3)]
    for _ in customers:
        nominatim.answer(nominatim_place())

    result, time = run()

    assert (result.looked_up, time.sleeps) == (3, [1.0, 1.0])
    assert [state(customer)[0] for customer in customers] == [Lookup.FOUND] * 3


def test_amap_is_asked_at_the_configured_pace_oldest_first(amap, settings):
    settings.CRM = {**settings.CRM, "GEOCODER_RATE_PER_SECOND": 4}
    customers = [waiting(address=f"季华五路{n}号") for n in range(3)]
    for _ in customers:
        amap.answer(amap_found("113.126,23.019"))

    _, time = run()

    assert time.sleeps == [0.25, 0.25]
    assert [request["query"]["address"] for request in amap.requests] == [f"禅城区季华五路{n}号" for n in range(3)]


def test_a_run_stops_at_its_time_budget_and_says_how_many_wait(nominatim):
    customers = [waiting(address=f"季华五路{n}号") for n in range(3)]
    for _ in customers:
        nominatim.answer(nominatim_place())
    time = FakeTime()

    result = geocode_pending_customers(max_seconds=1.5, sleep=time.sleep, clock=time.clock)

    assert (result.looked_up, result.waiting) == (2, 1)


def test_running_the_queue_again_asks_nothing_more(nominatim):
    customer = waiting()
    nominatim.answer(nominatim_place())

    run()
    second, _ = run()

    assert (second.looked_up, len(nominatim.requests), state(customer)[0]) == (0, 1, Lookup.FOUND)


def test_customers_without_an_address_or_not_waiting_are_never_sent(nominatim):
    CustomerFactory(address="", geocode_status=Lookup.PENDING)
    CustomerFactory(address="季华五路1号", geocode_status=Lookup.FOUND)
    CustomerFactory(address="季华五路2号")

    result, _ = run()

    assert (result.looked_up, nominatim.requests) == (0, [])


def test_without_a_geocoder_the_queue_does_nothing(settings, db):
    settings.CRM = {**settings.CRM, "GEOCODER": "none"}
    waiting()

    result, _ = run()

    assert (result.looked_up, result.waiting) == (0, 0)


# --- the command --------------------------------------------------------------------------------------


def test_the_command_looks_up_every_missing_position(nominatim, capsys):
    found = CustomerFactory(address="季华五路18号", district="禅城区")
    not_found = CustomerFactory(address="无名路", district="禅城区", geocode_status=Lookup.FAILED)
    CustomerFactory(
        address="祖庙路1号", latitude=Decimal("23.03"), longitude=Decimal("113.1"), location_source=Source.PIN
    )
    nominatim.answer(nominatim_place())
    nominatim.answer([])

    call_command("geocode_customers")

    output = capsys.readouterr().out
    assert "2 customers to look up with nominatim." in output
    assert "Looked up 2: 1 found, 1 not found." in output
    assert [state(found)[0], state(not_found)[0]] == [Lookup.FOUND, Lookup.NOT_FOUND]


def test_the_command_says_when_no_geocoder_is_set_up(settings, db):
    settings.CRM = {**settings.CRM, "GEOCODER": "none"}

    with pytest.raises(CommandError, match="No geocoder is set up"):
        call_command("geocode_customers")

"""The customer's position: one door (set_customer_location), its sources and which may replace which, and
when the address is looked up (asked, cached, asked again after a change)."""

from decimal import Decimal

import pytest

from accounts.customers.models import Customer
from accounts.customers.services import (
    GEOCODE_TASK,
    BadPosition,
    clear_customer_location,
    record_geocode_answer,
    register_customer,
    request_geocoding,
    set_customer_location,
    update_customer,
)
from crm.models import PendingTask
from tests.accounts.factories import CustomerFactory

Source = Customer.LocationSource
Lookup = Customer.GeocodeStatus
PIN = (Decimal("23.021500"), Decimal("113.121400"))
ELSEWHERE = (Decimal("23.030000"), Decimal("113.110000"))


@pytest.fixture
def geocoder_on(settings):
    settings.CRM = {**settings.CRM, "GEOCODER": "nominatim"}


def placed(source, position=PIN, **extra):
    return CustomerFactory(latitude=position[0], longitude=position[1], location_source=source, **extra)


def position_of(customer):
    customer.refresh_from_db()
    return customer.latitude, customer.longitude, customer.location_source


def geocode_tasks():
    return PendingTask.objects.filter(task=GEOCODE_TASK).count()


# --- which source may replace which ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "written"),
    [
        (Source.NONE, Source.CHECK_IN, True),
        (Source.NONE, Source.GEOCODED, True),
        (Source.NONE, Source.PIN, True),
        (Source.PIN, Source.GEOCODED, False),  # a pin is never overwritten by the geocoder
        (Source.PIN, Source.IMPORTED, False),
        (Source.PIN, Source.CHECK_IN, False),  # nor by a check-in
        (Source.PIN, Source.PIN, True),  # but moved by hand again
        (Source.GEOCODED, Source.CHECK_IN, False),  # a check-in never overwrites a position
        (Source.IMPORTED, Source.CHECK_IN, False),
        (Source.CHECK_IN, Source.CHECK_IN, False),
        (Source.CHECK_IN, Source.GEOCODED, True),  # the address found outranks the first check-in
        (Source.GEOCODED, Source.GEOCODED, True),  # a new address found again
        (Source.GEOCODED, Source.PIN, True),
        (Source.CHECK_IN, Source.PIN, True),
    ],
)
def test_a_position_is_replaced_only_by_an_equal_or_better_source(db, current, new, written):
    customer = CustomerFactory() if current == Source.NONE else placed(current)

    result = set_customer_location(customer_id=customer.pk, latitude=ELSEWHERE[0], longitude=ELSEWHERE[1], source=new)

    assert result is written
    expected = (
        (*ELSEWHERE, new) if written else ((None, None, Source.NONE) if current == Source.NONE else (*PIN, current))
    )
    assert position_of(customer) == expected


def test_the_old_callers_keep_their_meaning(db):
    first = CustomerFactory()
    pinned = placed(Source.GEOCODED)

    assert set_customer_location(customer_id=first.pk, latitude="23.1", longitude="113.2", only_if_unknown=True)
    assert not set_customer_location(customer_id=first.pk, latitude="23.2", longitude="113.3", only_if_unknown=True)
    assert set_customer_location(customer_id=pinned.pk, latitude=ELSEWHERE[0], longitude=ELSEWHERE[1])

    assert position_of(first) == (Decimal("23.100000"), Decimal("113.200000"), Source.CHECK_IN)
    assert position_of(pinned) == (*ELSEWHERE, Source.PIN)


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("91", "113"), ("23", "-181"), ("NaN", "113"), ("23", "Infinity"), ("abc", "113")]
)
def test_a_bad_position_is_refused_and_changes_nothing(db, latitude, longitude):
    customer = placed(Source.CHECK_IN)

    with pytest.raises(BadPosition):
        set_customer_location(customer_id=customer.pk, latitude=latitude, longitude=longitude, source=Source.PIN)

    assert position_of(customer) == (*PIN, Source.CHECK_IN)


def test_a_pin_is_recorded_with_who_and_when_and_leaves_open_forms_valid(db, people):
    customer = placed(Source.GEOCODED, owner=people.sales1)
    version = Customer.objects.get(pk=customer.pk).version

    set_customer_location(
        customer_id=customer.pk,
        latitude=ELSEWHERE[0],
        longitude=ELSEWHERE[1],
        source=Source.PIN,
        changed_by=people.sales1,
    )

    customer.refresh_from_db()
    assert customer.version == version
    assert customer.location_set_at is not None
    latest = customer.history.first()
    assert (latest.history_user, latest.location_source, latest.latitude) == (people.sales1, Source.PIN, ELSEWHERE[0])


def test_a_pin_ends_the_wait_for_a_lookup(db):
    customer = CustomerFactory(address="祖庙路18号", geocode_status=Lookup.PENDING)

    set_customer_location(customer_id=customer.pk, latitude=PIN[0], longitude=PIN[1], source=Source.PIN)

    customer.refresh_from_db()
    assert customer.geocode_status == Lookup.NONE


# --- when the address is looked up --------------------------------------------------------------------


def test_a_registered_customer_with_an_address_waits_for_a_lookup(geocoder_on, people, owned_tree):
    customer = register_customer(
        created_by=people.sales1, data={"unit_name": "顺达汽修", "district": "南山区", "address": "科技园路1号"}
    )

    assert (customer.geocode_status, geocode_tasks()) == (Lookup.PENDING, 1)


def test_without_an_address_or_a_geocoder_nothing_is_looked_up(settings, people, owned_tree):
    without_address = register_customer(created_by=people.sales1, data={"unit_name": "甲", "district": "南山区"})
    settings.CRM = {**settings.CRM, "GEOCODER": "none"}
    without_geocoder = register_customer(
        created_by=people.sales1, data={"unit_name": "乙", "district": "南山区", "address": "科技园路1号"}
    )

    assert [without_address.geocode_status, without_geocoder.geocode_status] == [Lookup.NONE, Lookup.NONE]
    assert geocode_tasks() == 0


def _found(customer, position=PIN):
    customer.refresh_from_db()
    query = f"{customer.district}{customer.address}"
    assert record_geocode_answer(
        customer_id=customer.pk,
        query=query,
        provider="nominatim",
        outcome="found",
        latitude=position[0],
        longitude=position[1],
    )
    customer.refresh_from_db()
    return customer


def test_the_same_address_is_not_looked_up_twice(geocoder_on, people, owned_tree):
    customer = register_customer(
        created_by=people.sales1, data={"unit_name": "顺达汽修", "district": "南山区", "address": "科技园路1号"}
    )
    customer = _found(customer)

    update_customer(
        customer_id=customer.pk,
        changed_by=people.sales1,
        version=customer.version,
        data={"notes": "老板姓王", "address": "科技园路1号"},
    )

    customer.refresh_from_db()
    assert (customer.geocode_status, customer.geocoded_address, geocode_tasks()) == (
        Lookup.FOUND,
        "南山区科技园路1号",
        1,
    )
    assert position_of(customer) == (*PIN, Source.GEOCODED)


def test_a_changed_address_forgets_the_position_found_from_the_old_one_and_is_looked_up(
    geocoder_on, people, owned_tree
):
    customer = _found(
        register_customer(
            created_by=people.sales1, data={"unit_name": "顺达", "district": "南山区", "address": "科技园路1号"}
        )
    )

    update_customer(
        customer_id=customer.pk, changed_by=people.sales1, version=customer.version, data={"address": "深南大道9号"}
    )

    customer.refresh_from_db()
    assert position_of(customer) == (None, None, Source.NONE)
    assert (customer.geocode_status, geocode_tasks()) == (Lookup.PENDING, 2)


def test_a_changed_address_keeps_a_pin_and_asks_nothing(geocoder_on, people, owned_tree):
    customer = placed(
        Source.PIN, address="科技园路1号", district="南山区", territory=owned_tree["nanshan_clubs"], owner=people.sales1
    )

    update_customer(
        customer_id=customer.pk, changed_by=people.sales1, version=customer.version, data={"address": "深南大道9号"}
    )

    customer.refresh_from_db()
    assert position_of(customer) == (*PIN, Source.PIN)
    assert (customer.geocode_status, geocode_tasks()) == (Lookup.NONE, 0)


def test_a_changed_address_keeps_a_check_in_position_until_the_new_address_is_found(geocoder_on, people, owned_tree):
    customer = placed(
        Source.CHECK_IN,
        address="科技园路1号",
        district="南山区",
        territory=owned_tree["nanshan_clubs"],
        owner=people.sales1,
    )

    update_customer(
        customer_id=customer.pk, changed_by=people.sales1, version=customer.version, data={"address": "深南大道9号"}
    )
    customer.refresh_from_db()
    assert (position_of(customer), customer.geocode_status) == ((*PIN, Source.CHECK_IN), Lookup.PENDING)

    customer = _found(customer, ELSEWHERE)
    assert position_of(customer) == (*ELSEWHERE, Source.GEOCODED)


def test_an_answer_for_an_address_changed_meanwhile_is_dropped(geocoder_on, db):
    customer = CustomerFactory(district="南山区", address="深南大道9号", geocode_status=Lookup.PENDING)

    kept = record_geocode_answer(
        customer_id=customer.pk,
        query="南山区科技园路1号",
        provider="amap",
        outcome="found",
        latitude=PIN[0],
        longitude=PIN[1],
    )

    assert kept is False
    assert position_of(customer) == (None, None, Source.NONE)


def test_a_found_answer_never_moves_a_pin_but_is_kept_as_the_lookup(geocoder_on, db):
    customer = placed(Source.PIN, district="南山区", address="科技园路1号", geocode_status=Lookup.PENDING)

    assert record_geocode_answer(
        customer_id=customer.pk,
        query="南山区科技园路1号",
        provider="amap",
        outcome="found",
        latitude=ELSEWHERE[0],
        longitude=ELSEWHERE[1],
    )

    customer.refresh_from_db()
    assert position_of(customer) == (*PIN, Source.PIN)
    assert (customer.geocode_status, customer.geocode_provider) == (Lookup.FOUND, "amap")


def test_trouble_is_retried_up_to_the_limit_and_a_spent_quota_costs_no_attempt(geocoder_on, settings, db):
    settings.CRM = {**settings.CRM, "GEOCODER_MAX_ATTEMPTS": 2}
    customer = CustomerFactory(district="南山区", address="科技园路1号", geocode_status=Lookup.PENDING)
    answer = {"customer_id": customer.pk, "query": "南山区科技园路1号", "provider": "amap"}

    record_geocode_answer(**answer, outcome="quota", message="quota used up")
    customer.refresh_from_db()
    assert (customer.geocode_status, customer.geocode_attempts, customer.geocode_message) == (
        Lookup.PENDING,
        0,
        "quota used up",
    )
    record_geocode_answer(**answer, outcome="retry", message="HTTP 500")
    customer.refresh_from_db()
    assert (customer.geocode_status, customer.geocode_attempts) == (Lookup.PENDING, 1)
    record_geocode_answer(**answer, outcome="retry", message="HTTP 500")
    customer.refresh_from_db()
    assert (customer.geocode_status, customer.geocode_attempts) == (Lookup.FAILED, 2)
    assert record_geocode_answer(**answer, outcome="found", latitude=PIN[0], longitude=PIN[1]) is False  # given up


def test_clearing_a_check_in_position_asks_for_the_address(geocoder_on, db, people):
    customer = placed(Source.CHECK_IN, district="南山区", address="科技园路1号")

    assert not clear_customer_location(
        customer_id=customer.pk, source=Source.CHECK_IN, latitude=ELSEWHERE[0], longitude=ELSEWHERE[1]
    )
    assert clear_customer_location(
        customer_id=customer.pk, source=Source.CHECK_IN, latitude=PIN[0], longitude=PIN[1], changed_by=people.sales1
    )

    customer.refresh_from_db()
    assert position_of(customer) == (None, None, Source.NONE)
    assert (customer.geocode_status, geocode_tasks()) == (Lookup.PENDING, 1)


def test_asking_for_every_missing_position_is_set_based(geocoder_on, db):
    waiting = [
        CustomerFactory(address="科技园路1号"),
        CustomerFactory(address="科技园路2号", geocode_status=Lookup.FAILED, geocode_attempts=3),
    ]
    left_alone = [
        CustomerFactory(address=""),  # nothing to look up
        CustomerFactory(address="科技园路3号", geocode_status=Lookup.NOT_FOUND),  # asked already
        placed(Source.CHECK_IN, address="科技园路4号"),  # has a position
    ]

    assert request_geocoding() == 2

    assert list(
        Customer.objects.filter(geocode_status=Lookup.PENDING).order_by("pk").values_list("pk", "geocode_attempts")
    ) == [
        (waiting[0].pk, 0),
        (waiting[1].pk, 0),
    ]
    assert geocode_tasks() == 1
    assert request_geocoding(retry_not_found=True) == 3
    assert Customer.objects.get(pk=left_alone[1].pk).geocode_status == Lookup.PENDING

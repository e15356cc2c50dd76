"""The demo lies in 佛山: every demo district is one of the city's, every demo customer stands inside its
district's area (a generous box around each district), and seed_scale's customers get positions too."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.customers.models import Customer
from campaigns.models import Event, PhoneInquiry
from territories.models import RoutingRule, Territory

# 佛山市 and its five districts, south-west-north-east boxes in WGS-84 degrees (drawn around each district's
# outline, so neighbours overlap: 南海 wraps 禅城 on three sides). 容桂街道 is a subdistrict of 顺德区.
FOSHAN = (22.64, 112.37, 23.57, 113.40)
DISTRICT_BOXES = {
    "禅城区": (22.95, 112.97, 23.10, 113.15),
    "南海区": (22.80, 112.83, 23.33, 113.26),
    "顺德区": (22.64, 113.00, 23.00, 113.40),
    "高明区": (22.64, 112.37, 23.05, 112.95),
    "三水区": (23.00, 112.65, 23.57, 113.07),
    "容桂街道": (22.72, 113.24, 22.81, 113.33),
}


def inside(box, latitude, longitude):
    south, west, north, east = box
    return south <= float(latitude) <= north and west <= float(longitude) <= east


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())


def test_every_demo_district_lies_in_the_demo_city(demo):
    districts = (
        {district for territory in Territory.objects.all() for district in territory.districts}
        | set(RoutingRule.objects.exclude(district="").values_list("district", flat=True))
        | set(Customer.objects.values_list("district", flat=True))
        | set(PhoneInquiry.objects.values_list("district", flat=True))
        | set(Event.objects.values_list("district", flat=True))
    )

    assert districts - {""} <= set(DISTRICT_BOXES)
    assert Territory.objects.get(kind=Territory.Kind.CITY).name == "佛山市"


def test_every_demo_customer_stands_inside_its_district(demo):
    customers = list(Customer.objects.values_list("pk", "district", "latitude", "longitude", "location_source"))
    placed = [row for row in customers if row[2] is not None]

    assert len(placed) >= 0.95 * len(customers)
    assert [row for row in placed if not inside(FOSHAN, row[2], row[3])] == []
    assert [row for row in placed if not inside(DISTRICT_BOXES[row[1]], row[2], row[3])] == []
    assert {row[4] for row in placed} == {Customer.LocationSource.GEOCODED}
    # the rest: an address nobody found, so no position until their first check-in
    unplaced = Customer.objects.filter(latitude__isnull=True)
    assert set(unplaced.values_list("geocode_status", flat=True)) == {Customer.GeocodeStatus.NOT_FOUND}


def test_demo_customers_are_spread_over_their_districts_not_piled_on_one_point(demo):
    for district in ("禅城区", "南海区", "顺德区", "高明区", "三水区"):
        points = set(
            Customer.objects.filter(district=district, latitude__isnull=False).values_list("latitude", "longitude")
        )
        assert len(points) >= 40, district


def test_the_demo_addresses_are_those_looked_up(demo):
    customer = Customer.objects.filter(district="禅城区", latitude__isnull=False).order_by("pk").first()

    assert customer.address.startswith("佛山市禅城区")
    assert customer.geocoded_address == customer.address  # the district is in the address already: not twice
    assert (customer.geocode_status, customer.geocode_provider) == (Customer.GeocodeStatus.FOUND, "demo")


def test_the_scale_data_set_gets_positions_around_foshan(db):
    call_command(
        "seed_scale",
        "--salespeople",
        "4",
        "--customers",
        "40",
        "--branches",
        "2",
        "--team-size",
        "2",
        stdout=io.StringIO(),
    )

    positions = list(Customer.objects.values_list("latitude", "longitude", "location_source"))
    assert len(positions) == 40
    assert all(latitude is not None and inside(FOSHAN, latitude, longitude) for latitude, longitude, _ in positions)
    assert {source for _, _, source in positions} == {Customer.LocationSource.IMPORTED}
    # near the first branch's centre (禅城, 季华路), within the ±0.03° scatter
    first = Customer.objects.filter(territory__parent__code="scale-branch1")
    assert all(abs(row[0] - Decimal("23.0215")) <= Decimal("0.0301") for row in first.values_list("latitude"))
    out = io.StringIO()
    call_command("seed_scale_positions", stdout=out)
    assert out.getvalue() == "0 customers placed.\n"  # idempotent

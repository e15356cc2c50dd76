"""Demo customers in Chinese, spread over the demo territories (about 300), each at a real place of its
district of 佛山 (Foshan)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history

from accounts.customers.models import Contact, Customer, OwnerChange
from accounts.customers.services import geocode_query
from crm.models import User
from crm.phones import normalise_phone
from territories.models import Territory, TerritoryAssignment

INSURERS = ["人保财险", "平安产险", "太平洋产险", "国寿财险", "大地保险", ""]
BUSINESS_TYPES = ["汽车维修", "物流运输", "餐饮", "建材", "商贸", "制造业", "社区服务", "驾驶培训"]
TITLES = ["总经理", "老板", "店长", "财务", "行政主管", "车队长"]

# The demo districts of 佛山 (territories.demo) and, for each, a few streets of its seat or main towns with
# a WGS-84 point on them. The points lie within two kilometres of the published coordinates of the
# district's seat (禅城 23.0214 N 113.1283 E; 南海 23.0961 N 113.1428 E; 顺德 (大良) 22.8364 N 113.2525 E,
# 陈村 22.9626 N 113.2339 E; 高明 (荷城) 22.8992 N 112.8923 E; 三水 (西南) 23.1558 N 112.8967 E); a customer
# stands within about 400 m of one of them (DEMO_JITTER), deterministically.
DISTRICT_PLACES: dict[str, tuple[tuple[str, float, float], ...]] = {
    "禅城区": (
        ("祖庙街道祖庙路", 23.0330, 113.1080),
        ("祖庙街道汾江中路", 23.0280, 113.1150),
        ("祖庙街道季华五路", 23.0180, 113.1220),
        ("石湾镇街道公仁路", 23.0060, 113.0990),
    ),
    "南海区": (
        ("桂城街道南海大道北", 23.0400, 113.1620),
        ("桂城街道海八路", 23.0330, 113.1700),
        ("大沥镇广佛路", 23.0980, 113.1420),
        ("大沥镇沥东路", 23.1020, 113.1330),
    ),
    "顺德区": (
        ("大良街道凤山中路", 22.8400, 113.2520),
        ("大良街道德和路", 22.8330, 113.2580),
        ("陈村镇佛陈路", 22.9620, 113.2350),
        ("容桂街道容奇大道", 22.7700, 113.2800),
    ),
    "高明区": (
        ("荷城街道文昌路", 22.8990, 112.8920),
        ("荷城街道沧江路", 22.8930, 112.8810),
        ("荷城街道中山路", 22.9040, 112.8980),
    ),
    "三水区": (
        ("西南街道广海大道", 23.1560, 112.8970),
        ("西南街道张边路", 23.1640, 112.8870),
        ("西南街道健力宝南路", 23.1480, 112.9040),
    ),
    # A subdistrict of 顺德区, used as a district by the demo's queue and a demo phone call.
    "容桂街道": (
        ("容桂街道容奇大道", 22.7700, 113.2800),
        ("容桂街道桂洲大道", 22.7620, 113.2890),
    ),
}
DEMO_JITTER = 0.0035  # degrees, about 390 m north-south
# One demo customer in this many has an address nobody found: no position until its first check-in.
NOT_FOUND_EVERY = 25


def demo_place(rng: random.Random, district: str) -> tuple[str, Decimal, Decimal] | None:
    """An address and a WGS-84 point of ``district`` (one of DISTRICT_PLACES), or None for another district."""
    places = DISTRICT_PLACES.get(district)
    if not places:
        return None
    street, latitude, longitude = rng.choice(places)
    quantum = Decimal("0.000001")
    lat = Decimal(repr(latitude + rng.uniform(-DEMO_JITTER, DEMO_JITTER))).quantize(quantum)
    lon = Decimal(repr(longitude + rng.uniform(-DEMO_JITTER, DEMO_JITTER))).quantize(quantum)
    city = "" if district.endswith("街道") else "佛山市"
    return f"{city}{district}{street}{rng.randint(1, 388)}号", lat, lon


def place_demo_customer(customer: Customer, rng: random.Random, *, found: bool = True) -> None:
    """Give an unsaved demo customer an address of its district and, unless ``found`` is False, the position
    the geocoder would have found for it (kept as the answer for that address, so it is not looked up)."""
    place = demo_place(rng, customer.district)
    if place is None:
        return
    address, latitude, longitude = place
    customer.address = address
    customer.geocode_provider, customer.geocoded_at = "demo", timezone.now()
    customer.geocoded_address = geocode_query(address=address, district=customer.district)
    if not found:
        customer.geocode_status = Customer.GeocodeStatus.NOT_FOUND
        return
    customer.geocode_status = Customer.GeocodeStatus.FOUND
    customer.latitude, customer.longitude = latitude, longitude
    customer.location_source, customer.location_set_at = Customer.LocationSource.GEOCODED, timezone.now()


@transaction.atomic
def seed_customers(fake: Faker, *, count: int = 300) -> dict[str, int]:
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    admin = User.objects.get(username="admin")
    owners = dict(TerritoryAssignment.objects.current().values_list("territory_id", "salesperson_id"))
    channels = list(Territory.objects.filter(kind=Territory.Kind.CHANNEL).select_related("parent", "channel_type"))
    now = timezone.now()
    places = random.Random(2031)  # noqa: S311 - its own sequence: the rest of the demo stays as it was
    customers, contact_rows = [], []
    for index in range(count):
        territory = rng.choice(channels) if index % 20 else None  # one in twenty waits in the queue
        districts = territory.parent.districts if territory else ["容桂街道"]
        phone = normalise_phone(fake.phone_number())
        customer = Customer(
            unit_name=fake.company(),
            business_type=rng.choice(BUSINESS_TYPES),
            channel_type=territory.channel_type if territory else None,
            source=rng.choice(Customer.Source.values),
            phone=phone,
            address=fake.street_address(),
            district=rng.choice(districts),
            territory=territory,
            owner_id=owners.get(territory.pk) if territory else None,
            current_insurer=rng.choice(INSURERS),
            renewal_month=rng.choice([None, *range(1, 13)]),
            status=rng.choices(Customer.Status.values, weights=[70, 10, 15, 5])[0],
            last_activity_at=now - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 12)),
            created_by=admin,
        )
        place_demo_customer(customer, places, found=index % NOT_FOUND_EVERY != 7)
        customers.append(customer)
        contact_rows.append((fake.name(), rng.choice(TITLES), phone))
    bulk_create_with_history(customers, Customer, batch_size=500, default_user=admin)
    created = list(Customer.objects.order_by("pk"))  # SQLite does not hand back the new ids
    Contact.objects.bulk_create(
        Contact(customer=customer, name=name, title=title, mobile=phone)
        for customer, (name, title, phone) in zip(created, contact_rows, strict=True)
    )
    OwnerChange.objects.bulk_create(
        OwnerChange(
            customer=customer,
            kind=OwnerChange.Kind.REGISTERED,
            to_owner_id=customer.owner_id,
            changed_by=admin,
            changed_at=customer.created_at,
        )
        for customer in created
        if customer.owner_id
    )
    return {"customers": Customer.objects.count(), "contacts": Contact.objects.count()}


@transaction.atomic
def seed_customer_positions(fake: Faker) -> dict[str, int]:
    """Last of the seeders: the customers other seeders made (key accounts, phone inquiries) get a place
    in their district too, as the geocoder would have found it."""
    rng = random.Random(2027)  # noqa: S311 - demo data, not security
    waiting = Customer.objects.filter(latitude__isnull=True, geocode_status=Customer.GeocodeStatus.NONE)
    placed = []
    for customer in waiting.order_by("pk"):
        address = customer.address
        place_demo_customer(customer, rng)
        if customer.latitude is None:
            continue
        if address:  # an address it already had is kept, and is what was looked up
            customer.address = address
            customer.geocoded_address = geocode_query(address=address, district=customer.district)
        placed.append(customer)
    fields = ["address", "latitude", "longitude", "location_source", "location_set_at"]
    fields += ["geocode_status", "geocode_provider", "geocoded_at", "geocoded_address"]
    Customer.objects.bulk_update(placed, fields, batch_size=500)
    return {
        "customers placed": len(placed),
        "customers with a position": Customer.objects.filter(latitude__isnull=False).count(),
        "customers without": Customer.objects.filter(latitude__isnull=True).count(),
    }


# Customers registered the way the Done-when of issue 21 types them: "佛山市南海区鸿运汽车销售有限公司" typed on
# the registration form or at the inquiry desk finds 鸿运汽车(南海) while typing.
DUPLICATE_EXAMPLES = (
    ("鸿运汽车(南海)", "南海区", "佛山市南海区桂城南海大道北10号", "+8675786281234", "汽车销售"),
    ("鑫源汽车维修厂", "禅城区", "禅城区季华五路十号", "+8613802865521", "汽车维修"),
)


@transaction.atomic
def seed_duplicate_examples(fake: Faker) -> dict[str, int]:
    """Two customers to find by typing variants of their names, registered through the service (routed to
    the territory of their district); then the keys of every demo customer, for those the other seeders
    wrote directly."""
    from accounts.customers.services import refresh_match_keys, register_customer

    admin = User.objects.get(username="admin")
    for unit_name, district, address, phone, business_type in DUPLICATE_EXAMPLES:
        register_customer(
            created_by=admin,
            data={
                "unit_name": unit_name,
                "district": district,
                "address": address,
                "phone": phone,
                "business_type": business_type,
            },
            contacts=[{"name": fake.name(), "mobile": phone}],
        )
    return {"duplicate examples": len(DUPLICATE_EXAMPLES), "keys refreshed": refresh_match_keys()}

"""Demo customers in Chinese, spread over the demo territories (about 300)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history

from accounts.customers.models import Contact, Customer, OwnerChange
from crm.models import User
from crm.phones import normalise_phone
from territories.models import Territory, TerritoryAssignment

INSURERS = ["人保财险", "平安产险", "太平洋产险", "国寿财险", "大地保险", ""]
BUSINESS_TYPES = ["汽车维修", "物流运输", "餐饮", "建材", "商贸", "制造业", "社区服务", "驾驶培训"]
TITLES = ["总经理", "老板", "店长", "财务", "行政主管", "车队长"]


@transaction.atomic
def seed_customers(fake: Faker, *, count: int = 300) -> dict[str, int]:
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    admin = User.objects.get(username="admin")
    owners = dict(TerritoryAssignment.objects.current().values_list("territory_id", "salesperson_id"))
    channels = list(Territory.objects.filter(kind=Territory.Kind.CHANNEL).select_related("parent", "channel_type"))
    now = timezone.now()
    customers, contact_rows = [], []
    for index in range(count):
        territory = rng.choice(channels) if index % 20 else None  # one in twenty waits in the queue
        districts = territory.parent.districts if territory else ["容桂街道"]
        phone = normalise_phone(fake.phone_number())
        customers.append(
            Customer(
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
        )
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

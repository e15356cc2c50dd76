"""Demo deals: products, sales1's won customers with paid and overdue instalments, agreed prices,
renewals coming up and a showcase photo, plus a few deals for everyone else. Built with the services."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from faker import Faker
from PIL import Image, ImageDraw

from accounts.customers.models import Customer
from accounts.deals.models import Product
from accounts.deals.services import (
    add_showcase_photo,
    create_deal,
    record_call,
    record_delivery,
    record_payment,
    set_price_agreement,
)
from crm.dates import local_today
from crm.models import User
from territories.models import ProductLine

PRODUCTS = (
    # code, name, product line code
    ("ctp", "交强险", "car"),
    ("motor-commercial", "商业车险", "car"),
    ("motorcycle", "摩托车险", "motorcycle"),
    ("property", "企业财产险", None),
    ("group-accident", "团体意外险", None),
)


def _products() -> dict[str, Product]:
    lines = {line.code: line for line in ProductLine.objects.all()}
    return {
        code: Product.objects.get_or_create(code=code, defaults={"name": name, "line": lines.get(line)})[0]
        for code, name, line in PRODUCTS
    }


def _customers_of(fake: Faker, salesperson: User, count: int) -> list[Customer]:
    """The salesperson's customers from the customers seeder; made here when that seeder did not run."""
    held = list(Customer.objects.filter(owner=salesperson).order_by("pk")[:count])
    for _ in range(count - len(held)):
        held.append(
            Customer.objects.create(
                unit_name=fake.company(),
                business_type=fake.random_element(["汽修", "物流", "餐饮", "建材", "商贸"]),
                district=fake.random_element(["禅城区", "南海区", "顺德区"]),
                address=fake.street_address(),
                owner=salesperson,
                created_by=salesperson,
            )
        )
    return held


def _photo(text: str) -> ContentFile:
    image = Image.new("RGB", (1200, 800), (36, 99, 180))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 420, 1120, 700), fill=(240, 240, 240))
    draw.ellipse((200, 600, 380, 780), fill=(30, 30, 30))
    draw.ellipse((820, 600, 1000, 780), fill=(30, 30, 30))
    draw.text((100, 100), text, fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return ContentFile(output.getvalue(), name="showcase.jpg")


@transaction.atomic
def seed_deals(fake: Faker) -> dict[str, int]:
    today = local_today()
    products = _products()
    sales1 = User.objects.get(username="sales1")
    won, partly, prospect = _customers_of(fake, sales1, 3)

    # A won customer: ordered 50 days ago in two instalments, delivered, fully paid; renewal in 25 days.
    deal = create_deal(
        created_by=sales1,
        customer_id=won.pk,
        product=products["motor-commercial"],
        number="PDAA202600001",
        amount=Decimal("12800.00"),
        issued_on=today - timedelta(days=50),
        instalments=[
            (Decimal("6400.00"), today - timedelta(days=40)),
            (Decimal("6400.00"), today - timedelta(days=10)),
        ],
        renewal_on=today + timedelta(days=25),
        next_need="车队续保，另有两辆新车",
    )
    record_delivery(deal_id=deal.pk, delivered_on=today - timedelta(days=48), recorded_by=sales1)
    record_payment(deal_id=deal.pk, amount="6400", paid_on=today - timedelta(days=41), recorded_by=sales1)
    record_payment(deal_id=deal.pk, amount="6400", paid_on=today - timedelta(days=12), recorded_by=sales1)
    record_call(
        customer_id=won.pk, called_on=today - timedelta(days=5), recorded_by=sales1, note="回访：理赔顺利，满意"
    )
    ctp = create_deal(
        created_by=sales1,
        customer_id=won.pk,
        product=products["ctp"],
        number="PDZA202600001",
        amount=Decimal("950.00"),
        issued_on=today - timedelta(days=20),
        renewal_on=today + timedelta(days=345),
    )
    record_delivery(deal_id=ctp.pk, delivered_on=today - timedelta(days=19), recorded_by=sales1)
    record_payment(deal_id=ctp.pk, amount="950", paid_on=today - timedelta(days=19), recorded_by=sales1)
    add_showcase_photo(
        customer_id=won.pk,
        image=_photo("Fleet"),
        added_by=sales1,
        consent=True,
        consent_by="王经理（车队负责人）",
        consent_on=today - timedelta(days=5),
        caption="车队全部车辆由我们承保",
    )

    # Partly paid, one instalment overdue.
    owed = create_deal(
        created_by=sales1,
        customer_id=partly.pk,
        product=products["property"],
        number="PQAA202600007",
        amount=Decimal("30000.00"),
        issued_on=today - timedelta(days=60),
        instalments=[
            (Decimal("10000.00"), today - timedelta(days=45)),
            (Decimal("10000.00"), today - timedelta(days=15)),
            (Decimal("10000.00"), today + timedelta(days=15)),
        ],
    )
    record_delivery(deal_id=owed.pk, delivered_on=today - timedelta(days=58), recorded_by=sales1)
    record_payment(deal_id=owed.pk, amount="10000", paid_on=today - timedelta(days=44), recorded_by=sales1)

    # A customer with agreed prices and no deal yet: try the deal form here.
    for customer, code, price in ((prospect, "motor-commercial", "4580.00"), (won, "motor-commercial", "12800.00")):
        set_price_agreement(
            customer_id=customer.pk,
            product=products[code],
            price=price,
            valid_from=today - timedelta(days=90),
            created_by=sales1,
            note="年度协议价",
        )
    set_price_agreement(
        customer_id=prospect.pk,
        product=products["group-accident"],
        discount_percent="8",
        valid_from=today - timedelta(days=30),
        created_by=sales1,
    )

    deals = 3
    for index, person in enumerate(
        User.objects.filter(role=User.Role.SALESPERSON).exclude(pk=sales1.pk).order_by("username")
    ):
        for number, customer in enumerate(_customers_of(fake, person, 2), start=1):
            other = create_deal(
                created_by=person,
                customer_id=customer.pk,
                product=products["ctp" if number == 1 else "motor-commercial"],
                number=f"PD{index:02d}{number:02d}2026",
                amount=Decimal(fake.random_int(8, 60) * 100),
                issued_on=today - timedelta(days=fake.random_int(5, 80)),
                renewal_on=today + timedelta(days=fake.random_int(3, 300)),
            )
            if number == 1:
                record_payment(deal_id=other.pk, amount=other.amount, paid_on=today, recorded_by=person)
            deals += 1
    return {"products": len(products), "deals": deals}

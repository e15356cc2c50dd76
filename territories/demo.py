"""Demo market plan: one city company, two county branches, ten channel territories for sales1..sales8."""

from __future__ import annotations

from django.db import transaction
from faker import Faker

from crm.models import User
from territories.models import ChannelType, ProductLine, RoutingRule, Territory, TerritoryAssignment
from territories.services import assign_territory, create_territory

BRANCHES = (
    # code, name, districts, product line, [(channel type code, salesperson)]
    (
        "chancheng",
        "禅城网点",
        ["禅城区", "南海区"],
        "car",
        [
            ("car-clubs", "sales1"),
            ("4s-repair-public", "sales2"),
            ("parking-lots", "sales3"),
            ("smes", "sales4"),
            ("car-dealers", "sales1"),
        ],
    ),
    (
        "shunde",
        "顺德网点",
        ["顺德区", "高明区", "三水区"],
        "motorcycle",
        [
            ("motorcycle-repair", "sales5"),
            ("residential-communities", "sales6"),
            ("motorcycle-dealers", "sales7"),
            ("licensing-halls", "sales8"),
            ("car-owner-telemarketing", "sales5"),
        ],
    ),
)


@transaction.atomic
def seed_territories(fake: Faker) -> dict[str, int]:
    admin = User.objects.get(username="admin")
    company = create_territory(kind=Territory.Kind.COMPANY, name="天安财险佛山中心支公司", code="company")
    city = create_territory(kind=Territory.Kind.CITY, name="佛山市", code="foshan", parent=company)
    for code, name, districts, product_line, channels in BRANCHES:
        branch = create_territory(
            kind=Territory.Kind.BRANCH,
            name=name,
            code=code,
            parent=city,
            product_line=ProductLine.objects.get(code=product_line),
            districts=districts,
        )
        for district in districts:
            RoutingRule.objects.create(district=district, territory=branch, priority=100)
        for channel_code, username in channels:
            channel_type = ChannelType.objects.get(code=channel_code)
            territory = create_territory(
                kind=Territory.Kind.CHANNEL,
                name=f"{name[:2]}{channel_type.name}",
                code=f"{code}-{channel_code}",
                parent=branch,
                channel_type=channel_type,
            )
            assign_territory(
                territory=territory,
                salesperson=User.objects.get(username=username),
                assigned_by=admin,
                reason="年度区域规划",
            )
    return {
        "territories": Territory.objects.count(),
        "routing rules": RoutingRule.objects.count(),
        "owners": TerritoryAssignment.objects.current().count(),
    }

"""Customers with and without a position in 南海区-like places, for the map tests."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.accounts.factories import CustomerFactory


def located(lat: str, lng: str) -> dict:
    return {"latitude": Decimal(lat), "longitude": Decimal(lng)}


@pytest.fixture
def map_customers(people, owned_tree):
    """sales1 holds three located customers (A, C, unrated) and one without a position; sales2 (same team)
    one located; sales3 (manager2's team) one located."""
    sales1 = {"territory": owned_tree["nanshan_clubs"], "owner": people.sales1}
    return SimpleNamespace(
        shunda=CustomerFactory(
            unit_name="顺达汽修厂",
            intent="A",
            address="桂城街道南海大道1号",
            **sales1,
            **located("23.030100", "113.140200"),
        ),
        jiahe=CustomerFactory(unit_name="嘉禾车行", intent="C", **sales1, **located("23.040500", "113.150900")),
        xinghe=CustomerFactory(unit_name="星河停车场", **sales1, **located("23.010000", "113.100000")),
        nowhere=CustomerFactory(unit_name="无坐标公司", **sales1),
        sales2s=CustomerFactory(
            unit_name="南山中小企业甲",
            territory=owned_tree["nanshan_smes"],
            owner=people.sales2,
            **located("23.050000", "113.160000"),
        ),
        sales3s=CustomerFactory(
            unit_name="福田车友会乙",
            territory=owned_tree["futian_clubs"],
            owner=people.sales3,
            **located("23.060000", "113.170000"),
        ),
    )

"""A list whose rows are links (deals, receivables, renewals …) stays inside a 360-px phone.

Found in the tryout: the tap-target rule made every link in ``main`` an inline flex box, so a deal row's
three lines (customer and amount, product and number, status and due) stood side by side and the deal
list was 766 px wide on a 360-px phone (receivables 408, renewals 377).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.utils import timezone

from tests.accounts.deals.factories import DealFactory, InstalmentFactory
from tests.accounts.factories import CustomerFactory

pytestmark = pytest.mark.browser

ROW_LINES = """(row) => [...row.children].map((line) => {
  const box = line.getBoundingClientRect();
  return {top: Math.round(box.top), bottom: Math.round(box.bottom), right: Math.round(box.right)};
})"""


@pytest.fixture
def a_deal_with_an_overdue_instalment(people):
    today = timezone.localdate()
    customer = CustomerFactory(unit_name="佛山市南海区鸿运汽车销售服务有限公司", owner=people.sales1)
    deal = DealFactory(
        customer=customer,
        salesperson=people.sales1,
        amount=Decimal("30000.00"),
        balance=Decimal("20000.00"),
        issued_on=today - timedelta(days=60),
        status="issued",
        renewal_on=today + timedelta(days=20),
        next_need="车队续保，另有两辆新车",
    )
    InstalmentFactory(deal=deal, amount=Decimal("10000.00"), due_on=today - timedelta(days=14))
    return deal


@pytest.mark.parametrize("path", ["/deals/", "/receivables/", "/renewals/"])
def test_a_list_of_link_rows_fits_a_phone_and_its_lines_stack(phone, a_deal_with_an_overdue_instalment, path):
    browser = phone("sales1")
    browser.goto(path)
    page = browser.page

    rows = page.locator("main a.list-group-item")
    assert rows.count() >= 1, path
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    lines = rows.first.evaluate(ROW_LINES)
    assert all(line["right"] <= 360 for line in lines), lines
    assert all(earlier["bottom"] <= later["top"] for earlier, later in pairwise(lines)), lines
    assert rows.first.evaluate("(row) => row.getBoundingClientRect().height") >= 44

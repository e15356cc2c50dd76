"""Issue 19's plan on a 360-px phone: sales1 plans tomorrow's five visits from the customer list; the next
morning My day lists them in route order, each with "navigate" and "log a visit".

The clock is moved with time-machine (the live server runs in this process). The days are taken after the
machine's real date, so that the browser, whose clock is not moved, never sees the session cookie as expired."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.factories import CustomerFactory
from tests.browser.test_daily_journeys import screen
from visits.models import RouteStop


def _next_tuesday() -> date:
    # The browser's clock, which time-machine does not move.
    day = date.today() + timedelta(days=7)
    return day + timedelta(days=(1 - day.weekday()) % 7)


@pytest.mark.browser
def test_sales1_plans_tomorrow_from_the_customer_list_and_my_day_lists_the_route(login_as, people, owned_tree):
    tuesday = _next_tuesday()
    wednesday = tuesday + timedelta(days=1)
    with time_machine.travel(timezone.make_aware(datetime.combine(tuesday, time(17, 30))), tick=True) as clock:
        # Five shops along one street of 南海区, 1 km apart, registered in no particular order.
        street = {
            name: CustomerFactory(
                unit_name=name,
                territory=owned_tree["nanshan_clubs"],
                district="南海区",
                latitude=Decimal("23.030000"),
                longitude=Decimal("113.100000") + Decimal("0.010000") * east,
            )
            for name, east in (("丙汽修", 2), ("甲车行", 0), ("戊物流", 4), ("乙配件", 1), ("丁车队", 3))
        }
        browser = login_as("sales1")
        page = browser.page
        page.set_viewport_size({"width": 360, "height": 740})
        browser.goto("/customers/")

        expect(page.locator("#plan-day")).to_have_value(wednesday.isoformat())  # tomorrow, a working day
        for name in ("丁车队", "甲车行", "戊物流", "乙配件", "丙汽修"):
            row = page.locator(f"#add-to-plan-{street[name].pk}")
            row.get_by_role("button").tap()
            expect(page.locator(f"#add-to-plan-{street[name].pk} button")).to_have_text(f"✓ {wednesday:%m-%d}")
        # The middle of the street: third on the route either way.
        expect(page.locator(f"#add-to-plan-{street['丙汽修'].pk}")).to_contain_text("第 3 站，共 5 站")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screen(browser, "plan-from-customer-list-360")

        assert RouteStop.objects.filter(plan__salesperson=people.sales1, plan__day=wednesday).count() == 5

        # The next morning (a new sign-in: the session of yesterday evening has ended).
        clock.move_to(timezone.make_aware(datetime.combine(wednesday, time(8, 30))))
        browser = login_as("sales1")
        page = browser.page
        page.set_viewport_size({"width": 360, "height": 740})
        browser.goto("/visits/today/")

        stops = page.locator("#today-plan-stops > li")
        expect(stops).to_have_count(5)
        listed = [int(pk) for pk in stops.evaluate_all("items => items.map(item => item.dataset.customer)")]
        west_to_east = [street[name].pk for name in ("甲车行", "乙配件", "丙汽修", "丁车队", "戊物流")]
        assert listed in (west_to_east, west_to_east[::-1])
        first = stops.first
        expect(first.get_by_role("link", name=re.compile("^记录"))).to_have_attribute(
            "href", f"/visits/new/?customer={listed[0]}"
        )
        first.locator("summary").tap()
        expect(first.get_by_role("link", name="高德地图")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screen(browser, "my-day-plan-360")

"""A customer registered at the door without signal, and its first visit (issue #18 item 7), on a
360-px phone in Chromium: both wait on the phone and arrive once when the signal returns; a customer
already registered is offered instead, and the visit goes to it when the salesperson says so."""

import shutil

import pytest

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.visits.test_offline_browser import CHROMIUM, open_visit_form
from tests.visits.test_offline_browser import phone_as as phone_390
from visits.models import OfflineCustomerReceipt, Visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian Chromium"),
]


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """live_server's tests flush the database, which removes what the data migration seeded."""


@pytest.fixture
def browser(chromium):
    return chromium


@pytest.fixture
def shunda(owned_tree):
    return CustomerFactory(
        unit_name="顺达汽修厂", district="南山区", phone="13800138000", territory=owned_tree["nanshan_clubs"]
    )


def phone_as(browser, live_server, user):
    context, page = phone_390(browser, live_server, user)
    page.set_viewport_size({"width": 360, "height": 740})
    return context, page


def register_offline(page, unit_name, mobile, district):
    page.click("#quick-customer summary")
    page.fill("#quick-customer input[name='unit_name']", unit_name)
    page.fill("#quick-customer input[name='contact_name']", "李经理")
    page.fill("#quick-customer input[name='mobile']", mobile)
    page.fill("#quick-customer input[name='district']", district)
    page.click("#quick-customer button")


def log_first_visit(page, unit_name):
    # The new customer comes back selected, as online.
    page.wait_for_selector(f"#customer-results input[name='customer']:checked + label:has-text('{unit_name}')")
    page.click("label[for='material-business_card']")
    page.click("button.js-submit-once")
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 1")


def test_a_customer_registered_offline_and_its_first_visit_arrive_once(browser, live_server, people, shunda):
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)

    context.set_offline(True)
    register_offline(page, "佛山某某公司", "13712345678", "南山区")
    log_first_visit(page, "佛山某某公司")
    assert "佛山某某公司" in page.text_content(".js-sync-pending")
    assert Customer.objects.filter(unit_name="佛山某某公司").count() == 0

    context.set_offline(False)
    page.wait_for_function("document.querySelectorAll('.js-pending-item').length === 0", timeout=15000)
    assert page.inner_text(".js-sync-count").startswith("0 ")
    assert "1" in page.inner_text(".js-sync-message")
    created = Customer.objects.get(unit_name="佛山某某公司")
    assert (created.owner, str(created.phone.national_number)) == (people.sales1, "13712345678")
    assert list(Visit.objects.values_list("customer_id", "salesperson_id")) == [(created.pk, people.sales1.pk)]

    # A reload syncs again: nothing is left to send, nothing is stored twice.
    page.reload()
    page.wait_for_selector(".js-sync-count")
    page.wait_for_timeout(1000)
    assert page.locator(".js-pending-item, .js-problem-item, .js-new-customer-problem").count() == 0
    assert Customer.objects.filter(unit_name="佛山某某公司").count() == 1
    assert OfflineCustomerReceipt.objects.count() == 1
    assert Visit.objects.count() == 1
    context.close()


def test_a_duplicate_found_at_sync_is_offered_and_the_visit_goes_to_it(browser, live_server, people, shunda):
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)

    context.set_offline(True)
    register_offline(page, "顺达修理厂", "138 0013 8000", "南山区")
    log_first_visit(page, "顺达修理厂")
    context.set_offline(False)

    problem = page.wait_for_selector(".js-new-customer-problem[data-status='duplicate']", timeout=15000)
    assert "顺达汽修厂 已登记（南山区）。把拜访记在它名下？" in problem.inner_text()
    assert Visit.objects.count() == 0
    # Still on the phone after a reload: the decision is the salesperson's.
    page.reload()
    page.wait_for_selector(".js-new-customer-problem[data-status='duplicate']")
    page.click(".js-new-customer-problem .js-use-existing")
    page.wait_for_function(
        "document.querySelectorAll('.js-pending-item, .js-new-customer-problem').length === 0", timeout=15000
    )

    assert list(Visit.objects.values_list("customer_id", flat=True)) == [shunda.pk]
    assert Customer.objects.count() == 1
    context.close()


def test_a_customer_held_by_a_colleague_keeps_the_visit_on_the_phone_until_discarded(
    browser, live_server, people, owned_tree
):
    CustomerFactory(
        unit_name="福田车友会", district="福田区", phone="13900139000", territory=owned_tree["futian_clubs"]
    )
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)

    context.set_offline(True)
    register_offline(page, "福田车友会", "13900139000", "福田区")
    log_first_visit(page, "福田车友会")
    context.set_offline(False)

    problem = page.wait_for_selector(".js-new-customer-problem[data-status='taken']", timeout=15000)
    assert "该客户已由同事登记，请联系您的经理。" in problem.inner_text()
    assert "1 条拜访在等这个客户。" in problem.inner_text()
    assert page.locator(".js-new-customer-problem .js-use-existing").count() == 0
    assert (Customer.objects.count(), Visit.objects.count()) == (1, 0)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click(".js-new-customer-problem .js-discard-customer")
    page.wait_for_function(
        "document.querySelectorAll('.js-pending-item, .js-new-customer-problem').length === 0", timeout=15000
    )
    page.reload()
    page.wait_for_timeout(1000)
    assert page.locator(".js-pending-item, .js-new-customer-problem").count() == 0
    assert (Customer.objects.count(), Visit.objects.count()) == (1, 0)
    context.close()


def test_a_customer_routed_to_a_colleague_is_registered_and_the_visit_says_why(
    browser, live_server, people, owned_tree
):
    context, page = phone_as(browser, live_server, people.sales1)
    open_visit_form(page, live_server)

    context.set_offline(True)
    register_offline(page, "福田新企业", "13611112222", "福田区")
    log_first_visit(page, "福田新企业")
    context.set_offline(False)

    problem = page.wait_for_selector(".js-problem-item[data-reason='routed_elsewhere']", timeout=15000)
    created = Customer.objects.get(unit_name="福田新企业")
    assert created.owner == people.sales3
    assert str(people.sales3) in problem.inner_text()
    assert Visit.objects.count() == 0
    context.close()

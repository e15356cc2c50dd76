"""A deal below the customer's agreed price waits for the manager, at every door (issue #23 item 1: "the quote
or deal waits for the manager, and shows that it waits"). Found in review: only the quote's conversion
checked; a deal entered on the deal page or the API at any discount was recorded at once.

Services answer in English here, pages in Chinese.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.deals.models import Deal
from accounts.deals.services import PriceNeedsApproval, create_deal, set_price_agreement
from accounts.service_tools.services import convert_quote_to_deal, create_quote
from crm.approvals.services import decide_approval
from crm.dates import local_today
from crm.errors import ApplicationError
from crm.models import Approval, Notification
from tests.accounts.factories import CustomerFactory, ProductFactory
from tests.accounts.service_tools.fixtures import TABLES_FROM, car  # noqa: F401

D = Decimal
TODAY = local_today()


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


@pytest.fixture
def product(db):
    return ProductFactory(name="商业车险", code="motor")


@pytest.fixture
def agreed(customer, product, people):
    """The customer's agreed price for the product: ¥1000.00."""
    return set_price_agreement(
        customer_id=customer.pk,
        product=product,
        price="1000",
        valid_from=TODAY - timedelta(days=30),
        created_by=people.manager1,
    )


def _deal(customer, product, people, amount, **extra):
    return create_deal(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=product,
        number=extra.pop("number", "PD9"),
        amount=amount,
        issued_on=TODAY,
        **extra,
    )


# --- the service: every door goes through it ----------------------------------------------------------------


def test_below_the_agreed_price_is_refused_even_when_confirmed(customer, product, people, agreed, english):
    with pytest.raises(PriceNeedsApproval) as refused:
        _deal(customer, product, people, "900.00", confirm_price=True)

    assert str(refused.value) == (
        f"¥900.00 is below this customer's agreed price of ¥1000.00: a deal at this price waits for the approval "
        f"of {people.manager1}. Send it for approval, or enter the agreed price."
    )
    assert refused.value.extra == {"agreed_price": "1000.00"}
    assert (Deal.objects.count(), Approval.objects.count()) == (0, 0)


def test_at_or_above_the_agreed_price_needs_no_approval(customer, product, people, agreed):
    assert _deal(customer, product, people, "1000.00").amount == D("1000.00")
    assert _deal(customer, product, people, "1200.00", number="PD10", confirm_price=True).amount == D("1200.00")
    assert Approval.objects.count() == 0


def test_without_an_agreed_price_any_amount_is_recorded(customer, product, people):
    assert _deal(customer, product, people, "1.00").amount == D("1.00")


# --- the deal page -----------------------------------------------------------------------------------------


def _form(product, amount, **extra):
    return {"product": product.pk, "number": "PD9", "amount": amount, "issued_on": TODAY.isoformat(), **extra}


def test_the_deal_page_sends_a_low_price_to_manager1_and_shows_it_waits(client, customer, product, people, agreed):
    client.force_login(people.sales1)
    url = reverse("deals:deal_create") + f"?customer={customer.pk}"

    refused = client.post(url, _form(product, "900", confirm_price="on"))

    assert refused.status_code == 200
    assert (
        f"¥900.00 低于此客户的约定价 ¥1000.00：此价格的成交须等待 {people.manager1} 审批。请提交审批，或填写约定价。"
        in refused.content.decode()
    )
    assert (Deal.objects.count(), Approval.objects.count()) == (0, 0)

    asked = client.post(url, _form(product, "900", ask_approval="on"))

    approval = Approval.objects.get()
    assert asked["Location"] == reverse("approvals:detail", args=[approval.pk])
    assert (approval.kind, approval.state, approval.requester, approval.approver) == (
        "deal_price",
        "pending",
        people.sales1,
        people.manager1,
    )
    assert approval.summary == "南山车行 · 商业车险 PD9 · ¥900.00（约定价 ¥1000.00）"
    assert Deal.objects.count() == 0
    assert Notification.objects.get(kind="approval_waiting").recipient == people.manager1
    page = client.get(url).content.decode()
    assert f"等待 {people.manager1} 审批：商业车险 PD9 · ¥900.00" in page

    decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    deal = Deal.objects.get()
    assert (deal.number, deal.amount, deal.created_by) == ("PD9", D("900.00"), people.sales1)
    assert deal.customer_id == customer.pk
    assert deal.ledger_entries.get().amount == D("900.00")
    assert f"等待 {people.manager1} 审批" not in client.get(url).content.decode()


def test_a_rejected_low_price_never_becomes_a_deal(client, customer, product, people, agreed):
    client.force_login(people.sales1)
    url = reverse("deals:deal_create") + f"?customer={customer.pk}"
    client.post(url, _form(product, "900", ask_approval="on"))

    decide_approval(approval_id=Approval.objects.get().pk, user=people.manager1, approve=False, comment="太低")

    assert Deal.objects.count() == 0
    assert Notification.objects.get(kind="approval_decided").recipient == people.sales1


def test_a_number_taken_meanwhile_refuses_the_approval_and_nothing_changes(customer, product, people, agreed, english):
    from accounts.deals.services import request_deal_price_approval

    approval = request_deal_price_approval(
        created_by=people.sales1, customer_id=customer.pk, product=product, number="PD9", amount="900", issued_on=TODAY
    )
    _deal(customer, product, people, "1000")  # PD9 recorded meanwhile at the agreed price

    with pytest.raises(ApplicationError) as refused:
        decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    assert str(refused.value) == "A deal with this number already exists for this product."
    approval.refresh_from_db()
    assert (approval.state, Deal.objects.count()) == ("pending", 1)


# --- the API -----------------------------------------------------------------------------------------------


def test_the_api_refuses_a_low_price_and_asks_for_approval_when_told(customer, product, people, agreed):
    api = APIClient()
    api.force_authenticate(people.sales1)
    body = {"customer": customer.pk, "product": product.pk, "number": "PD9", "amount": "900.00"}
    body["issued_on"] = str(TODAY)

    refused = api.post("/api/deals/", {**body, "confirm_price": True}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 400
    assert refused.json() == {
        "detail": f"¥900.00 is below this customer's agreed price of ¥1000.00: a deal at this price waits for the "
        f"approval of {people.manager1}. Send it for approval, or enter the agreed price.",
        "agreed_price": "1000.00",
    }

    asked = api.post("/api/deals/", {**body, "ask_approval": True}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    approval = Approval.objects.get()
    assert asked.status_code == 202
    assert asked.json() == {
        "detail": f"Deal PD9 at ¥900.00 waits for the approval of {people.manager1}.",
        "approval": approval.pk,
        "state": "pending",
    }
    assert Deal.objects.count() == 0
    decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)
    assert Deal.objects.get().amount == D("900.00")


# --- the quote: still turned into a deal once approved ------------------------------------------------------


def test_a_quote_below_an_agreed_price_becomes_a_deal_once_approved(car, customer, people):  # noqa: F811
    set_price_agreement(
        customer_id=customer.pk, product=car, price="5000", valid_from=TABLES_FROM, created_by=people.admin
    )
    quote = create_quote(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=car,
        coverages=["damage", "third_party", "passengers", "theft"],
        inputs={"seats": "5", "vehicle_value": "158000", "sums": {"third_party": "1000000"}},
        special_discount=D("100"),
    )
    assert (quote.total, quote.approval.state) == (D("4900.00"), "pending")

    decide_approval(approval_id=quote.approval_id, user=people.manager1, approve=True)
    deal = convert_quote_to_deal(quote_id=quote.pk, created_by=people.sales1, number="PDAA2026400", issued_on=TODAY)

    assert (deal.amount, Approval.objects.count()) == (D("4900.00"), 1)


# --- the phone inquiry's deal form (the deal that came of a call) ---------------------------------------------


def test_the_inquirys_deal_form_sends_a_low_price_for_approval_and_the_approved_deal_converts_the_inquiry(
    client, customer, product, people, agreed
):
    from campaigns.models import PhoneInquiry
    from tests.campaigns.factories import PhoneInquiryFactory

    inquiry = PhoneInquiryFactory(
        customer=customer,
        salesperson=people.sales1,
        territory=customer.territory,
        status=PhoneInquiry.Status.VISITED,
        received_at=timezone.now() - timedelta(days=2),
    )
    client.force_login(people.sales1)
    url = reverse("campaigns:inquiry_record_deal", args=[inquiry.pk])

    refused = client.post(url, _form(product, "900", confirm_price="on"))

    assert refused.status_code == 200
    page = refused.content.decode()
    assert f"此价格的成交须等待 {people.manager1} 审批。请提交审批，或填写约定价。" in page
    assert 'name="ask_approval"' in page  # the box to send it is on the inquiry's page now
    assert (Deal.objects.count(), Approval.objects.count()) == (0, 0)

    asked = client.post(url, _form(product, "900", ask_approval="on"))

    approval = Approval.objects.get()
    assert asked["Location"] == reverse("approvals:detail", args=[approval.pk])
    assert (approval.kind, approval.requester, approval.approver) == ("deal_price", people.sales1, people.manager1)
    assert Deal.objects.count() == 0
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.deal_id) == (PhoneInquiry.Status.VISITED, None)

    decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    deal = Deal.objects.get()
    inquiry.refresh_from_db()
    assert (deal.amount, deal.source, deal.salesperson) == (D("900.00"), Deal.Source.INQUIRY, people.sales1)
    assert (inquiry.status, inquiry.deal_id) == (PhoneInquiry.Status.CONVERTED, deal.pk)


def test_a_dropped_inquiry_sends_nothing_for_approval(client, customer, product, people, agreed):
    from campaigns.models import PhoneInquiry
    from tests.campaigns.factories import PhoneInquiryFactory

    inquiry = PhoneInquiryFactory(
        customer=customer, salesperson=people.sales1, territory=customer.territory, status=PhoneInquiry.Status.DROPPED
    )
    client.force_login(people.sales1)

    client.post(reverse("campaigns:inquiry_record_deal", args=[inquiry.pk]), _form(product, "900", ask_approval="on"))

    assert (Deal.objects.count(), Approval.objects.count()) == (0, 0)

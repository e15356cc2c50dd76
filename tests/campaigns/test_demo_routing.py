"""The issue's end to end: on the demo data, an info-staff member registers a call from an unknown
company in 南海区 and, without anyone else acting, the territory's salesperson sees the customer on
their list, its page and today's route."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.customers.models import Customer
from campaigns.models import PhoneInquiry
from crm.models import User
from territories.selectors import current_owner

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_a_call_from_nanhai_reaches_the_territorys_salesperson_on_the_demo_data(client, demo):
    info = User.objects.get(username="info1")
    client.force_login(info)

    response = client.post(
        reverse("campaigns:inquiry_desk"),
        {
            "phone": "13912345678",
            "caller_name": "黄经理",
            "unit_name": "南海新达运输有限公司",
            "district": "南海区",
            "address": "佛山市南海区桂城街道南海大道1号",
            "business_type": "运输公司",
            "topic": "车队20台车的交强险和商业险",
        },
        follow=True,
        **EN,
    )

    inquiry = PhoneInquiry.objects.get(phone="+8613912345678")
    customer = inquiry.customer
    sales4 = User.objects.get(username="sales4")  # 禅城网点 (禅城区, 南海区): SMEs
    assert (customer.territory.code, customer.owner, inquiry.salesperson, inquiry.status) == (
        "chancheng-smes",
        sales4,
        sales4,
        PhoneInquiry.Status.ASSIGNED,
    )
    assert [str(m) for m in response.context["messages"]] == [f"Inquiry saved and sent to {sales4} (禅城中小企业)."]

    client.force_login(sales4)
    listed = client.get(reverse("accounts:customer_list"), {"q": "南海新达"})
    page = client.get(customer.get_absolute_url())
    route = client.get(reverse("visits:route"))

    assert customer.pk in [c.pk for c in listed.context["page"].object_list]
    assert page.status_code == 200
    assert [(c.customer.pk, c.reason) for c in route.context["candidates"] if c.customer.pk == customer.pk] == [
        (customer.pk, "inquiry")
    ]


def test_the_demo_data_is_never_half_owned(demo):
    for customer in Customer.objects.filter(pooled_at__isnull=True).select_related("territory", "owner"):
        expected = current_owner(territory=customer.territory) if customer.territory else None
        assert (customer.unit_name, customer.owner) == (customer.unit_name, expected)
    calls_in = PhoneInquiry.objects.filter(channel=PhoneInquiry.Channel.PHONE)
    routed = calls_in.filter(salesperson__isnull=False).count()
    assert (routed, calls_in.filter(salesperson__isnull=True, status="new").count()) == (3, 1)
    # The demo's telemarketing: one callee was interested, and went to the holder of their customer.
    interested = PhoneInquiry.objects.get(channel=PhoneInquiry.Channel.TELEMARKETING)
    assert interested.salesperson == interested.customer.owner is not None


def test_the_demo_segment_becomes_a_call_list_for_two_callers_with_a_few_calls_made(demo):
    from campaigns.models import CallAttempt, CallEntry, CallList, OptOut, Segment

    segment = Segment.objects.get(name="私家车主 下月续保")
    call_list = CallList.objects.get(segment=segment)
    callers = sorted(call_list.caller_rows.values_list("caller__username", flat=True))
    assert callers == ["sales4", "sales5"]
    assert call_list.build_summary["added"] == CallEntry.objects.filter(call_list=call_list).count() == 8
    assert sorted(CallAttempt.objects.values_list("caller__username", "outcome")) == [
        ("sales4", "interested"),
        ("sales4", "not_interested"),
        ("sales5", "callback"),
        ("sales5", "do_not_call"),
        ("sales5", "no_answer"),
    ]
    assert OptOut.objects.filter(channel=OptOut.Channel.PHONE).count() == 1


def test_one_call_followed_to_the_ledger_and_attainment_keeps_owner_amount_and_date(client, demo):
    """The hand-overs of one piece of work, each through the page its user uses: the desk's call, the
    salesperson's route, the visit form, the customer's deal form, the payment form; then the ledger and
    the month's attainment. The deal recorded on the customer's page converts the call's inquiry."""
    from decimal import Decimal
    from uuid import uuid4

    from django.utils import timezone

    from accounts.deals.models import Deal, Product
    from performance.selectors import attained_by_salesperson

    sales4 = User.objects.get(username="sales4")
    today = timezone.localdate()
    month = today.replace(day=1)
    issued_before = attained_by_salesperson(month=month, basis="issued").get(sales4.pk, Decimal("0"))
    collected_before = attained_by_salesperson(month=month, basis="collected").get(sales4.pk, Decimal("0"))
    client.force_login(User.objects.get(username="info1"))
    client.post(
        reverse("campaigns:inquiry_desk"),
        {
            "phone": "13912345678",
            "caller_name": "黄经理",
            "unit_name": "南海新达运输有限公司",
            "district": "南海区",
            "business_type": "运输公司",
            "topic": "车队20台车的交强险和商业险",
        },
    )
    inquiry = PhoneInquiry.objects.get(phone="+8613912345678")
    customer = inquiry.customer

    client.force_login(sales4)
    visited = client.post(
        reverse("visits:visit_create"), {"customer": customer.pk, "kind": "first", "client_id": str(uuid4())}
    )
    product = Product.objects.filter(is_active=True).order_by("pk").first()
    deal_page = client.post(
        f"{reverse('deals:deal_create')}?customer={customer.pk}",
        {
            "customer": customer.pk,
            "product": product.pk,
            "number": "PA-2026-001",
            "amount": "12000.00",
            "issued_on": today.isoformat(),
        },
    )
    deal = Deal.objects.get(number="PA-2026-001")
    paid = client.post(
        reverse("deals:deal_entry_create", args=[deal.pk, "payment"]),
        {"amount": "5000.00", "entry_on": today.isoformat(), "idempotency_key": "pay-1"},
    )
    ledger = client.get(reverse("deals:customer_ledger", args=[customer.pk]), **EN)

    inquiry.refresh_from_db()
    deal.refresh_from_db()
    customer.refresh_from_db()
    assert (visited.status_code, deal_page.status_code, paid.status_code) == (302, 302, 302)
    assert (customer.owner, deal.salesperson, deal.amount, deal.issued_on) == (
        sales4,
        sales4,
        Decimal("12000.00"),
        today,
    )
    assert (inquiry.status, inquiry.deal_id, deal.source) == (
        PhoneInquiry.Status.CONVERTED,
        deal.pk,
        Deal.Source.INQUIRY,
    )
    assert deal.balance == Decimal("7000.00")
    assert ledger.status_code == 200 and "7,000.00" in ledger.content.decode()
    assert attained_by_salesperson(month=month, basis="issued")[sales4.pk] - issued_before == Decimal("12000.00")
    assert attained_by_salesperson(month=month, basis="collected")[sales4.pk] - collected_before == Decimal("5000.00")

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
    routed = PhoneInquiry.objects.filter(salesperson__isnull=False).count()
    assert (routed, PhoneInquiry.objects.filter(salesperson__isnull=True, status="new").count()) == (3, 1)

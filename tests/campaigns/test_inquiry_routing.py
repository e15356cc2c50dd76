"""Seed 三3–4: every call reaches the salesperson of its territory, or the queue, with its customer."""

import pytest
from django.urls import reverse

from accounts.customers.models import Customer
from accounts.customers.services import TerritoryWithoutOwner, assign_customer_to_territory
from campaigns.models import PhoneInquiry
from campaigns.services import assign_phone_inquiry, register_phone_inquiry
from crm.models import Notification
from tests.territories.factories import channel_type

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def call(people, **data):
    return register_phone_inquiry(
        entered_by=people.info1,
        data={"phone": "13800005555", "caller_name": "陈先生", "unit_name": "某公司", "topic": "车险", **data},
    )


def test_the_desk_asks_the_business_and_routes_to_its_salesperson(client, people, owned_tree):
    client.force_login(people.info1)

    page = client.get(reverse("campaigns:inquiry_desk"))
    response = client.post(
        reverse("campaigns:inquiry_desk"),
        {
            "phone": "13800005555",
            "caller_name": "陈先生",
            "unit_name": "南山运输有限公司",
            "district": "南山区",
            "business_type": "运输公司",
            "channel_type": "",
            "topic": "车队的车险",
        },
        follow=True,
        **EN,
    )

    assert list(page.context["form"].fields)[:7] == [
        "phone",
        "caller_name",
        "unit_name",
        "district",
        "address",
        "business_type",
        "channel_type",
    ]
    inquiry = PhoneInquiry.objects.get()
    customer = inquiry.customer
    assert (inquiry.territory, inquiry.salesperson, inquiry.status) == (
        owned_tree["nanshan_smes"],
        people.sales2,
        PhoneInquiry.Status.ASSIGNED,
    )
    assert (customer.territory, customer.owner, customer.channel_type, customer.business_type) == (
        owned_tree["nanshan_smes"],
        people.sales2,
        channel_type("smes"),
        "运输公司",
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"Inquiry saved and sent to {customer.owner} (南山中小企业)."
    ]
    # The salesperson sees it on their list and its page.
    client.force_login(people.sales2)
    assert [c.pk for c in client.get(reverse("accounts:customer_list")).context["page"].object_list] == [customer.pk]
    assert client.get(customer.get_absolute_url()).status_code == 200


def test_an_explicit_channel_type_from_the_desk_is_used(people, owned_tree):
    inquiry = call(people, district="南山区", channel_type=channel_type("car-clubs"))

    assert (inquiry.salesperson, inquiry.customer.owner) == (people.sales1, people.sales1)


def test_a_call_that_routes_to_no_owner_puts_inquiry_and_customer_in_the_queues(people, owned_tree):
    inquiry = call(people, district="福田区", business_type="中小企业")  # 福田中小企业 has no owner

    customer = inquiry.customer
    assert (inquiry.territory, inquiry.salesperson, inquiry.status) == (None, None, PhoneInquiry.Status.NEW)
    assert (customer.territory, customer.owner) == (None, None)
    assert set(Notification.objects.values_list("recipient__username", "kind")) == {
        ("manager1", "phone_inquiry_unrouted"),
        ("manager2", "phone_inquiry_unrouted"),
    }


def test_assigning_the_customer_from_the_queue_moves_its_open_inquiry(people, owned_tree):
    inquiry = call(people, district="宝安区")

    assign_customer_to_territory(
        customer_id=inquiry.customer_id, territory=owned_tree["nanshan_smes"], assigned_by=people.manager1
    )

    inquiry.refresh_from_db()
    customer = Customer.objects.get(pk=inquiry.customer_id)
    assert (customer.territory, customer.owner) == (owned_tree["nanshan_smes"], people.sales2)
    assert (inquiry.territory, inquiry.salesperson, inquiry.status) == (
        owned_tree["nanshan_smes"],
        people.sales2,
        PhoneInquiry.Status.ASSIGNED,
    )
    assert inquiry.assigned_at is not None
    assert list(Notification.objects.filter(recipient=people.sales2).values_list("kind", flat=True)) == [
        "phone_inquiry"
    ]


def test_the_queue_refuses_a_territory_nobody_owns(people, owned_tree, english):
    inquiry = call(people, district="宝安区")

    with pytest.raises(TerritoryWithoutOwner):
        assign_customer_to_territory(
            customer_id=inquiry.customer_id, territory=owned_tree["futian_smes"], assigned_by=people.manager1
        )

    assert Customer.objects.get(pk=inquiry.customer_id).owner is None


def test_assigning_the_inquiry_from_the_queue_moves_its_customer(client, people, owned_tree):
    inquiry = call(people, district="南山区")  # two owners in 南山 and no business given: the queue

    assign_phone_inquiry(inquiry=inquiry, salesperson=people.sales1, assigned_by=people.manager1)

    inquiry.refresh_from_db()
    customer = Customer.objects.get(pk=inquiry.customer_id)
    assert (inquiry.salesperson, inquiry.territory, inquiry.status) == (
        people.sales1,
        owned_tree["nanshan_clubs"],
        PhoneInquiry.Status.ASSIGNED,
    )
    assert (customer.territory, customer.owner) == (owned_tree["nanshan_clubs"], people.sales1)
    assert Notification.objects.filter(recipient=people.sales1, kind="phone_inquiry").count() == 1
    client.force_login(people.sales1)
    assert client.get(customer.get_absolute_url()).status_code == 200


def test_managers_and_the_admin_see_the_queue_count_on_their_start_pages(client, people, owned_tree):
    call(people, district="宝安区")
    call(people, district="福田区", business_type="中小企业", phone="13800006666")

    client.force_login(people.manager1)
    dashboard = client.get("/dashboard/", **EN)
    client.force_login(people.admin)
    console = client.get("/territories/", **EN)

    assert dashboard.context["to_be_assigned"] == 2
    assert "2 customers to be assigned" in dashboard.content.decode()
    assert [(text, count) for text, _url, count in console.context["queues"]] == [("2 customers to be assigned", 2)]
    assert reverse("accounts:customer_unassigned") in console.content.decode()


def test_an_inquiry_cannot_be_given_to_someone_who_cannot_open_its_customer(people, owned_tree, english):
    from django.core.exceptions import ValidationError

    inquiry = call(people, district="南山区", business_type="车友会")  # sales1's

    with pytest.raises(ValidationError) as error:
        assign_phone_inquiry(inquiry=inquiry, salesperson=people.sales2, assigned_by=people.manager1)

    assert error.value.message_dict == {
        "salesperson": [f"The caller is a customer of {inquiry.customer.owner}: the inquiry stays with them."]
    }
    inquiry.refresh_from_db()
    assert inquiry.salesperson == people.sales1

"""DESIGN §4 Routing: every door that creates a customer ends with owner == the territory's current owner,
or with both in the "to be assigned" queue. Never half-owned."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.customers.models import Customer
from accounts.customers.services import return_idle_customers_to_pool
from campaigns.models import PhoneInquiry
from campaigns.services import commit_prospect_import, request_import_check, start_prospect_import
from crm.models import User
from territories.selectors import current_owner
from tests.accounts.factories import CustomerFactory
from tests.campaigns.test_imports import csv_upload
from tests.territories.factories import channel_type

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def assert_never_half_owned():
    for customer in Customer.objects.filter(pooled_at__isnull=True).select_related("territory", "owner"):
        expected = current_owner(territory=customer.territory) if customer.territory else None
        assert (customer.unit_name, customer.owner) == (customer.unit_name, expected)


def owner_and_territory(unit_name):
    customer = Customer.objects.get(unit_name=unit_name)
    return customer.owner, customer.territory


@pytest.mark.django_db
def test_every_door_ends_owned_by_the_territorys_salesperson_or_in_the_queue(client, people, owned_tree):
    # 1. The registration form, by a manager: 南山区 + SMEs → 南山中小企业 (sales2).
    client.force_login(people.manager1)
    client.post(
        reverse("accounts:customer_create"),
        {
            "unit_name": "表单企业",
            "district": "南山区",
            "channel_type": channel_type("smes").pk,
            "source": "visit",
            "status": "prospect",
        },
    )
    # ... and by a salesperson for another branch's district: 福田 has one owner (sales3), who gets it.
    client.force_login(people.sales1)
    response = client.post(
        reverse("accounts:customer_create"),
        {"unit_name": "福田表单", "district": "福田区", "source": "visit", "status": "prospect"},
    )
    assert response.status_code == 302
    # 2. The inquiry desk: 南山区, a transport company → SMEs → sales2.
    client.force_login(people.info1)
    client.post(
        reverse("campaigns:inquiry_desk"),
        {
            "phone": "13800001111",
            "caller_name": "王先生",
            "unit_name": "南山运输",
            "district": "南山区",
            "business_type": "运输公司",
            "topic": "车险",
        },
    )
    # 3. A prospect import: one row routed, one to the queue.
    prospect_import = start_prospect_import(
        created_by=people.info1,
        uploaded_file=csv_upload(
            "导入车友会,张三,13800002222,南山区,,车友会\n导入宝安,李四,13800003333,宝安区,,五金\n"
        ),
    )
    request_import_check(prospect_import=prospect_import)
    commit_prospect_import(import_id=prospect_import.pk)
    # 4. The API, by the admin: 福田区 + SMEs → 福田中小企业 has no owner → the queue.
    client.force_login(people.admin)
    api = client.post(
        "/api/customers/",
        {"unit_name": "接口企业", "district": "福田区", "channel_type": channel_type("smes").pk},
        content_type="application/json",
    )
    assert api.status_code == 201
    # 5. Quick registration at the door (the visit form and the offline app's replay): 南山区 → sales1's own.
    client.force_login(people.sales1)
    client.post(reverse("visits:customer_register"), {"unit_name": "上门登记", "district": "南山区"})
    # 6. A pool claim by sales2 of a customer of sales1's territory: it moves to sales2's territory.
    idle = CustomerFactory(
        unit_name="公海客户", territory=owned_tree["nanshan_clubs"], owner=people.sales1, last_activity_at=None
    )
    Customer.objects.filter(pk=idle.pk).update(created_at="2026-01-01T00:00:00+08:00")
    assert return_idle_customers_to_pool(day=date(2026, 6, 1)) == 1
    client.force_login(people.sales2)
    assert client.post(reverse("accounts:customer_claim", args=[idle.pk])).status_code == 302

    assert owner_and_territory("表单企业") == (people.sales2, owned_tree["nanshan_smes"])
    assert owner_and_territory("福田表单") == (people.sales3, owned_tree["futian_clubs"])
    assert owner_and_territory("南山运输") == (people.sales2, owned_tree["nanshan_smes"])
    assert owner_and_territory("导入车友会") == (people.sales1, owned_tree["nanshan_clubs"])
    assert owner_and_territory("导入宝安") == (None, None)
    assert owner_and_territory("接口企业") == (None, None)
    assert owner_and_territory("上门登记") == (people.sales1, owned_tree["nanshan_clubs"])
    assert owner_and_territory("公海客户") == (people.sales2, owned_tree["nanshan_smes"])
    assert Customer.objects.count() == 8
    assert_never_half_owned()
    inquiry = PhoneInquiry.objects.get()
    assert (inquiry.salesperson, inquiry.territory, inquiry.status) == (
        people.sales2,
        owned_tree["nanshan_smes"],
        PhoneInquiry.Status.ASSIGNED,
    )


@pytest.mark.django_db
def test_a_manager_cannot_register_a_customer_into_a_territory_nobody_owns(people, owned_tree, english):
    from django.core.exceptions import ValidationError

    from accounts.customers.services import register_customer

    with pytest.raises(ValidationError) as error:
        register_customer(
            created_by=people.manager1, data={"unit_name": "无主", "territory": owned_tree["futian_smes"]}
        )

    assert error.value.message_dict == {
        "territory": [
            "Nobody owns this territory now. Leave it empty to route the customer, or choose a territory "
            "with a salesperson."
        ]
    }
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_a_given_owner_must_be_the_territorys_owner(people, owned_tree, english):
    from django.core.exceptions import ValidationError

    from accounts.customers.services import register_customer

    with pytest.raises(ValidationError) as error:
        register_customer(
            created_by=people.manager1,
            data={"unit_name": "错配", "territory": owned_tree["nanshan_clubs"], "owner": people.sales2},
        )

    assert error.value.message_dict == {
        "owner": [
            "The owner is the salesperson of the territory: 南山车友会 is held by "
            f"{User.objects.get(pk=people.sales1.pk)}."
        ]
    }
    customer = register_customer(
        created_by=people.manager1, data={"unit_name": "配对", "owner": people.sales2, "district": "南山区"}
    )
    assert (customer.owner, customer.territory) == (people.sales2, owned_tree["nanshan_smes"])


@pytest.mark.django_db
def test_moving_a_customer_by_hand_keeps_holder_and_territory_together(people, owned_tree, english):
    from django.core.exceptions import ValidationError

    from accounts.customers.services import update_customer

    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)

    # A new holder takes the customer into their territory of the branch.
    update_customer(customer_id=customer.pk, changed_by=people.manager1, version=1, data={"owner": people.sales2})
    customer.refresh_from_db()
    assert (customer.territory, customer.owner) == (owned_tree["nanshan_smes"], people.sales2)
    # A new territory brings its owner.
    update_customer(
        customer_id=customer.pk, changed_by=people.admin, version=2, data={"territory": owned_tree["futian_clubs"]}
    )
    customer.refresh_from_db()
    assert (customer.territory, customer.owner) == (owned_tree["futian_clubs"], people.sales3)
    # A territory nobody owns is refused, and nothing changes.
    with pytest.raises(ValidationError) as error:
        update_customer(
            customer_id=customer.pk, changed_by=people.admin, version=3, data={"territory": owned_tree["futian_smes"]}
        )
    assert list(error.value.message_dict) == ["territory"]
    # Clearing the holder puts the customer in the queue.
    update_customer(customer_id=customer.pk, changed_by=people.admin, version=3, data={"owner": None})
    customer.refresh_from_db()
    assert (customer.territory, customer.owner, customer.version) == (None, None, 4)
    assert_never_half_owned()

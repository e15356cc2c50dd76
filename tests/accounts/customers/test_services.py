from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.customers.models import Customer, OwnerChange
from accounts.customers.selectors import duplicates_for, public_pool_for
from accounts.customers.services import (
    AlreadyAssigned,
    NotInPool,
    ProspectCapReached,
    StaleCustomer,
    assign_customer_to_territory,
    claim_from_pool,
    register_customer,
    return_idle_customers_to_pool,
    update_customer,
)
from tests.accounts.factories import ContactFactory, CustomerFactory
from tests.territories.factories import channel_type

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_salesperson_registers_a_routed_customer_they_hold(owned_tree, people):
    customer = register_customer(
        created_by=people.sales1,
        data={"unit_name": "南山汽修厂", "district": "南山区", "channel_type": channel_type("car-clubs")},
        contacts=[{"name": "王经理", "title": "经理", "mobile": "138 0013 8000"}],
    )

    assert customer.territory == owned_tree["nanshan_clubs"]
    assert customer.owner == people.sales1
    assert customer.phone == "+8613800138000"
    assert [(c.name, str(c.mobile)) for c in customer.contacts.all()] == [("王经理", "+8613800138000")]
    assert list(customer.owner_changes.values_list("kind", "to_owner__username")) == [("registered", "sales1")]


def test_a_customer_of_a_colleagues_territory_goes_to_the_colleague_never_half_owned(owned_tree, people):
    # Before: territory 南山中小企业 (sales2's) but held by sales1, who registered it.
    customer = register_customer(
        created_by=people.sales1,
        data={"unit_name": "南山物流", "district": "南山区", "channel_type": channel_type("smes")},
    )

    assert (customer.territory, customer.owner) == (owned_tree["nanshan_smes"], people.sales2)
    assert list(customer.owner_changes.values_list("kind", "to_owner__username")) == [("registered", "sales2")]


def test_info_staff_registration_goes_to_the_territory_owner(owned_tree, people):
    customer = register_customer(
        created_by=people.info1,
        data={"unit_name": "福田车友会", "district": "福田区", "channel_type": channel_type("car-clubs")},
    )

    assert (customer.territory, customer.owner) == (owned_tree["futian_clubs"], people.sales3)


def test_unroutable_customers_wait_in_the_queue(owned_tree, people):
    customer = register_customer(created_by=people.info1, data={"unit_name": "宝安某厂", "district": "宝安区"})

    assert (customer.territory, customer.owner) == (None, None)
    assign_customer_to_territory(
        customer_id=customer.pk, territory=owned_tree["nanshan_clubs"], assigned_by=people.manager1, reason="就近"
    )
    customer.refresh_from_db()
    assert (customer.territory, customer.owner, customer.version) == (owned_tree["nanshan_clubs"], people.sales1, 2)
    assert list(customer.owner_changes.values_list("kind", "to_owner__username", "reason")) == [
        ("assigned", "sales1", "就近")
    ]


def test_assigning_from_the_queue_a_customer_someone_holds_is_refused_in_words_that_say_so(owned_tree, people):
    customer = register_customer(created_by=people.info1, data={"unit_name": "宝安某厂", "district": "宝安区"})
    assign = partial(
        assign_customer_to_territory,
        customer_id=customer.pk,
        territory=owned_tree["nanshan_clubs"],
        assigned_by=people.manager1,
        reason="就近",
    )
    assign()

    with pytest.raises(AlreadyAssigned) as refused:
        assign()

    assert str(refused.value.message) == "该客户已有负责人，不再等待分配。"
    with translation.override("en"):
        assert (
            str(refused.value.message) == "Someone already holds this customer: it is no longer waiting to be assigned."
        )
    assert Customer.objects.get(pk=customer.pk).version == 2


def test_an_invalid_phone_is_refused_and_nothing_is_stored(owned_tree, people):
    with pytest.raises(ValidationError) as error:
        register_customer(
            created_by=people.sales1, data={"unit_name": "坏号码", "district": "南山区", "phone": "12345"}
        )

    assert "phone" in error.value.message_dict
    assert Customer.objects.count() == 0


def test_a_stale_version_is_refused(owned_tree, people):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="旧名")
    update_customer(customer_id=customer.pk, changed_by=people.sales1, version=1, data={"unit_name": "新名一"})

    with pytest.raises(StaleCustomer):
        update_customer(customer_id=customer.pk, changed_by=people.manager1, version=1, data={"unit_name": "新名二"})

    customer.refresh_from_db()
    assert (customer.unit_name, customer.version) == ("新名一", 2)


def test_only_managers_move_a_customer_by_editing(owned_tree, people):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)

    update_customer(customer_id=customer.pk, changed_by=people.sales1, version=1, data={"owner": people.sales2})
    customer.refresh_from_db()
    assert customer.owner == people.sales1

    update_customer(customer_id=customer.pk, changed_by=people.manager1, version=2, data={"owner": people.sales2})
    customer.refresh_from_db()
    assert customer.owner == people.sales2
    assert list(customer.owner_changes.values_list("kind", "from_owner__username", "to_owner__username")) == [
        ("edited", "sales1", "sales2")
    ]
    assert customer.history.count() == 3  # created, edited by sales1, edited by manager1


# --- the public pool ----------------------------------------------------------------------------


@pytest.fixture
def idle_setup(owned_tree, people, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_POOL_DAYS": 30}
    old = datetime(2026, 1, 1, 9, tzinfo=SHANGHAI)
    recent = datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)
    clubs = owned_tree["nanshan_clubs"]
    return {
        "idle": CustomerFactory(territory=clubs, owner=people.sales1, last_activity_at=old),
        "recent": CustomerFactory(territory=clubs, owner=people.sales1, last_activity_at=recent),
        "idle_customer": CustomerFactory(
            territory=clubs, owner=people.sales1, last_activity_at=old, status=Customer.Status.CUSTOMER
        ),
        "idle_unrouted": CustomerFactory(territory=None, owner=people.sales1, last_activity_at=old),
    }


def test_the_pool_job_returns_idle_prospects_once(idle_setup, people):
    day = date(2026, 3, 10)

    first = return_idle_customers_to_pool(day=day)
    state_after_first = list(Customer.objects.order_by("pk").values_list("pk", "owner_id", "pooled_at", "version"))
    second = return_idle_customers_to_pool(day=day)
    third = return_idle_customers_to_pool(day=day + timedelta(days=1))

    assert (first, second, third) == (1, 0, 0)
    assert (
        list(Customer.objects.order_by("pk").values_list("pk", "owner_id", "pooled_at", "version")) == state_after_first
    )
    idle = Customer.objects.get(pk=idle_setup["idle"].pk)
    assert (idle.owner, idle.pooled_from, idle.version) == (None, people.sales1, 2)
    assert idle.pooled_at == datetime(2026, 3, 10, tzinfo=SHANGHAI)


def test_branch_salespeople_see_and_claim_the_pool(idle_setup, people, owned_tree):
    return_idle_customers_to_pool(day=date(2026, 3, 10))
    idle = idle_setup["idle"]

    assert list(public_pool_for(user=people.sales2).values_list("pk", flat=True)) == [idle.pk]  # same branch
    assert list(public_pool_for(user=people.sales3).values_list("pk", flat=True)) == []  # other branch
    with pytest.raises(NotInPool):
        claim_from_pool(customer_id=idle.pk, salesperson=people.sales3)

    claim_from_pool(customer_id=idle.pk, salesperson=people.sales2)

    idle.refresh_from_db()
    assert (idle.owner, idle.pooled_at, idle.pooled_from) == (people.sales2, None, None)
    assert list(
        idle.owner_changes.order_by("changed_at").values_list("kind", "from_owner__username", "to_owner__username")
    ) == [
        ("pooled", "sales1", None),
        ("claimed", None, "sales2"),
    ]
    with pytest.raises(NotInPool):
        claim_from_pool(customer_id=idle.pk, salesperson=people.sales1)


def test_the_prospect_cap_stops_a_claim(idle_setup, people, settings):
    return_idle_customers_to_pool(day=date(2026, 3, 10))
    settings.CRM = {**settings.CRM, "MAX_PROSPECTS_PER_SALESPERSON": 1}
    CustomerFactory(owner=people.sales2, territory=None)

    with pytest.raises(ProspectCapReached):
        claim_from_pool(customer_id=idle_setup["idle"].pk, salesperson=people.sales2)

    assert Customer.objects.get(pk=idle_setup["idle"].pk).owner is None


def test_a_pooled_customer_without_territory_cannot_be_claimed(idle_setup, people):
    # The admin may clear the territory of a pooled customer (it stays pooled, in no branch). A superuser
    # salesperson sees the whole pool: their claim used to fail with AttributeError (a 500) on the
    # missing territory; there is no branch to claim it in.
    return_idle_customers_to_pool(day=date(2026, 3, 10))
    idle = Customer.objects.get(pk=idle_setup["idle"].pk)
    update_customer(customer_id=idle.pk, changed_by=people.admin, version=idle.version, data={"territory": None})
    people.sales2.is_superuser = True
    people.sales2.save()

    with pytest.raises(NotInPool):
        claim_from_pool(customer_id=idle.pk, salesperson=people.sales2)

    idle.refresh_from_db()
    assert (idle.territory, idle.owner, idle.pooled_from) == (None, None, people.sales1)
    assert idle.pooled_at == datetime(2026, 3, 10, tzinfo=SHANGHAI)
    assert list(idle.owner_changes.values_list("kind", flat=True)) == []


# --- duplicates ---------------------------------------------------------------------------------


def test_duplicates_are_found_by_normalised_phone_and_by_name_in_district(owned_tree, people):
    mine = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, phone="+8613800138000")
    theirs = CustomerFactory(
        territory=owned_tree["futian_clubs"], owner=people.sales3, unit_name="福田贸易", district="福田区"
    )
    by_contact = ContactFactory(
        customer=CustomerFactory(territory=owned_tree["futian_clubs"], owner=people.sales3), mobile="+8613911112222"
    )

    by_phone = duplicates_for(user=people.sales1, phone="138-0013-8000")
    by_name = duplicates_for(user=people.sales1, unit_name="福田贸易", district="福田区")
    other_district = duplicates_for(user=people.sales1, unit_name="福田贸易", district="南山区")
    by_contact_phone = duplicates_for(user=people.sales1, phone="13911112222")

    assert [(m.reason, m.customer) for m in by_phone] == [("phone", mine)]
    # Outside sales1's scope: it exists, but no details are handed over.
    assert [(m.reason, m.customer) for m in by_name] == [("name", None)]
    assert other_district == []
    assert [m.customer for m in by_contact_phone] == [None]
    assert [m.customer for m in duplicates_for(user=people.sales3, phone="13911112222")] == [by_contact.customer]
    assert [m.customer for m in duplicates_for(user=people.admin, unit_name="福田贸易", district="福田区")] == [theirs]


def test_a_customer_is_not_its_own_duplicate(owned_tree, people):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, phone="+8613800138000")

    assert duplicates_for(user=people.sales1, phone="13800138000", exclude_pk=customer.pk) == []


def test_owner_changes_are_ordered_newest_first(owned_tree, people):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    OwnerChange.objects.create(customer=customer, kind="edited", changed_at=timezone.now() - timedelta(days=1))
    OwnerChange.objects.create(customer=customer, kind="reassigned", changed_at=timezone.now())

    assert list(customer.owner_changes.values_list("kind", flat=True)) == ["reassigned", "edited"]

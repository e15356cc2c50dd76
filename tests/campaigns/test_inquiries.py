from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.customers.models import Customer
from campaigns.models import PhoneInquiry
from campaigns.selectors import campaign_results, deal_totals_by_salesperson, inquiry_deals
from campaigns.services import (
    drop_phone_inquiry,
    flag_overdue_inquiries,
    mark_inquiry_converted,
    mark_inquiry_visited,
    register_phone_inquiry,
    salesperson_to_credit,
)
from crm.models import Notification
from territories.services import assign_territory, end_territory_assignment
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import CampaignFactory, PhoneInquiryFactory

CALL = {
    "unit_name": "深圳湾物流有限公司",
    "caller_name": "李经理",
    "phone": "138 0013 8000",
    "district": "南山区",
    "topic": "货车车队保险报价",
}


@pytest.mark.django_db
def test_an_inquiry_entered_by_info_staff_lands_with_the_territorys_salesperson(people, routed):
    campaign = CampaignFactory(created_by=people.info1)

    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL, campaign=campaign)

    assert inquiry.status == PhoneInquiry.Status.ASSIGNED
    assert inquiry.territory == routed["nanshan_clubs"]
    assert inquiry.salesperson == people.sales1
    assert str(inquiry.phone) == "+8613800138000"
    customer = inquiry.customer
    assert (customer.unit_name, customer.source, customer.owner, customer.territory) == (
        "深圳湾物流有限公司",
        Customer.Source.PHONE_INQUIRY,
        people.sales1,
        routed["nanshan_clubs"],
    )
    assert [contact.name for contact in customer.contacts.all()] == ["李经理"]
    note = Notification.objects.get(recipient=people.sales1)
    assert note.kind == "phone_inquiry"
    assert note.link == f"/inquiries/{inquiry.pk}/"
    # The phone as people here read it (stored and dialled as +8613800138000).
    assert str(note.text) == f"新的来电咨询：深圳湾物流有限公司（138 0013 8000）咨询{CALL['topic']}"


@pytest.mark.django_db
def test_a_known_caller_goes_to_the_customers_territory_not_the_district_given(people, routed):
    existing = CustomerFactory(phone="+8613800138000", territory=routed["futian_clubs"], owner=people.sales3)

    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL)

    assert inquiry.customer == existing
    assert inquiry.salesperson == people.sales3
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_an_unroutable_inquiry_waits_for_the_managers(people, routed):
    inquiry = register_phone_inquiry(entered_by=people.info1, data={**CALL, "district": "宝安区"})

    assert inquiry.status == PhoneInquiry.Status.NEW
    assert inquiry.salesperson is None
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["manager1", "manager2"]
    assert inquiry.customer.territory is None  # the customers' "to be assigned" queue


@pytest.mark.django_db
def test_a_bad_phone_is_refused_and_nothing_is_saved(people, routed, english):
    with pytest.raises(ValidationError) as error:
        register_phone_inquiry(entered_by=people.info1, data={**CALL, "phone": "12345"})
    assert error.value.message_dict == {"phone": ["Enter a valid phone number."]}
    assert PhoneInquiry.objects.count() == 0
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_visited_then_converted_and_each_step_is_idempotent(people, routed):
    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL)

    mark_inquiry_visited(inquiry=inquiry, visit_id=42)
    first = PhoneInquiry.objects.get(pk=inquiry.pk)
    mark_inquiry_visited(inquiry=inquiry, visit_id=43)
    again = PhoneInquiry.objects.get(pk=inquiry.pk)
    assert (again.status, again.visit_id, again.visited_at) == ("visited", 42, first.visited_at)

    mark_inquiry_converted(inquiry=inquiry)
    mark_inquiry_converted(inquiry=inquiry)
    assert PhoneInquiry.objects.get(pk=inquiry.pk).status == "converted"


@pytest.mark.django_db
def test_dropping_needs_a_reason(people, routed):
    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL)
    with pytest.raises(ValidationError):
        drop_phone_inquiry(inquiry=inquiry, dropped_by=people.sales1, reason=" ")
    drop_phone_inquiry(inquiry=inquiry, dropped_by=people.sales1, reason="已在别家投保")
    assert PhoneInquiry.objects.get(pk=inquiry.pk).drop_reason == "已在别家投保"


@pytest.mark.django_db
def test_overdue_inquiries_are_flagged_to_the_manager_once(people, routed, settings):
    settings.CRM = {**settings.CRM, "INQUIRY_VISIT_DAYS": 3}
    today = timezone.localdate()
    old = PhoneInquiryFactory(
        entered_by=people.info1,
        salesperson=people.sales1,
        status="assigned",
        assigned_at=timezone.now() - timedelta(days=3),
    )
    PhoneInquiryFactory(
        entered_by=people.info1,
        salesperson=people.sales3,
        status="assigned",
        assigned_at=timezone.now() - timedelta(days=1),
    )
    PhoneInquiryFactory(
        entered_by=people.info1,
        salesperson=people.sales2,
        status="visited",
        assigned_at=timezone.now() - timedelta(days=9),
    )

    assert flag_overdue_inquiries(day=today) == 1
    assert flag_overdue_inquiries(day=today) == 0

    assert list(PhoneInquiry.objects.filter(overdue_flagged_at__isnull=False).values_list("pk", flat=True)) == [old.pk]
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("manager1", "phone_inquiry_overdue")
    ]


@pytest.mark.django_db
def test_the_deal_is_credited_to_the_territorys_owner_whoever_entered_it(people, routed):
    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL)
    before_move = timezone.now()
    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales2, assigned_by=people.admin)

    assert salesperson_to_credit(inquiry=inquiry, at=before_move) == people.sales1
    assert salesperson_to_credit(inquiry=inquiry) == people.sales2


@pytest.mark.django_db
def test_without_deals_from_inquiries_results_read_zero_deals(people, routed, english):
    campaign = CampaignFactory(created_by=people.info1, budget=5000)
    for number in ("13700000001", "13700000002"):
        register_phone_inquiry(entered_by=people.info1, data={**CALL, "phone": number}, campaign=campaign)

    assert not inquiry_deals().exists()
    assert deal_totals_by_salesperson() == {}
    per_campaign, per_channel = campaign_results(user=people.info1)
    assert [(r.label, r.inquiries, r.deals, r.premium, r.cost_per_deal) for r in per_campaign] == [
        (campaign.name, 2, 0, 0, None)
    ]
    assert [(r.label, r.inquiries, r.budget) for r in per_channel] == [("Direct mail", 2, 5000)]


@pytest.mark.django_db
def test_inquiry_visibility(people, routed):
    mine = register_phone_inquiry(entered_by=people.info1, data=CALL)
    queued = register_phone_inquiry(
        entered_by=people.info1, data={**CALL, "phone": "13900139000", "district": "宝安区"}
    )
    futian = register_phone_inquiry(
        entered_by=people.info1, data={**CALL, "phone": "13700137000", "district": "福田区"}
    )

    def visible(user):
        return sorted(PhoneInquiry.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(people.sales1) == [mine.pk]
    assert visible(people.sales2) == []
    assert visible(people.manager1) == sorted([mine.pk, queued.pk])
    assert visible(people.manager2) == sorted([queued.pk, futian.pk])
    assert visible(people.info1) == sorted([mine.pk, queued.pk, futian.pk])


# --- reassignment: open inquiries follow the territory ---------------------------------------------


@pytest.fixture
def inquiries_of_nanshan_clubs(people, routed):
    """Inquiries around 南山车友会 (sales1), open and closed, plus some that must not move."""
    clubs, smes = routed["nanshan_clubs"], routed["nanshan_smes"]
    long_ago = timezone.now() - timedelta(days=10)
    customer = CustomerFactory(territory=clubs, owner=people.sales1)
    pooled = CustomerFactory(territory=clubs, owner=None, pooled_at=long_ago, pooled_from=people.sales1)

    def inquiry(**fields):
        return PhoneInquiryFactory(entered_by=people.info1, **fields)

    return {
        "assigned": inquiry(
            territory=clubs,
            salesperson=people.sales1,
            status="assigned",
            assigned_at=long_ago,
            overdue_flagged_at=long_ago,
        ),
        "visited": inquiry(
            territory=clubs, salesperson=people.sales1, status="visited", assigned_at=long_ago, visited_at=long_ago
        ),
        # came in while the territory had no owner: waiting in the managers' queue
        "queued": inquiry(territory=clubs, salesperson=None, status="new"),
        # a known caller: found through the customer, whatever territory the call was routed to
        "via_customer": inquiry(customer=customer, salesperson=people.sales1, status="assigned", assigned_at=long_ago),
        "converted": inquiry(territory=clubs, salesperson=people.sales1, status="converted", closed_at=long_ago),
        "dropped": inquiry(
            territory=clubs, salesperson=people.sales1, status="dropped", closed_at=long_ago, drop_reason="不需要"
        ),
        "pooled_customer": inquiry(customer=pooled, salesperson=people.sales1, status="assigned", assigned_at=long_ago),
        "elsewhere": inquiry(territory=smes, salesperson=people.sales2, status="assigned", assigned_at=long_ago),
    }


OPEN_ONES = ("assigned", "visited", "queued", "via_customer")


@pytest.mark.django_db
def test_reassignment_moves_exactly_the_open_inquiries_to_the_new_owner(people, routed, inquiries_of_nanshan_clubs):
    rows = inquiries_of_nanshan_clubs

    result = assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    assert result.moved["phone_inquiries"] == 4
    moved = PhoneInquiry.objects.filter(salesperson=people.sales3)
    assert set(moved.values_list("pk", flat=True)) == {rows[name].pk for name in OPEN_ONES}
    owners = dict(PhoneInquiry.objects.values_list("pk", "salesperson__username"))
    assert {name: owners[row.pk] for name, row in rows.items() if name not in OPEN_ONES} == {
        "converted": "sales1",
        "dropped": "sales1",
        "pooled_customer": "sales1",
        "elsewhere": "sales2",
    }


@pytest.mark.django_db
def test_moved_inquiries_get_a_fresh_visit_deadline_and_visited_ones_keep_their_state(
    people, routed, inquiries_of_nanshan_clubs
):
    rows = inquiries_of_nanshan_clubs

    result = assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    at = result.assignment.started_at
    state = {
        name: PhoneInquiry.objects.values("status", "assigned_at", "overdue_flagged_at").get(pk=rows[name].pk)
        for name in OPEN_ONES
    }
    assert state["assigned"] == {"status": "assigned", "assigned_at": at, "overdue_flagged_at": None}
    assert state["queued"] == {"status": "assigned", "assigned_at": at, "overdue_flagged_at": None}
    assert state["via_customer"] == {"status": "assigned", "assigned_at": at, "overdue_flagged_at": None}
    assert state["visited"] == {
        "status": "visited",
        "assigned_at": rows["visited"].assigned_at,
        "overdue_flagged_at": None,
    }


@pytest.mark.django_db
def test_the_new_owner_is_told_once_in_their_language(people, routed, inquiries_of_nanshan_clubs):
    people.sales3.language = "en"
    people.sales3.save(update_fields=["language"])

    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    notes = list(
        Notification.objects.filter(kind="phone_inquiries_reassigned").values("recipient__username", "text", "link")
    )
    assert notes == [
        {
            "recipient__username": "sales3",
            "text": "4 open phone inquiries of 南山车友会 are now yours.",
            "link": "/inquiries/",
        }
    ]


@pytest.mark.django_db
def test_the_notification_reads_chinese_by_default(people, routed, inquiries_of_nanshan_clubs):
    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    note = Notification.objects.get(kind="phone_inquiries_reassigned")
    assert note.text == "南山车友会有 4 条未结电话咨询已转给您。"


@pytest.mark.django_db
def test_the_moved_inquiries_are_what_each_salesperson_now_sees(people, routed, inquiries_of_nanshan_clubs):
    rows = inquiries_of_nanshan_clubs

    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    def visible(user):
        return set(PhoneInquiry.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(people.sales3) == {rows[name].pk for name in OPEN_ONES}
    assert visible(people.sales1) == {rows[name].pk for name in ("converted", "dropped", "pooled_customer")}


@pytest.mark.django_db
def test_nothing_open_means_nothing_moved_and_nobody_told(people, routed):
    PhoneInquiryFactory(
        entered_by=people.info1, territory=routed["nanshan_clubs"], salesperson=people.sales1, status="converted"
    )

    result = assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    assert result.moved == {
        "open_deals": 0,
        "customers": 0,
        "key_accounts": 0,
        "planned_visits": 0,
        "phone_inquiries": 0,
        "recruit_candidates": 0,
        "tenders": 0,
    }
    assert not Notification.objects.filter(kind="phone_inquiries_reassigned").exists()


@pytest.mark.django_db
def test_moving_again_to_the_same_owner_moves_nothing(people, routed, inquiries_of_nanshan_clubs):
    from campaigns.services import move_phone_inquiries_of_territory

    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)
    again = move_phone_inquiries_of_territory(
        territory=routed["nanshan_clubs"], to_user=people.sales3, changed_by=people.admin, reason="", at=timezone.now()
    )

    assert again == 0
    assert Notification.objects.filter(kind="phone_inquiries_reassigned").count() == 1


@pytest.mark.django_db
def test_a_territory_left_without_an_owner_puts_its_unvisited_inquiries_back_in_the_queue(
    people, routed, inquiries_of_nanshan_clubs
):
    """Nobody owns the territory, so nobody is waited on to call back: new and assigned inquiries wait in the
    managers' queue (as the customers do); a visited one stays with whoever visited; the next owner gets them."""
    rows = inquiries_of_nanshan_clubs

    end_territory_assignment(territory=routed["nanshan_clubs"], ended_by=people.admin, reason="离职")

    state = {
        name: PhoneInquiry.objects.values_list("status", "salesperson__username").get(pk=row.pk)
        for name, row in rows.items()
    }
    assert state == {
        "assigned": ("new", None),
        "visited": ("visited", "sales1"),
        "queued": ("new", None),
        "via_customer": ("new", None),
        "converted": ("converted", "sales1"),
        "dropped": ("dropped", "sales1"),
        "pooled_customer": ("assigned", "sales1"),
        "elsewhere": ("assigned", "sales2"),
    }
    assert PhoneInquiry.objects.get(pk=rows["assigned"].pk).overdue_flagged_at is None

    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    assert set(PhoneInquiry.objects.filter(salesperson=people.sales3).values_list("pk", flat=True)) == {
        rows[name].pk for name in OPEN_ONES
    }

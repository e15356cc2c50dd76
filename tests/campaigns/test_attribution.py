"""Attribution (DESIGN §4): the deal of an inquiry is credited to whoever owned the customer's territory
when it closed, whoever entered the inquiry and whoever records the deal."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.deals.models import Deal
from accounts.deals.services import create_deal, set_price_agreement
from campaigns.models import PhoneInquiry
from campaigns.selectors import DealTotals, campaign_results, deal_totals_by_salesperson, inquiry_deals
from campaigns.services import drop_phone_inquiry, record_deal_from_inquiry, register_phone_inquiry
from campaigns.services.inquiries import InquiryDropped, InquiryHasDeal, InquiryWithoutCustomer
from crm.dates import local_today
from territories.models import TerritoryAssignment
from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory, ProductFactory
from tests.campaigns.factories import CampaignFactory, PhoneInquiryFactory

D = Decimal
CALL = {
    "unit_name": "深圳湾物流有限公司",
    "caller_name": "李经理",
    "phone": "138 0013 8000",
    "district": "南山区",
    "topic": "货车车队保险报价",
}


@pytest.fixture
def product(db):
    return ProductFactory(name="商业车险", code="motor")


@pytest.fixture
def campaign(people):
    return CampaignFactory(created_by=people.info1, budget=6000)


@pytest.fixture
def inquiry(people, routed, campaign):
    """Entered by info1, routed to 南山车友会, owned by sales1."""
    return register_phone_inquiry(entered_by=people.info1, data=CALL, campaign=campaign)


def _record(inquiry, by, product, *, number="BD-001", amount="1200.00", issued_on=None, **extra):
    return record_deal_from_inquiry(
        inquiry=inquiry,
        recorded_by=by,
        product=product,
        number=number,
        amount=amount,
        issued_on=issued_on or local_today(),
        **extra,
    )


def _form(product, *, number="BD-001", amount="1200.00", issued_on=None):
    return {
        "product": product.pk,
        "number": number,
        "amount": amount,
        "issued_on": (issued_on or local_today()).isoformat(),
    }


# --- the service --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deal_recorded_by_the_manager_is_credited_to_the_territorys_salesperson(people, inquiry, product):
    deal = _record(inquiry, people.manager1, product)

    inquiry.refresh_from_db()
    assert (deal.salesperson, deal.created_by, deal.source, deal.customer) == (
        people.sales1,
        people.manager1,
        Deal.Source.INQUIRY,
        inquiry.customer,
    )
    assert deal.amount == D("1200.00")
    assert inquiry.deal == deal
    assert inquiry.status == PhoneInquiry.Status.CONVERTED
    assert inquiry.closed_at is not None
    assert deal.phone_inquiry == inquiry


@pytest.mark.django_db
def test_the_campaign_and_the_salesperson_count_the_deal_and_its_premium(people, inquiry, product, campaign):
    other_campaign = CampaignFactory(created_by=people.info1, name="短信活动", budget=1000)
    _record(inquiry, people.manager1, product)
    # A deal of the same customer that did not come of an inquiry is not the campaign's.
    create_deal(
        created_by=people.sales1,
        customer_id=inquiry.customer_id,
        product=product,
        number="BD-002",
        amount="800.00",
        issued_on=local_today(),
    )

    assert inquiry_deals().count() == 1
    assert deal_totals_by_salesperson(campaign_ids=[campaign.pk]) == {
        people.sales1.pk: DealTotals(count=1, amount=D("1200.00"))
    }
    assert deal_totals_by_salesperson(campaign_ids=[other_campaign.pk]) == {}
    per_campaign, per_channel = campaign_results(user=people.info1)
    assert {(row.label, row.inquiries, row.deals, row.premium, row.cost_per_deal) for row in per_campaign} == {
        (campaign.name, 1, 1, D("1200.00"), D("6000.00")),
        ("短信活动", 0, 0, 0, None),
    }
    assert [(row.deals, row.premium) for row in per_channel] == [(1, D("1200.00"))]


@pytest.mark.django_db
def test_a_dropped_inquiry_refuses_a_deal(people, inquiry, product, english):
    drop_phone_inquiry(inquiry=inquiry, dropped_by=people.sales1, reason="只是问价")

    with pytest.raises(InquiryDropped) as caught:
        _record(inquiry, people.manager1, product)

    assert str(caught.value) == "This inquiry was dropped: no deal can be recorded for it."

    assert Deal.objects.count() == 0


@pytest.mark.django_db
def test_a_second_deal_for_the_same_inquiry_is_refused(people, inquiry, product, english):
    first = _record(inquiry, people.sales1, product)

    with pytest.raises(InquiryHasDeal) as caught:
        _record(inquiry, people.manager1, product, number="BD-009")

    assert str(caught.value) == "A deal has already been recorded for this inquiry."

    assert list(Deal.objects.values_list("pk", flat=True)) == [first.pk]
    inquiry.refresh_from_db()
    assert inquiry.deal == first


@pytest.mark.django_db
def test_reassigning_the_territory_before_the_deal_closes_credits_the_new_owner(people, inquiry, product, routed):
    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales2, assigned_by=people.admin)

    deal = _record(inquiry, people.manager1, product)

    assert deal.salesperson == people.sales2
    assert deal_totals_by_salesperson() == {people.sales2.pk: DealTotals(count=1, amount=D("1200.00"))}


@pytest.mark.django_db
def test_a_back_dated_deal_is_credited_to_who_owned_the_territory_the_day_it_closed(people, routed, campaign, product):
    TerritoryAssignment.objects.filter(territory=routed["nanshan_clubs"]).update(
        started_at=timezone.now() - timedelta(days=30)
    )
    inquiry = register_phone_inquiry(
        entered_by=people.info1, data=CALL, campaign=campaign, received_at=timezone.now() - timedelta(days=10)
    )
    assign_territory(territory=routed["nanshan_clubs"], salesperson=people.sales2, assigned_by=people.admin)

    deal = _record(inquiry, people.manager1, product, issued_on=local_today() - timedelta(days=5))

    assert deal.salesperson == people.sales1


@pytest.mark.django_db
def test_an_order_issued_before_the_call_is_refused(people, routed, campaign, product):
    inquiry = register_phone_inquiry(
        entered_by=people.info1, data=CALL, campaign=campaign, received_at=timezone.now() - timedelta(days=2)
    )

    with pytest.raises(ValidationError) as caught:
        _record(inquiry, people.manager1, product, issued_on=local_today() - timedelta(days=3))

    assert "issued_on" in caught.value.message_dict
    assert Deal.objects.count() == 0


@pytest.mark.django_db
def test_an_inquiry_without_a_customer_is_refused(people, product):
    inquiry = PhoneInquiryFactory(entered_by=people.info1, salesperson=people.sales1, status="assigned")

    with pytest.raises(InquiryWithoutCustomer):
        _record(inquiry, people.manager1, product)


@pytest.mark.django_db
def test_a_refused_deal_leaves_the_inquiry_as_it_was(people, inquiry, product):
    # The number is taken by another customer's deal (one for the caller itself would convert the inquiry).
    other = CustomerFactory(territory=inquiry.customer.territory, owner=people.sales1)
    create_deal(
        created_by=people.sales1,
        customer_id=other.pk,
        product=product,
        number="BD-001",
        amount="500.00",
        issued_on=local_today(),
    )

    with pytest.raises(ValidationError):
        _record(inquiry, people.manager1, product, number="BD-001")

    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.deal) == (PhoneInquiry.Status.ASSIGNED, None)
    assert inquiry_deals().count() == 0


def test_a_deal_for_the_caller_recorded_on_the_customers_page_converts_the_open_inquiry(people, inquiry, product):
    deal = create_deal(
        created_by=people.sales1,
        customer_id=inquiry.customer_id,
        product=product,
        number="BD-002",
        amount="800.00",
        issued_on=local_today(),
    )
    again = create_deal(
        created_by=people.sales1,
        customer_id=inquiry.customer_id,
        product=product,
        number="BD-003",
        amount="300.00",
        issued_on=local_today(),
    )

    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.deal_id) == (PhoneInquiry.Status.CONVERTED, deal.pk)
    assert Deal.objects.get(pk=deal.pk).source == Deal.Source.INQUIRY
    # One inquiry, one deal: the customer's next deal is its own business.
    assert Deal.objects.get(pk=again.pk).source == Deal.Source.DIRECT
    assert list(inquiry_deals().values_list("pk", flat=True)) == [deal.pk]


# --- the inquiry page -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sales1", "manager1", "admin"])
def test_the_deal_is_recorded_from_the_inquiry_page(client, people, inquiry, product, who):
    client.force_login(getattr(people, who))
    assert client.get(inquiry.get_absolute_url()).context["deal_form"] is not None

    response = client.post(reverse("campaigns:inquiry_record_deal", args=[inquiry.pk]), _form(product))

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response.url == deal.get_absolute_url()
    assert (deal.salesperson, deal.created_by) == (people.sales1, getattr(people, who))
    page = client.get(inquiry.get_absolute_url())
    assert page.context["deal"] == deal
    assert page.context["deal_form"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("info1", 403), ("sales2", 404), ("manager2", 404), ("sales3", 404)])
def test_who_may_not_record_the_deal(client, people, inquiry, product, who, status):
    client.force_login(getattr(people, who))

    response = client.post(reverse("campaigns:inquiry_record_deal", args=[inquiry.pk]), _form(product))

    assert response.status_code == status
    assert Deal.objects.count() == 0


@pytest.mark.django_db
def test_info_staff_see_neither_the_deal_form_nor_the_deal(client, people, inquiry, product):
    deal = _record(inquiry, people.manager1, product, number="BD-777")
    client.force_login(people.info1)

    response = client.get(inquiry.get_absolute_url())

    assert response.status_code == 200
    assert (response.context["deal"], response.context["deal_form"]) == (None, None)
    assert deal.number not in response.content.decode()


@pytest.mark.django_db
def test_a_second_deal_from_the_page_gets_a_clear_message(client, people, inquiry, product, english):
    _record(inquiry, people.sales1, product)
    client.force_login(people.manager1)

    response = client.post(
        reverse("campaigns:inquiry_record_deal", args=[inquiry.pk]), _form(product, number="BD-002"), follow=True
    )

    assert response.redirect_chain == [(inquiry.get_absolute_url(), 302)]
    assert response.context["deal_form"] is None
    assert "A deal has already been recorded for this inquiry." in response.content.decode()
    assert Deal.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_on_the_page_is_shown_on_the_form(client, people, inquiry, product, english):
    client.force_login(people.sales1)
    url = reverse("campaigns:inquiry_record_deal", args=[inquiry.pk])

    missing_number = client.post(url, _form(product, number=""))
    negative_amount = client.post(url, _form(product, amount="-5"))

    assert (missing_number.status_code, negative_amount.status_code) == (200, 200)
    assert set(missing_number.context["deal_form"].errors) == {"number"}
    assert negative_amount.context["deal_form"].errors == {"amount": ["The amount must be greater than zero."]}
    inquiry.refresh_from_db()
    assert (inquiry.status, Deal.objects.count()) == (PhoneInquiry.Status.ASSIGNED, 0)


@pytest.mark.django_db
def test_the_results_page_counts_the_deal(client, people, inquiry, product, campaign):
    _record(inquiry, people.manager1, product)
    client.force_login(people.manager1)

    response = client.get(reverse("campaigns:campaign_results"))

    row = next(row for row in response.context["per_campaign"] if row.campaign == campaign)
    assert (row.deals, row.premium) == (1, D("1200.00"))


@pytest.mark.django_db
def test_an_amount_off_the_agreed_price_needs_confirming_on_the_page(client, people, inquiry, product, english):
    set_price_agreement(
        customer_id=inquiry.customer_id,
        product=product,
        valid_from=local_today() - timedelta(days=1),
        created_by=people.sales1,
        price="1000.00",
    )
    client.force_login(people.sales1)
    url = reverse("campaigns:inquiry_record_deal", args=[inquiry.pk])

    unconfirmed = client.post(url, _form(product))
    confirmed = client.post(url, {**_form(product), "confirm_price": "on"})

    assert unconfirmed.status_code == 200
    assert "confirm_price" in unconfirmed.context["deal_form"].errors
    assert "¥1000.00" in unconfirmed.context["price_note"]
    assert confirmed.status_code == 302
    assert Deal.objects.get().amount == D("1200.00")


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"


# --- the caller's customer moved by hand while its inquiry is open ----------------------------------------


def _move_customer_to(customer, *, owner, by):
    from accounts.customers.services import update_customer

    customer.refresh_from_db()
    return update_customer(customer_id=customer.pk, changed_by=by, version=customer.version, data={"owner": owner})


@pytest.mark.django_db
def test_an_open_inquiry_follows_its_customer_moved_by_the_manager(people, inquiry):
    # The manager hands the caller's customer to sales2 (their territory of 南山) before anyone visited it: the
    # inquiry goes with it, so sales2 finds it on their list and sales1 no longer holds work they cannot see.
    customer = _move_customer_to(inquiry.customer, owner=people.sales2, by=people.manager1)

    inquiry.refresh_from_db()
    assert customer.territory.name == "南山中小企业"  # sales2's territory of the caller's branch
    assert (inquiry.territory, inquiry.salesperson, inquiry.status) == (
        customer.territory,
        people.sales2,
        PhoneInquiry.Status.ASSIGNED,
    )


@pytest.mark.django_db
def test_the_deal_of_an_inquiry_whose_customer_was_moved_is_credited_to_the_new_holder(people, inquiry, product):
    _move_customer_to(inquiry.customer, owner=people.sales2, by=people.manager1)

    deal = _record(inquiry, people.manager1, product)

    assert deal.salesperson == people.sales2
    assert deal_totals_by_salesperson() == {people.sales2.pk: DealTotals(count=1, amount=D("1200.00"))}


@pytest.mark.django_db
def test_a_converted_inquiry_stays_with_who_worked_it_when_its_customer_moves(people, inquiry, product):
    deal = _record(inquiry, people.manager1, product)

    _move_customer_to(inquiry.customer, owner=people.sales2, by=people.manager1)

    inquiry.refresh_from_db()
    deal.refresh_from_db()
    assert (inquiry.salesperson, inquiry.status, deal.salesperson) == (
        people.sales1,
        PhoneInquiry.Status.CONVERTED,
        people.sales1,
    )

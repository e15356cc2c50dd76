"""Partners 联合推广: a partner's quarter (leads, visits, deals count and Decimal amount, conversion) exact,
the customer's attribution, who sees which partner and which leads, bad input, fixed query counts."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.deals.models import Deal
from campaigns.partners.models import Partner, PartnerLead
from campaigns.partners.selectors import Quarter, partner_results
from campaigns.partners.services import attribute_customer_to_partner, link_event_to_partner, save_partner
from tests.accounts.deals.factories import DealFactory
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import EventFactory, PartnerFactory
from tests.visits.factories import VisitFactory

Q4 = Quarter(2026, 4)


def _visit(customer, on):
    at = timezone.make_aware(datetime(on.year, on.month, on.day, 10))
    VisitFactory(salesperson=customer.owner, customer=customer, visited_at=at, visited_on=on)


@pytest.fixture
def partners(people):
    shop = PartnerFactory(name="星辉4S店", salesperson=people.sales1)
    dealer = PartnerFactory(name="路通车行", kind=Partner.Kind.DEALER, salesperson=people.sales3)
    first = CustomerFactory(owner=people.sales1, unit_name="四季度线索甲")
    second = CustomerFactory(owner=people.sales2, unit_name="四季度线索乙")
    earlier = CustomerFactory(owner=people.sales3, unit_name="三季度线索")
    attribute_customer_to_partner(customer_id=first.pk, partner_id=shop.pk, came_on=date(2026, 10, 5))
    attribute_customer_to_partner(customer_id=second.pk, partner_id=shop.pk, came_on=date(2026, 11, 10))
    attribute_customer_to_partner(customer_id=earlier.pk, partner_id=shop.pk, came_on=date(2026, 8, 1))
    DealFactory(customer=first, issued_on=date(2026, 10, 20), amount=Decimal("1200.50"))
    DealFactory(customer=first, issued_on=date(2026, 11, 2), amount=Decimal("800.25"))
    DealFactory(customer=first, issued_on=date(2026, 9, 1), amount=Decimal("999.00"))  # before it came
    DealFactory(customer=first, issued_on=date(2026, 11, 3), amount=Decimal("50.00"), status=Deal.Status.CANCELLED)
    DealFactory(customer=earlier, issued_on=date(2026, 10, 15), amount=Decimal("500.00"))
    DealFactory(issued_on=date(2026, 10, 15), amount=Decimal("700.00"))  # nobody's lead
    _visit(first, date(2026, 10, 6))
    _visit(first, date(2026, 10, 21))
    _visit(first, date(2026, 9, 30))  # before it came
    _visit(earlier, date(2026, 12, 1))
    return {"shop": shop, "dealer": dealer, "first": first, "second": second, "earlier": earlier}


def test_the_partner_s_quarter_is_exact(partners):
    results = partner_results(partner_ids=[partners["shop"].pk, partners["dealer"].pk], quarter=Q4)

    shop = results[partners["shop"].pk]
    assert (shop.leads, shop.converted, shop.visits, shop.deals) == (2, 1, 3, 3)
    assert shop.amount == Decimal("2500.75")
    assert shop.conversion == Decimal("50.00")
    dealer = results[partners["dealer"].pk]
    assert (dealer.leads, dealer.visits, dealer.deals, dealer.amount, dealer.conversion) == (
        0,
        0,
        0,
        Decimal("0.00"),
        None,
    )
    q3 = partner_results(partner_ids=[partners["shop"].pk], quarter=Quarter(2026, 3))[partners["shop"].pk]
    assert (q3.leads, q3.converted, q3.visits, q3.deals, q3.amount) == (1, 0, 0, 0, Decimal("0.00"))


def test_a_customer_keeps_the_first_partner_it_came_through(partners):
    again = attribute_customer_to_partner(
        customer_id=partners["first"].pk, partner_id=partners["dealer"].pk, came_on=date(2026, 12, 1)
    )
    assert (again.partner_id, again.came_on) == (partners["shop"].pk, date(2026, 10, 5))
    assert PartnerLead.objects.count() == 3


def test_a_joint_event_is_listed_on_the_partner_s_page(client, partners, people):
    event = EventFactory(name="4S店车主开放日", created_by=people.info1)
    link_event_to_partner(event_id=event.pk, partner_id=partners["shop"].pk)
    client.force_login(people.manager1)

    html = client.get(reverse("campaigns:partner_detail", args=[partners["shop"].pk])).content.decode()

    assert "4S店车主开放日" in html


def test_the_partner_needs_an_active_salesperson(people):
    with pytest.raises(ValidationError) as refused:
        save_partner(data={"name": "无人负责", "kind": Partner.Kind.GARAGE, "salesperson": people.manager1})
    assert "salesperson" in refused.value.message_dict
    assert not Partner.objects.filter(name="无人负责").exists()


def test_the_partner_s_page_shows_its_figures_and_the_leads_and_deals_the_viewer_sees(client, partners, people):
    client.force_login(people.sales1)

    response = client.get(reverse("campaigns:partner_detail", args=[partners["shop"].pk]), {"quarter": "2026-Q4"})

    assert response.status_code == 200
    assert [lead.customer_id for lead in response.context["leads"]] == [partners["first"].pk]
    assert sorted(deal.amount for deal in response.context["deals"]) == [Decimal("800.25"), Decimal("1200.50")]
    assert response.context["results"].amount == Decimal("2500.75")


def test_a_partner_outside_the_scope_answers_404_and_the_list_shows_only_the_scope(client, partners, people):
    client.force_login(people.sales1)
    assert client.get(reverse("campaigns:partner_detail", args=[partners["dealer"].pk])).status_code == 404
    listed = client.get(reverse("campaigns:partner_list")).context["rows"]
    assert [partner.pk for partner, _results in listed] == [partners["shop"].pk]
    assert client.get(reverse("campaigns:partner_edit", args=[partners["shop"].pk])).status_code == 403

    client.force_login(people.manager2)
    listed = client.get(reverse("campaigns:partner_list"), {"quarter": "2026-Q4"}).context["rows"]
    assert {partner.pk: results.deals for partner, results in listed} == {
        partners["shop"].pk: 3,
        partners["dealer"].pk: 0,
    }


def test_a_bad_quarter_is_a_400_with_a_message(client, people, english):
    client.force_login(people.manager1)
    response = client.get(reverse("campaigns:partner_list"), {"quarter": "2026-Q9"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Write the quarter as 2026-Q4." in response.content.decode()


def test_a_manager_creates_a_partner_on_the_page(client, people):
    client.force_login(people.manager1)
    response = client.post(
        reverse("campaigns:partner_create"),
        {"name": "顺达汽修", "kind": Partner.Kind.GARAGE, "salesperson": people.sales2.pk, "phone": "0755-1234"},
    )
    partner = Partner.objects.get(name="顺达汽修")
    assert response.status_code == 302 and response["Location"] == partner.get_absolute_url()
    assert partner.salesperson == people.sales2


@pytest.mark.parametrize("extra", [0, 12])
def test_the_partner_pages_run_a_fixed_number_of_queries(
    client, partners, people, extra, django_assert_max_num_queries
):
    for n in range(extra):
        partner = PartnerFactory(salesperson=people.sales1)
        customer = CustomerFactory(owner=people.sales1)
        attribute_customer_to_partner(customer_id=customer.pk, partner_id=partner.pk, came_on=date(2026, 10, 1))
        attribute_customer_to_partner(
            customer_id=CustomerFactory(owner=people.sales2).pk,
            partner_id=partners["shop"].pk,
            came_on=date(2026, 10, 2),
        )
        DealFactory(customer=customer, issued_on=date(2026, 10, 2 + n))
        _visit(customer, date(2026, 10, 3))
    client.force_login(people.manager1)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("campaigns:partner_list"), {"quarter": "2026-Q4"}).status_code == 200
    with django_assert_max_num_queries(11):
        assert (
            client.get(
                reverse("campaigns:partner_detail", args=[partners["shop"].pk]), {"quarter": "2026-Q4"}
            ).status_code
            == 200
        )


def test_the_api_gives_the_scope_and_the_quarter_s_figures(partners, people):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people.sales1)

    listed = api.get("/api/partners/", {"quarter": "2026-Q4"}).json()["results"]

    assert [row["id"] for row in listed] == [partners["shop"].pk]
    assert listed[0]["results"] == {
        "quarter": "2026-Q4",
        "leads": 2,
        "converted": 1,
        "visits": 3,
        "deals": 3,
        "amount": "2500.75",
        "conversion": "50.00",
    }
    assert api.get(f"/api/partners/{partners['dealer'].pk}/").status_code == 404
    assert api.get("/api/partners/", {"quarter": "bad"}).status_code == 400

"""The issue's "Done when" on the demo data: the Monday page shows three churn risks with reasons; a partner's
page shows its leads and deals."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.churn.models import ChurnRisk
from crm.models import User

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_manager1_s_monday_page_shows_three_churn_risks_with_reasons(client, demo):
    manager = User.objects.get(username="manager1")
    client.force_login(manager)

    response = client.get(reverse("key_accounts:monday_meeting"), **EN)

    risks = response.context["sections"][0][1]["risks"]
    assert sorted(risk.reason for risk in risks) == [
        ChurnRisk.Reason.RENEWAL_NO_CONTACT,
        ChurnRisk.Reason.RENEWAL_NO_CONTACT,
        ChurnRisk.Reason.STOPPED_BUYING,
    ]
    html = response.content.decode()
    assert "3 customers at risk" in html
    for risk in risks:
        assert risk.customer.unit_name in html and risk.explanation in html


def test_a_partner_s_page_shows_its_leads_and_deals_on_the_demo_data(client, demo):
    from decimal import Decimal

    from campaigns.partners.models import Partner

    client.force_login(User.objects.get(username="manager1"))
    shop = Partner.objects.get(name="星辉丰田4S店")

    response = client.get(reverse("campaigns:partner_detail", args=[shop.pk]), **EN)

    results = response.context["results"]
    assert (results.leads, results.converted, results.deals, results.amount) == (3, 2, 2, Decimal("5050.50"))
    assert len(response.context["leads"]) == 3
    assert sorted(deal.amount for deal in response.context["deals"]) == [Decimal("1850.50"), Decimal("3200.00")]

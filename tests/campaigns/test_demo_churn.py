"""The issue's "Done when": on the demo data the Monday page shows three churn risks with reasons."""

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

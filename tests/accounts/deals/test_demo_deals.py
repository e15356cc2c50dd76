from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.deals.models import Deal, RenewalReminder
from accounts.deals.selectors import ledger_summary
from accounts.deals.services import send_renewal_reminders
from crm.dates import local_today


@pytest.mark.django_db
def test_the_demo_has_sales1_won_customer_balanced_and_a_renewal_that_fires_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    deal = Deal.objects.get(number="PDAA202600001")
    assert (deal.salesperson.username, deal.status) == ("sales1", Deal.Status.PAID)
    assert ledger_summary(customer=deal.customer).balance == Decimal("0.00")
    day = deal.renewal_on - timedelta(days=settings.CRM["RENEWAL_REMINDER_DAYS"])
    assert day <= local_today()
    send_renewal_reminders(day=local_today())
    send_renewal_reminders(day=local_today())
    assert RenewalReminder.objects.filter(deal=deal).count() == 1
    assert deal.customer.showcase_photos.count() == 1

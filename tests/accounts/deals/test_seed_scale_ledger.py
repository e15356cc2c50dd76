import pytest
from django.core.management import CommandError, call_command

from accounts.deals.models import Deal, LedgerEntry
from accounts.deals.selectors import ledger_summary
from tests.accounts.factories import CustomerFactory


@pytest.mark.django_db
def test_seed_scale_ledger_makes_balanced_deals(people):
    customers = CustomerFactory.create_batch(3, owner=people.sales1)

    call_command("seed_scale_ledger", "--entries", "40", "--batch-size", "40", "--prefix", "t")

    assert LedgerEntry.objects.count() >= 40
    assert Deal.objects.filter(salesperson=people.sales1).count() == Deal.objects.count()
    for deal in Deal.objects.all():
        owed = sum(e.effect for e in deal.ledger_entries.all())
        unpaid = deal.instalments.get(sequence=2).amount
        assert (deal.status, owed) in {(Deal.Status.PAID, 0), (Deal.Status.PARTIALLY_PAID, unpaid)}
    assert sum(ledger_summary(customer=c).ordered for c in customers) == sum(d.amount for d in Deal.objects.all())
    with pytest.raises(CommandError, match="exist already"):
        call_command("seed_scale_ledger", "--entries", "4", "--prefix", "t")

"""The migration's backfill of ``counts_on`` gives existing entries the day the services would give them."""

import importlib
from datetime import timedelta

from django.db import connection, models
from django.db.migrations.loader import MigrationLoader

from accounts.models import LedgerEntry
from accounts.services_deals import create_deal, record_payment, record_refund, record_return, reverse_entry
from crm.dates import local_today
from tests.accounts.factories import CustomerFactory, ProductFactory

MIGRATION = "0009_ledger_credit_counts_on_idempotency_per_user"
backfill = importlib.import_module(f"accounts.migrations.{MIGRATION}").backfill_counts_on
TODAY = local_today()


def test_the_backfill_matches_the_services(owned_tree, people):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    issued = TODAY - timedelta(days=70)
    deal = create_deal(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=ProductFactory(code="motor"),
        number="M1",
        amount="1000",
        issued_on=issued,
    )
    record_payment(deal_id=deal.pk, amount="300", paid_on=issued + timedelta(days=3), recorded_by=people.sales1)
    wrong = record_payment(deal_id=deal.pk, amount="50", paid_on=issued + timedelta(days=4), recorded_by=people.sales1)
    reverse_entry(entry_id=wrong.pk, reversed_by=people.manager1, reason="录错")
    record_return(deal_id=deal.pk, amount="800", returned_on=TODAY, recorded_by=people.sales1)
    record_refund(deal_id=deal.pk, amount="100", refunded_on=TODAY, recorded_by=people.sales1)
    reverse_entry(entry_id=deal.ledger_entries.get(kind="order").pk, reversed_by=people.manager1, reason="取消")
    by_services = dict(LedgerEntry.objects.values_list("pk", "counts_on"))
    assert sorted(set(by_services.values())) == [issued, issued + timedelta(days=3), issued + timedelta(days=4)]
    models.QuerySet.update(LedgerEntry.objects.all(), counts_on=TODAY)  # past the append-only guard
    models.QuerySet.update(LedgerEntry.history.all(), counts_on=TODAY)

    backfill(MigrationLoader(connection).project_state(("accounts", MIGRATION)).apps, None)

    assert dict(LedgerEntry.objects.values_list("pk", "counts_on")) == by_services
    assert set(LedgerEntry.history.values_list("counts_on", flat=True)) == set(by_services.values())

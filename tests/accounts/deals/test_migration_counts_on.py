"""The migration's backfill of ``counts_on`` gives existing entries the day the services would give them."""

import importlib
from datetime import timedelta
from decimal import Decimal

from django.db import connection, models
from django.db.migrations.loader import MigrationLoader

from accounts.deals.models import LedgerEntry
from accounts.deals.services import create_deal, record_payment, record_refund, record_return, reverse_entry
from crm.dates import local_today
from tests.accounts.factories import CustomerFactory, ProductFactory

MIGRATION = "0009_ledger_credit_counts_on_idempotency_per_user"
backfill = importlib.import_module(f"accounts.migrations.{MIGRATION}").backfill_counts_on
backfill_balance = importlib.import_module(f"accounts.migrations.{MIGRATION}").backfill_deal_balance
D = Decimal
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


def test_the_stored_deal_balance_follows_every_posting_and_the_backfill(owned_tree, people):
    from accounts.deals.models import Deal
    from accounts.deals.services import carry_credit, deal_figures

    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    product = ProductFactory(code="motor")
    first, second = (
        create_deal(
            created_by=people.sales1,
            customer_id=customer.pk,
            product=product,
            number=number,
            amount="1000",
            issued_on=TODAY - timedelta(days=9),
        )
        for number in ("B1", "B2")
    )
    record_payment(deal_id=first.pk, amount="700", paid_on=TODAY, recorded_by=people.sales1)
    record_return(deal_id=first.pk, amount="100", returned_on=TODAY, recorded_by=people.sales1)
    reverse_entry(entry_id=first.ledger_entries.get(kind="order").pk, reversed_by=people.manager1, reason="取消")
    record_refund(deal_id=first.pk, amount="50", refunded_on=TODAY, recorded_by=people.sales1)
    carry_credit(deal_id=first.pk, to_deal_id=second.pk, carried_by=people.sales1, amount="200")
    stored = dict(Deal.objects.values_list("pk", "balance"))
    assert stored == {deal.pk: deal_figures(deal_id=deal.pk).balance for deal in (first, second)}
    assert stored == {first.pk: D("-550.00"), second.pk: D("800.00")}  # 1000 − 700 − 100 − 1000 + 50 + 200
    Deal.objects.update(balance=0)

    backfill_balance(MigrationLoader(connection).project_state(("accounts", MIGRATION)).apps, None)

    assert dict(Deal.objects.values_list("pk", "balance")) == stored

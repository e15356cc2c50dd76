"""Deals and ledger entries for the "large branch" data set of DESIGN.md §5 (100,000 ledger entries).

Runs after ``seed_scale`` (customers and their holders); bulk inserts without history (a benchmark set,
not an audit trail). Each deal gets an order, a delivery and one or two payments, so the ledger's
running balances and the receivables are realistic; about one deal in five is left partly unpaid.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.customers.models import Customer
from accounts.deals.models import Deal, Instalment, LedgerEntry, Product
from crm.dates import local_today

Kind = LedgerEntry.Kind


class Command(BaseCommand):
    help = "Create deals and about --entries ledger entries over existing held customers (bulk)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--entries", type=int, default=100_000)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--prefix", default="scale", help="prefix of the deal numbers")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options) -> None:
        prefix = options["prefix"]
        if Deal.objects.filter(number__startswith=f"{prefix}-").exists():
            raise CommandError(f"Deals with prefix {prefix!r} exist already; use another --prefix.")
        rng = random.Random(options["seed"])
        started = time.monotonic()
        product, _ = Product.objects.get_or_create(code=f"{prefix}-motor", defaults={"name": "商业车险"})
        # One pass over the held customers, in pk order, as (id, holder) pairs: no model instances kept.
        customers = Customer.objects.filter(owner__isnull=False).order_by("pk").values_list("pk", "owner_id")
        iterator = customers.iterator(chunk_size=options["batch_size"])
        target, created, number = options["entries"], 0, 0
        today = local_today()
        while created < target:
            deals, plans = [], []
            for _ in range(options["batch_size"] // 4):
                try:
                    customer_id, owner_id = next(iterator)
                except StopIteration:
                    iterator = customers.iterator(chunk_size=options["batch_size"])
                    customer_id, owner_id = next(iterator, (None, None))
                    if customer_id is None:
                        raise CommandError("No held customers: run seed_scale first.") from None
                number += 1
                amount = Decimal(rng.randint(5, 400) * 100)
                issued_on = today - timedelta(days=rng.randint(1, 720))
                deals.append(
                    Deal(
                        customer_id=customer_id,
                        product=product,
                        number=f"{prefix}-{number:07d}",
                        amount=amount,
                        salesperson_id=owner_id,
                        issued_on=issued_on,
                        delivered_on=issued_on + timedelta(days=1),
                        renewal_on=issued_on + timedelta(days=365),
                        status=Deal.Status.DELIVERED,
                    )
                )
                plans.append(rng.random())
            created += self._write(deals=deals, plans=plans, owner_ids=None)
            self.stdout.write(f"  {created}/{target}")
        self.stdout.write(self.style.SUCCESS(f"{created} ledger entries in {time.monotonic() - started:.1f} s"))

    @transaction.atomic
    def _write(self, *, deals: list[Deal], plans: list[float], owner_ids) -> int:
        Deal.objects.bulk_create(deals)
        entries, instalments, paid = [], [], []
        for deal, draw in zip(deals, plans, strict=True):
            half = (deal.amount / 2).quantize(Decimal("0.01"))
            instalments += [
                Instalment(deal=deal, sequence=1, amount=half, due_on=deal.issued_on + timedelta(days=30)),
                Instalment(
                    deal=deal, sequence=2, amount=deal.amount - half, due_on=deal.issued_on + timedelta(days=60)
                ),
            ]
            common = {"customer_id": deal.customer_id, "deal": deal, "created_by_id": deal.salesperson_id}
            entries += [
                LedgerEntry(kind=Kind.ORDER, amount=deal.amount, effect=deal.amount, entry_on=deal.issued_on, **common),
                LedgerEntry(kind=Kind.DELIVERY, entry_on=deal.delivered_on, **common),
                LedgerEntry(
                    kind=Kind.PAYMENT, amount=half, effect=-half, entry_on=deal.issued_on + timedelta(days=29), **common
                ),
            ]
            instalments[-2].collected = half
            if draw > 0.2:  # four deals in five are fully paid
                rest = deal.amount - half
                entries.append(
                    LedgerEntry(
                        kind=Kind.PAYMENT,
                        amount=rest,
                        effect=-rest,
                        entry_on=deal.issued_on + timedelta(days=59),
                        **common,
                    )
                )
                instalments[-1].collected = rest
                paid.append(deal.pk)
        Instalment.objects.bulk_create(instalments)
        balances: dict[int, Decimal] = {}
        for entry in entries:
            entry.counts_on = entry.entry_on
            balances[entry.deal.pk] = balances.get(entry.deal.pk, Decimal("0")) + entry.effect
        for deal in deals:
            deal.balance = balances.get(deal.pk, Decimal("0"))
        LedgerEntry.objects.bulk_create(entries)
        Deal.objects.bulk_update(deals, ["balance"], batch_size=1000)
        Deal.objects.filter(pk__in=paid).update(status=Deal.Status.PAID)
        Deal.objects.filter(pk__in=[d.pk for d in deals if d.pk not in set(paid)]).update(
            status=Deal.Status.PARTIALLY_PAID
        )
        return len(entries)

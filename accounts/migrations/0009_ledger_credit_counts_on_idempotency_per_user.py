"""Ledger: a credit carried between deals (carry_out / carry_in pair), the day an entry counts on for
attainment (``counts_on``, backfilled), idempotency keys unique per user instead of globally, and the
deal's balance stored (backfilled from its entries) so receivables and credits need no ledger scan."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def backfill_counts_on(apps, schema_editor):
    """Each entry counts on its own date; a return on its deal's order, a refund on the deal's latest
    payment up to it, a reversal with what it reverses (the same rules as the services)."""
    entries = apps.get_model("accounts", "LedgerEntry").objects
    entries.update(counts_on=F("entry_on"))
    order = (
        entries.filter(deal=OuterRef("deal"), kind="order", reverses__isnull=True).order_by("id").values("entry_on")[:1]
    )
    entries.filter(kind="return", reverses__isnull=True).update(counts_on=Coalesce(Subquery(order), F("entry_on")))
    paid = (
        entries.filter(
            deal=OuterRef("deal"),
            kind="payment",
            reverses__isnull=True,
            reversed_by__isnull=True,
            entry_on__lte=OuterRef("entry_on"),
        )
        .order_by("-entry_on", "-id")
        .values("counts_on")[:1]
    )
    entries.filter(kind="refund", reverses__isnull=True).update(counts_on=Coalesce(Subquery(paid), F("entry_on")))
    original = entries.filter(pk=OuterRef("reverses")).values("counts_on")[:1]
    entries.filter(reverses__isnull=False).update(counts_on=Subquery(original))
    live = entries.filter(pk=OuterRef("id")).values("counts_on")[:1]
    apps.get_model("accounts", "HistoricalLedgerEntry").objects.update(
        counts_on=Coalesce(Subquery(live), F("entry_on"))
    )


def backfill_deal_balance(apps, schema_editor):
    """Each deal's balance is the sum of its entries' effects."""
    entries = apps.get_model("accounts", "LedgerEntry").objects
    total = entries.filter(deal=OuterRef("pk")).order_by().values("deal").annotate(total=Sum("effect"))
    money = models.DecimalField(max_digits=14, decimal_places=2)
    apps.get_model("accounts", "Deal").objects.update(
        balance=Coalesce(Subquery(total.values("total"), output_field=money), Decimal("0.00"))
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_checked_policy_reminded_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='deal',
            name='balance',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='balance (CNY)'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(condition=models.Q(('balance__lt', 0)), fields=['customer'], name='deal_credit_idx'),
        ),
        migrations.RunPython(backfill_deal_balance, migrations.RunPython.noop),
        migrations.AddField(
            model_name='historicalledgerentry',
            name='carried_from',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.ledgerentry', verbose_name='credit carried from'),
        ),
        migrations.AddField(
            model_name='historicalledgerentry',
            name='counts_on',
            field=models.DateField(null=True, verbose_name='counts for attainment on'),
        ),
        migrations.AddField(
            model_name='ledgerentry',
            name='carried_from',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='carried_to', to='accounts.ledgerentry', verbose_name='credit carried from'),
        ),
        migrations.AddField(
            model_name='ledgerentry',
            name='counts_on',
            field=models.DateField(null=True, verbose_name='counts for attainment on'),
        ),
        migrations.AlterField(
            model_name='historicalledgerentry',
            name='idempotency_key',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='idempotency key'),
        ),
        migrations.AlterField(
            model_name='historicalledgerentry',
            name='kind',
            field=models.CharField(choices=[('order', 'Order issued'), ('delivery', 'Delivered'), ('payment', 'Payment collected'), ('return', 'Return'), ('refund', 'Refund'), ('call', 'Follow-up call'), ('carry_out', 'Credit carried to another deal'), ('carry_in', 'Credit carried from another deal')], max_length=10, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='idempotency_key',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='idempotency key'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='kind',
            field=models.CharField(choices=[('order', 'Order issued'), ('delivery', 'Delivered'), ('payment', 'Payment collected'), ('return', 'Return'), ('refund', 'Refund'), ('call', 'Follow-up call'), ('carry_out', 'Credit carried to another deal'), ('carry_in', 'Credit carried from another deal')], max_length=10, verbose_name='kind'),
        ),
        migrations.RunPython(backfill_counts_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='historicalledgerentry',
            name='counts_on',
            field=models.DateField(verbose_name='counts for attainment on'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='counts_on',
            field=models.DateField(verbose_name='counts for attainment on'),
        ),
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(fields=['kind', 'counts_on'], name='ledger_kind_counts_idx'),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key__isnull', False)), fields=('created_by', 'idempotency_key'), name='ledger_idempotency_key_per_user'),
        ),
    ]

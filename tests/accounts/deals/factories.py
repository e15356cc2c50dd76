"""Factories for deals, the ledger, agreed prices, renewal reminders and showcase photos.

They store rows directly, for building the state a test starts from. They do not run the rules of
``accounts.services_deals`` (after the move: ``accounts.deals.services``): no order entry is posted for a
deal, no instalment or deal balance follows a ledger entry, no agreed price is checked. When what the test
asserts depends on those rules (balances, receivables, attainment, credits, the deal's status), build the
state through the services instead: ``create_deal``, ``record_delivery``, ``record_payment``,
``record_return``, ``record_refund``, ``record_call``, ``reverse_entry``, ``carry_credit``,
``set_price_agreement``, ``add_showcase_photo``.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.deals.models import Deal, Instalment, LedgerEntry, PriceAgreement, RenewalReminder, ShowcasePhoto
from tests.accounts.factories import CustomerFactory, ProductFactory
from tests.crm.factories import SalespersonFactory


class DealFactory(factory.django.DjangoModelFactory):
    """An issued deal with no ledger entry, no instalment plan and a zero balance.

    ``create_deal`` writes the deal with its instalments, its order entry (balance = amount) and makes the
    customer a customer; use it when the ledger, the receivables or attainment matter. Money is Decimal.
    """

    class Meta:
        model = Deal

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: f"PDAA2026{n:08d}")
    amount = Decimal("3600.00")
    salesperson = factory.SubFactory(SalespersonFactory)
    issued_on = factory.LazyFunction(timezone.localdate)


class InstalmentFactory(factory.django.DjangoModelFactory):
    """The next step of the deal's payment plan (numbered after the ones it has), nothing collected."""

    class Meta:
        model = Instalment

    deal = factory.SubFactory(DealFactory)
    sequence = factory.LazyAttribute(lambda instalment: instalment.deal.instalments.count() + 1)
    amount = Decimal("1200.00")
    due_on = factory.LazyAttribute(lambda instalment: instalment.deal.issued_on + timedelta(days=30))


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A follow-up call in the customer's ledger: no amount, no effect, so no balance goes wrong.

    The ledger is append-only: ``LedgerEntry.save`` refuses to update a stored entry and ``delete`` refuses
    (``AppendOnly``), so use the factory to create, not to change an entry afterwards; a test corrects an
    entry with ``reverse_entry``. Given a ``deal``, the entry is in that deal's customer's ledger.
    An entry with money (order, payment, return, refund, carried credit) stored here leaves the deal's
    ``balance``, its instalments' ``collected`` and its status as they were, which no real ledger does:
    post those with the services (``record_payment`` …) unless the test is about such a broken state.
    """

    class Meta:
        model = LedgerEntry

    deal = None
    # An entry on a deal is in that deal's customer's ledger.
    customer = factory.Maybe(
        "deal",
        yes_declaration=factory.SelfAttribute("deal.customer"),
        no_declaration=factory.SubFactory(CustomerFactory),
    )
    kind = LedgerEntry.Kind.CALL
    amount = Decimal("0.00")
    effect = Decimal("0.00")
    entry_on = factory.LazyFunction(timezone.localdate)
    counts_on = factory.SelfAttribute("entry_on")
    note = "电话回访"
    created_by = factory.SubFactory(SalespersonFactory)


class PriceAgreementFactory(factory.django.DjangoModelFactory):
    """An agreed price (not a discount: the check constraint allows one or the other), open-ended.

    ``set_price_agreement`` refuses an agreement overlapping another of the same customer and product;
    this factory does not check it.
    """

    class Meta:
        model = PriceAgreement

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    price = Decimal("3200.00")
    discount_percent = None
    valid_from = factory.LazyFunction(timezone.localdate)
    valid_until = None


class RenewalReminderFactory(factory.django.DjangoModelFactory):
    """The reminder already sent for a deal's renewal (``send_renewal_reminders`` writes these)."""

    class Meta:
        model = RenewalReminder

    deal = factory.SubFactory(
        DealFactory, renewal_on=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    )
    renewal_on = factory.SelfAttribute("deal.renewal_on")
    recipient = factory.SelfAttribute("deal.salesperson")
    notified_at = factory.LazyFunction(timezone.now)


class ShowcasePhotoFactory(factory.django.DjangoModelFactory):
    """A showcase photo with the customer's consent (the check constraint refuses one without).

    The image is a small generated JPEG stored as is; ``add_showcase_photo`` takes an image already cleaned
    by ``crm.images.clean_image``. Point ``settings.MEDIA_ROOT`` at ``tmp_path`` in the test.
    """

    class Meta:
        model = ShowcasePhoto

    customer = factory.SubFactory(CustomerFactory)
    image = factory.django.ImageField(filename="showcase.jpg", format="JPEG", width=64, height=48)
    caption = "车队使用中"
    consent = True
    consent_by = "王经理"
    consent_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SubFactory(SalespersonFactory)

"""Deals (业务达成): products, the deal archive with its instalment plan, the customer ledger (往来台帐),
agreed prices, renewal reminders and showcase photos.

Re-exported by ``accounts.models``; import them from there.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.deals.querysets import AppendOnly, DealQuerySet, LedgerEntryQuerySet, ShowcasePhotoQuerySet
from crm.bounds import validate_date_in_window, validate_deal_amount, validate_note_length
from crm.models import TimeStampedModel
from territories.models import ProductLine

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class Product(models.Model):
    """What is sold. Kept small: the service tools add rate tables around it."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    line = models.ForeignKey(
        ProductLine, verbose_name=_("product line"), on_delete=models.PROTECT, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deal(TimeStampedModel):
    """One order or policy in the customer's archive (档案): issued 开单 → delivered 送单 → paid 回款."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Order issued")
        DELIVERED = "delivered", _("Delivered")
        PARTIALLY_PAID = "partially_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        DIRECT = "direct", _("Own work")
        INQUIRY = "inquiry", _("Phone inquiry")
        KEY_ACCOUNT = "key_account", _("Key account")

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deals"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="deals")
    number = models.CharField(_("order or policy number"), max_length=60)
    amount = models.DecimalField(_("amount (CNY)"), validators=[validate_deal_amount], **MONEY)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson credited"),
        on_delete=models.PROTECT,
        related_name="credited_deals",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.DIRECT)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED)
    issued_on = models.DateField(_("order issued on"), validators=[validate_date_in_window])
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    paid_on = models.DateField(_("fully paid on"), null=True, blank=True)
    renewal_on = models.DateField(
        _("next need or renewal on"), null=True, blank=True, validators=[validate_date_in_window]
    )
    next_need = models.CharField(_("next need"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[validate_note_length])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # Kept by the ledger services under the customer's lock: the sum of the deal's entries' effects
    # (below zero: the customer's credit). Stored so receivables and credits need no scan of the ledger.
    balance = models.DecimalField(_("balance (CNY)"), default=ZERO, **MONEY)

    history = HistoricalRecords(excluded_fields=["updated_at", "balance"])
    objects = DealQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "issued_on"], name="deal_customer_idx"),
            models.Index(fields=["salesperson", "status"], name="deal_salesperson_idx"),
            models.Index(fields=["renewal_on"], name="deal_renewal_idx"),
            models.Index(fields=["-issued_on", "-id"], name="deal_issued_idx"),
            models.Index(fields=["customer"], condition=Q(balance__lt=0), name="deal_credit_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="deal_unique_number_per_product"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deal_amount_positive"),
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True) | Q(delivered_on__gte=F("issued_on")),
                name="deal_delivered_after_issued",
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=F("issued_on")), name="deal_paid_after_issued"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("deals:deal_detail", kwargs={"pk": self.pk})


class Instalment(models.Model):
    """One step of a deal's payment plan: how much, due when; ``collected`` is kept by the ledger services."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("number"))
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    due_on = models.DateField(_("due on"))
    collected = models.DecimalField(_("collected (CNY)"), default=ZERO, **MONEY)
    remind_days_before = models.PositiveSmallIntegerField(_("remind days before"), default=3)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["deal", "sequence"]
        indexes = [models.Index(fields=["due_on"], name="instalment_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["deal", "sequence"], name="instalment_unique_sequence"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(collected__gte=0), name="instalment_collected_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.deal.number} #{self.sequence}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.collected, ZERO)


class LedgerEntry(models.Model):
    """One line of the customer ledger. Append-only: a correction is a new entry that ``reverses`` this one.

    ``effect`` is the signed change of what the customer owes: order +, payment −, return −, refund +,
    delivery and follow-up call 0; a reversal carries the opposite effect of the entry it reverses.
    A credit carried from one deal to the next is a pair: ``carry_out`` (+) on the deal that had it and
    ``carry_in`` (−, ``carried_from`` the first) on the deal it pays.

    ``entry_on`` is when it happened (a reversal is dated when it is entered); ``counts_on`` is the day
    it counts on for attainment: its own date, or for a reversal, a return or a refund the date of what
    it takes back (DESIGN.md §4), so a correction never lands on the month it was entered.
    """

    class Kind(models.TextChoices):
        ORDER = "order", _("Order issued")
        DELIVERY = "delivery", _("Delivered")
        PAYMENT = "payment", _("Payment collected")
        RETURN = "return", _("Return")
        REFUND = "refund", _("Refund")
        CALL = "call", _("Follow-up call")
        CARRY_OUT = "carry_out", _("Credit carried to another deal")
        CARRY_IN = "carry_in", _("Credit carried from another deal")

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount (CNY)"), default=ZERO, **MONEY)
    effect = models.DecimalField(_("effect on the balance (CNY)"), default=ZERO, **MONEY)
    entry_on = models.DateField(_("date"))
    counts_on = models.DateField(_("counts for attainment on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    carried_from = models.OneToOneField(
        "self",
        verbose_name=_("credit carried from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
    )
    # Unique per user (the constraint below): a retry by the same person answers the first entry.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["entry_on", "id"]
        indexes = [
            models.Index(fields=["customer", "entry_on", "id"], name="ledger_customer_idx"),
            models.Index(fields=["deal", "kind"], name="ledger_deal_idx"),
            models.Index(fields=["kind", "entry_on"], name="ledger_kind_idx"),
            models.Index(fields=["kind", "counts_on"], name="ledger_kind_counts_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="ledger_amount_not_negative"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ledger_idempotency_key_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_on} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: an entry is written once; corrections are reversing entries.
        if self.pk is not None and not self._state.adding:
            raise AppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class PriceAgreement(TimeStampedModel):
    """The price or discount agreed with one customer for one product, from a date, until a date or open."""

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="price_agreements"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    price = models.DecimalField(_("agreed price (CNY)"), null=True, blank=True, **MONEY)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("agreed price")
        verbose_name_plural = _("agreed prices")
        ordering = ["product__name", "-valid_from"]
        indexes = [models.Index(fields=["customer", "product", "valid_from"], name="price_agreement_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(price__isnull=False, discount_percent__isnull=True) & Q(price__gt=0))
                | (
                    Q(price__isnull=True, discount_percent__isnull=False)
                    & Q(discount_percent__gt=0, discount_percent__lt=100)
                ),
                name="price_agreement_price_or_discount",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="price_agreement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.product}"


class RenewalReminder(models.Model):
    """The renewal reminder sent for one deal and renewal date: at most one (the unique constraint)."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="renewal_reminders")
    renewal_on = models.DateField(_("renewal on"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [
            models.UniqueConstraint(fields=["deal", "renewal_on"], name="one_renewal_reminder_per_deal_and_date")
        ]
        indexes = [models.Index(fields=["notified_at"], name="renewal_reminder_pending_idx")]

    def __str__(self) -> str:
        return f"{self.deal} → {self.renewal_on}"


def showcase_photo_path(instance: ShowcasePhoto, filename: str) -> str:
    return f"showcase/{uuid.uuid4().hex}.jpg"


class ShowcasePhoto(models.Model):
    """A photo of the customer using what they bought, kept only with the customer's recorded consent."""

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="showcase_photos"
    )
    image = models.ImageField(_("photo"), upload_to=showcase_photo_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    consent = models.BooleanField(_("the customer agreed to its use in publicity"), default=False)
    consent_by = models.CharField(_("consent given by"), max_length=100)
    consent_on = models.DateField(_("consent given on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ShowcasePhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("showcase photo")
        verbose_name_plural = _("showcase photos")
        ordering = ["customer", "id"]
        constraints = [models.CheckConstraint(condition=Q(consent=True), name="showcase_photo_needs_consent")]

    def __str__(self) -> str:
        return self.caption or str(self.customer)

"""Service tools (服务职能): product coverages and their rate tables, on-site quotes (现场预算) and policy
check-ups (保单体检) scored against a checklist the admin edits.

Re-exported by ``accounts.models``; import them from there. Every figure is a Decimal; a quote and a
check-up store the inputs they were computed from and the result, so both can be recomputed and compared.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.deals.models import MONEY, Deal, PriceAgreement, Product
from accounts.service_tools.querysets import PolicyCheckupQuerySet, QuoteQuerySet
from crm.models import TimeStampedModel

RATE = {"max_digits": 9, "decimal_places": 4}


class RateInput(models.TextChoices):
    """What a rate table's bands are measured on; the quote form asks for it."""

    VEHICLE_VALUE = "vehicle_value", _("Vehicle value (CNY)")
    SEATS = "seats", _("Seats")
    SUM_INSURED = "sum_insured", _("Sum insured (CNY)")


class Coverage(models.Model):
    """An option of a product (for car insurance: a coverage such as 车损险), priced by its rate tables."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="coverages")
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_required = models.BooleanField(
        _("always included"), default=False, help_text=_("Compulsory cover: always part of a quote.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        ordering = ["product", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "code"], name="coverage_unique_code")]

    def __str__(self) -> str:
        return self.name


class RateTable(models.Model):
    """The bands that price one coverage over one input, valid from a date until a date or open.

    The bands must run end to end (no gap, no overlap); the services and the admin refuse a table that does
    not. Two tables of one coverage may not be valid on the same day.
    """

    coverage = models.ForeignKey(
        Coverage, verbose_name=_("coverage"), on_delete=models.PROTECT, related_name="rate_tables"
    )
    input = models.CharField(_("priced on"), max_length=20, choices=RateInput.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Raised by every save (``save_rate_table``): an editor opened before another save is refused, not overwritten.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate table")
        verbose_name_plural = _("rate tables")
        ordering = ["coverage", "-valid_from"]
        indexes = [models.Index(fields=["coverage", "valid_from"], name="rate_table_validity_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="rate_table_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.coverage} {self.valid_from:%Y-%m-%d}"


class RateBand(models.Model):
    """From ``lower`` (included) to ``upper`` (excluded; empty = no limit): premium = base + input × rate % +
    input × unit premium. A part left empty is not part of the price (never a prefilled 0.00); the services
    refuse a band with no part above zero."""

    table = models.ForeignKey(RateTable, verbose_name=_("rate table"), on_delete=models.CASCADE, related_name="bands")
    lower = models.DecimalField(_("from (included)"), max_digits=14, decimal_places=2)
    upper = models.DecimalField(_("to (excluded)"), max_digits=14, decimal_places=2, null=True, blank=True)
    base_premium = models.DecimalField(_("fixed premium (CNY)"), null=True, blank=True, **MONEY)
    rate_percent = models.DecimalField(_("rate (percent of the input)"), null=True, blank=True, **RATE)
    unit_premium = models.DecimalField(_("premium per unit of the input (CNY)"), null=True, blank=True, **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate band")
        verbose_name_plural = _("rate bands")
        ordering = ["table", "lower"]
        constraints = [
            models.UniqueConstraint(fields=["table", "lower"], name="rate_band_unique_lower"),
            models.CheckConstraint(condition=Q(upper__isnull=True) | Q(upper__gt=F("lower")), name="rate_band_upper"),
            models.CheckConstraint(
                condition=Q(base_premium__gte=0, rate_percent__gte=0, unit_premium__gte=0),
                name="rate_band_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.lower}, {self.upper or '∞'})"

    @property
    def parts(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        return self.base_premium, self.rate_percent, self.unit_premium


class Quote(TimeStampedModel):
    """An on-site quote (现场预算): the inputs as entered, the premium per coverage and the agreed discount."""

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotes"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="quotes")
    quoted_on = models.DateField(_("quoted on"))
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    lines = models.JSONField(_("premium by coverage"), default=list, blank=True)
    subtotal = models.DecimalField(_("premium before discount (CNY)"), **MONEY)
    agreement = models.ForeignKey(
        PriceAgreement,
        verbose_name=_("agreed price"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    discount = models.DecimalField(_("agreed discount (CNY)"), default=Decimal("0.00"), **MONEY)
    # A discount beyond the agreed price, given on the spot; it may need the manager's approval.
    special_discount = models.DecimalField(_("extra discount (CNY)"), default=Decimal("0.00"), **MONEY)
    total = models.DecimalField(_("premium (CNY)"), **MONEY)
    approval = models.OneToOneField(
        "crm.Approval",
        verbose_name=_("approval"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote",
    )
    deal = models.OneToOneField(
        Deal, verbose_name=_("deal"), on_delete=models.PROTECT, null=True, blank=True, related_name="quote"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("quoted by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-quoted_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "quoted_on"], name="quote_customer_idx"),
            models.Index(fields=["-quoted_on", "-id"], name="quote_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gt=0), name="quote_subtotal_positive"),
            models.CheckConstraint(condition=Q(total__gt=0), name="quote_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.product} · ¥{self.total}"

    def get_absolute_url(self) -> str:
        return reverse("service_tools:quote_detail", kwargs={"pk": self.pk})


class CheckupRule(models.Model):
    """One line of the check-up checklist the admin edits; a failed rule costs its weight and gives advice."""

    class Kind(models.TextChoices):
        COVERAGE_MISSING = "coverage_missing", _("Coverage missing")
        SUM_BELOW = "sum_below", _("Sum insured below a minimum")
        EXPIRING = "expiring", _("A policy expires within N days")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    coverage = models.ForeignKey(
        Coverage, verbose_name=_("coverage"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minimum_sum = models.DecimalField(_("recommended minimum sum (CNY)"), null=True, blank=True, **MONEY)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    advice = models.TextField(_("advice to the customer"))
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("check-up rule")
        verbose_name_plural = _("check-up rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="checkup_rule_weight_1_100"),
            models.CheckConstraint(
                condition=Q(kind="coverage_missing", coverage__isnull=False)
                | Q(kind="sum_below", coverage__isnull=False, minimum_sum__gt=0)
                | Q(kind="expiring", days__isnull=False),
                name="checkup_rule_parameters",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PolicyCheckup(TimeStampedModel):
    """A policy check-up (保单体检): the customer's current policies, the score out of 100 and the gaps found."""

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="policy_checkups"
    )
    checked_on = models.DateField(_("checked on"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    gaps = models.JSONField(_("gaps and advice"), default=list, blank=True)
    rules = models.JSONField(_("checklist used"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = PolicyCheckupQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy check-up")
        verbose_name_plural = _("policy check-ups")
        ordering = ["-checked_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "checked_on"], name="checkup_customer_idx"),
            models.Index(fields=["-checked_on", "-id"], name="checkup_recent_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="checkup_score_at_most_100")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.checked_on:%Y-%m-%d} · {self.score}"

    def get_absolute_url(self) -> str:
        return reverse("service_tools:checkup_detail", kwargs={"pk": self.pk})


class CheckedPolicy(models.Model):
    """One policy the customer holds now, as entered at the check-up; ``sums`` maps coverage id → sum insured."""

    checkup = models.ForeignKey(
        PolicyCheckup, verbose_name=_("policy check-up"), on_delete=models.CASCADE, related_name="policies"
    )
    insurer = models.CharField(_("insurer"), max_length=100)
    number = models.CharField(_("policy number"), max_length=60, blank=True)
    expires_on = models.DateField(_("expires on"))
    premium = models.DecimalField(_("premium (CNY)"), null=True, blank=True, **MONEY)
    sums = models.JSONField(_("sums insured by coverage"), default=dict, blank=True)
    # Set once by the daily renewal job: a policy seen at a check-up is a renewal to win.
    reminded_at = models.DateTimeField(_("renewal reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("checked policy")
        verbose_name_plural = _("checked policies")
        ordering = ["checkup", "expires_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(premium__isnull=True) | Q(premium__gte=0), name="checked_policy_premium")
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.number}".strip()

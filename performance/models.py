"""Monthly sales targets and their breakdown, and the reward tiers."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Team


class SalesTarget(models.Model):
    """The target for one month: the company's total, a team's part or a salesperson's part."""

    class Scope(models.TextChoices):
        COMPANY = "company", _("Company")
        TEAM = "team", _("Team")
        SALESPERSON = "salesperson", _("Salesperson")

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sales_targets",
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["-month", "scope"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="target_amount_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="target_month_is_first_day"),
            models.CheckConstraint(
                condition=(
                    Q(scope="company", team__isnull=True, salesperson__isnull=True)
                    | Q(scope="team", team__isnull=False, salesperson__isnull=True)
                    | Q(scope="salesperson", team__isnull=True, salesperson__isnull=False)
                ),
                name="target_scope_matches_its_subject",
            ),
            models.UniqueConstraint(fields=["month"], condition=Q(scope="company"), name="one_company_target_a_month"),
            models.UniqueConstraint(fields=["month", "team"], name="one_team_target_a_month"),
            models.UniqueConstraint(fields=["month", "salesperson"], name="one_salesperson_target_a_month"),
        ]

    def __str__(self) -> str:
        subject = self.salesperson or self.team or _("Company")
        return f"{self.month:%Y-%m} {subject}: {self.amount}"


class RewardRule(models.Model):
    """A reward tier: from this attainment on, a bonus rate on the attained amount and/or a fixed bonus."""

    name = models.CharField(_("name"), max_length=100)
    min_attainment_percent = models.DecimalField(_("from attainment (%)"), max_digits=6, decimal_places=2)
    bonus_rate_percent = models.DecimalField(
        _("bonus rate (percent of attained amount)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    bonus_amount = models.DecimalField(_("fixed bonus (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reward tier")
        verbose_name_plural = _("reward tiers")
        ordering = ["min_attainment_percent"]
        constraints = [
            models.CheckConstraint(condition=Q(min_attainment_percent__gte=0), name="reward_threshold_not_negative"),
            models.CheckConstraint(
                condition=Q(bonus_rate_percent__gte=0, bonus_amount__gte=0), name="reward_not_negative"
            ),
            models.UniqueConstraint(
                fields=["min_attainment_percent"], condition=Q(is_active=True), name="one_active_tier_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ≥ {self.min_attainment_percent}%"

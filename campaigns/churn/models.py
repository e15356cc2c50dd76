"""Churn alert 防止客户流失 (seed 二三2): customers at risk, with the reason, listed by the nightly job."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.churn.querysets import ChurnRiskQuerySet


class ChurnSettings(models.Model):
    """A team's churn windows; a team without a row uses the defaults of the fields."""

    team = models.OneToOneField(
        "crm.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="churn_settings"
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal window (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("A policy renewing within this many days is watched."),
    )
    contact_window_days = models.PositiveSmallIntegerField(
        _("contact window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("No visit or call in this many days before a renewal is a risk."),
    )
    buying_grace_days = models.PositiveSmallIntegerField(
        _("grace after the usual buying interval (days)"),
        default=30,
        validators=[MaxValueValidator(366)],
        help_text=_("A customer who bought in the last year and not within their usual interval plus this is a risk."),
    )

    class Meta:
        verbose_name = _("churn settings")
        verbose_name_plural = _("churn settings")

    def __str__(self) -> str:
        return str(self.team)


DEFAULT_WINDOWS = ChurnSettings(renewal_window_days=60, contact_window_days=30, buying_grace_days=30)


class ChurnRisk(models.Model):
    """One customer at risk for one reason, as of the last nightly run. The job keeps one row per
    (customer, reason) while it holds and deletes it when it no longer does; a visit, call or deal
    removes it at once."""

    class Reason(models.TextChoices):
        RENEWAL_NO_CONTACT = "renewal_no_contact", _("Renewal coming up, no visit or call")
        STOPPED_BUYING = "stopped_buying", _("Stopped buying")

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="churn_risks"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    # Renewal: the renewal date; stopped buying: the last order's date.
    key_date = models.DateField(_("date"))
    last_contact_on = models.DateField(_("last visit or call"), null=True, blank=True)
    usual_interval_days = models.PositiveIntegerField(_("usual interval (days)"), null=True, blank=True)
    found_on = models.DateField(_("found on"))
    checked_on = models.DateField(_("checked on"))

    objects = ChurnRiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("churn risk")
        verbose_name_plural = _("churn risks")
        ordering = ["key_date", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "reason"], name="churn_risk_one_per_reason")]
        indexes = [models.Index(fields=["salesperson", "key_date"], name="churn_risk_salesperson_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason}"

    @property
    def explanation(self) -> str:
        """The reason in a sentence, in the reader's language."""
        from django.utils.translation import gettext

        if self.reason == self.Reason.STOPPED_BUYING:
            return gettext("Usually orders every %(days)d days; last order on %(date)s.") % {
                "days": self.usual_interval_days or 0,
                "date": self.key_date.isoformat(),
            }
        if self.last_contact_on is None:
            return gettext("Renews on %(date)s; never visited or called.") % {"date": self.key_date.isoformat()}
        return gettext("Renews on %(date)s; last visit or call on %(last)s.") % {
            "date": self.key_date.isoformat(),
            "last": self.last_contact_on.isoformat(),
        }

"""Visits, intent ratings, daily forms, the working-day calendar and visit quotas."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class WorkingDay(models.Model):
    """An exception to the Monday-to-Friday week: a public holiday or a make-up working day 调休."""

    day = models.DateField(_("day"), unique=True)
    is_working = models.BooleanField(
        _("is a working day"), help_text=_("Off for a public holiday; on for a make-up working day.")
    )
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("working-day calendar")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.note}"


class Leave(models.Model):
    """Days a salesperson is away; they are never counted as a shortfall."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="leaves"
    )
    start_day = models.DateField(_("first day"))
    end_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["-start_day"]
        constraints = [
            models.CheckConstraint(condition=Q(end_day__gte=F("start_day")), name="leave_ends_after_it_starts"),
        ]
        indexes = [models.Index(fields=["start_day", "end_day"], name="leave_period_idx")]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.start_day}–{self.end_day}"


class QuotaOverride(models.Model):
    """A personal daily minimum that replaces the team's, from a day on (until another starts)."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        related_name="quota_overrides",
    )
    daily_minimum = models.PositiveSmallIntegerField(_("daily minimum"))
    valid_from = models.DateField(_("valid from"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal quota")
        verbose_name_plural = _("personal quotas")
        ordering = ["salesperson", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "valid_from"], name="one_quota_override_per_start_day"),
        ]

    def __str__(self) -> str:
        return f"{self.salesperson}: {self.daily_minimum}"

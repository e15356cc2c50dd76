"""Daily reports 日报: the salesperson's day as handed in (figures kept as submitted, three texts of their
own) and the comments on it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.bounds import validate_note_length
from visits.reports.querysets import DailyReportCommentQuerySet, DailyReportQuerySet

if TYPE_CHECKING:
    from visits.reports.figures import DayFigures

MONEY = {"max_digits": 14, "decimal_places": 2}


class DailyReport(models.Model):
    """One salesperson's report of one day.

    The figures are those of the day at submission (a snapshot: the report is what was handed in, and
    what the manager comments on); ``visits.reports.selectors`` reads the day as it is now, and the
    pages say when the two differ. In a team on daily forms the report is also the day's form
    submission (``form_submission``).
    """

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="daily_reports"
    )
    day = models.DateField(_("day"))
    form_submission = models.ForeignKey(
        "visits.FormSubmission",
        verbose_name=_("form submission"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="daily_reports",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    due_at = models.DateTimeField(_("due at"))
    late = models.BooleanField(_("late"), default=False)
    # The figures as submitted (visits.reports.figures.DayFigures).
    visits_by_kind = models.JSONField(_("visits by kind"), default=dict)
    intent_counts = models.JSONField(_("ratings given"), default=dict)
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)
    deal_count = models.PositiveIntegerField(_("deals"), default=0)
    deal_amount = models.DecimalField(_("deal amount (CNY)"), default=Decimal("0.00"), **MONEY)
    quota_required = models.PositiveSmallIntegerField(_("visit quota"), null=True, blank=True)
    quota_counted = models.PositiveSmallIntegerField(_("visits counted toward the quota"), default=0)
    # In the salesperson's words.
    went_well = models.TextField(_("what went well"), blank=True, validators=[validate_note_length])
    problems = models.TextField(_("problems"), blank=True, validators=[validate_note_length])
    tomorrow_plan = models.TextField(_("tomorrow's plan"), blank=True, validators=[validate_note_length])
    texts_edited_at = models.DateTimeField(_("texts edited at"), null=True, blank=True)

    objects = DailyReportQuerySet.as_manager()

    # Set by submit_daily_report on the report it returns, not a column: a resend of the same report
    # (a double tap, a retried request) answers the one stored first.
    replayed: bool = False

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "salesperson"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "day"], name="one_daily_report_per_salesperson_day"),
            models.CheckConstraint(condition=Q(deal_amount__gte=0), name="daily_report_deal_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["day"], name="daily_report_day_idx")]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.day.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", kwargs={"pk": self.pk})

    @property
    def figures(self) -> DayFigures:
        """The figures as submitted."""
        from visits.reports.figures import DayFigures  # reads visits.models, which imports this module

        return DayFigures(
            visits_by_kind=self.visits_by_kind,
            intent_counts=self.intent_counts,
            new_customers=self.new_customers,
            deal_count=self.deal_count,
            deal_amount=self.deal_amount,
            quota_required=self.quota_required,
            quota_counted=self.quota_counted,
        )

    @property
    def texts_editable_until(self) -> datetime:
        """The end of the day after the report's day (the morning meeting's day): the salesperson may
        correct the texts until then, unless someone has commented (``visits.reports.services``)."""
        return timezone.make_aware(datetime.combine(self.day + timedelta(days=2), time.min))


class DailyReportComment(models.Model):
    """One message in a report's thread: the manager's (or the admin's) comment, or the salesperson's reply."""

    report = models.ForeignKey(
        DailyReport, verbose_name=_("daily report"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"), validators=[validate_note_length])
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = DailyReportCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment on a daily report")
        verbose_name_plural = _("comments on daily reports")
        ordering = ["report", "created_at", "pk"]
        indexes = [models.Index(fields=["report", "created_at"], name="daily_report_comment_idx")]

    def __str__(self) -> str:
        return f"{self.report}: {self.text[:40]}"

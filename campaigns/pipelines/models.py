"""Two channels worked as pipelines of their own (market plan 一、市场 2): agent recruitment 代理人加盟 and
government tenders 政府招投标. Each record belongs to a channel territory and is owned by the person who owns
that territory (the channel's person); each stage change is one row of its history (who, when, why)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.pipelines.querysets import PipelineQuerySet
from crm.bounds import validate_date_in_window, validate_deal_amount, validate_name
from crm.models import TimeStampedModel

# The channel type (territories' seeded list) whose territories own tenders.
TENDER_CHANNEL = "government-tenders"


class CandidateStage(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    INTERVIEWED = "interviewed", _("Interviewed")
    SIGNED = "signed", _("Signed")
    LICENSED = "licensed", _("Licensed")
    FIRST_POLICY = "first_policy", _("First policy")
    DROPPED = "dropped", _("Dropped")


class TenderStage(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    DOCUMENTS_BOUGHT = "documents_bought", _("Documents bought")
    SUBMITTED = "submitted", _("Submitted")
    OPENED = "opened", _("Opened")
    WON = "won", pgettext_lazy("tender", "Won")
    LOST = "lost", pgettext_lazy("tender", "Lost")


class Candidate(TimeStampedModel):
    """An agent being recruited 代理人, from a source channel (e.g. the life-insurance channel)."""

    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    phone = models.CharField(_("phone"), max_length=30)
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("channel territory"), on_delete=models.PROTECT, related_name="+"
    )
    source_channel = models.ForeignKey(
        "territories.ChannelType", verbose_name=_("source channel"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="recruit_candidates"
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=CandidateStage.choices, default=CandidateStage.CONTACTED
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    drop_reason = models.CharField(_("reason dropped"), max_length=300, blank=True)
    contacted_on = models.DateField(_("contacted on"))
    interviewed_on = models.DateField(_("interviewed on"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    licensed_on = models.DateField(_("licensed on"), null=True, blank=True)
    first_policy_on = models.DateField(_("first policy on"), null=True, blank=True)
    dropped_on = models.DateField(_("dropped on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("recruit candidate")
        verbose_name_plural = _("recruit candidates")
        ordering = ["-stage_changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage="dropped") | ~Q(drop_reason=""), name="candidate_dropped_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["owner", "stage"], name="candidate_owner_stage_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:candidate_detail", kwargs={"pk": self.pk})


class CandidateStageChange(models.Model):
    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from"), max_length=20, choices=CandidateStage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=CandidateStage.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("candidate stage change")
        verbose_name_plural = _("candidate stage changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.from_stage} → {self.to_stage}"


class Tender(TimeStampedModel):
    """A government tender 政府招投标 followed from its announcement to its result."""

    title = models.CharField(_("title"), max_length=200, validators=[validate_name])
    buyer = models.CharField(
        _("buyer"), max_length=200, help_text=_("The government unit that buys."), validators=[validate_name]
    )
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("channel territory"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="tenders"
    )
    amount_estimate = models.DecimalField(
        _("estimated amount"), max_digits=14, decimal_places=2, validators=[validate_deal_amount]
    )
    announced_on = models.DateField(_("announced on"), validators=[validate_date_in_window])
    documents_deadline = models.DateField(
        _("documents purchase deadline"), null=True, blank=True, validators=[validate_date_in_window]
    )
    submission_deadline = models.DateField(_("submission deadline"), validators=[validate_date_in_window])
    opening_on = models.DateField(_("opening date"), null=True, blank=True, validators=[validate_date_in_window])
    stage = models.CharField(_("stage"), max_length=20, choices=TenderStage.choices, default=TenderStage.ANNOUNCED)
    stage_changed_at = models.DateTimeField(_("stage changed at"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    lost_reason = models.CharField(_("reason lost"), max_length=300, blank=True)
    documents_bought_on = models.DateField(_("documents bought on"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    decided_on = models.DateField(_("won or lost on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["submission_deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_estimate__gte=0), name="tender_amount_not_negative"),
            models.CheckConstraint(condition=~Q(stage="lost") | ~Q(lost_reason=""), name="tender_lost_has_reason"),
        ]
        indexes = [models.Index(fields=["owner", "stage"], name="tender_owner_stage_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:tender_detail", kwargs={"pk": self.pk})


class TenderStageChange(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=TenderStage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=TenderStage.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("tender stage change")
        verbose_name_plural = _("tender stage changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.from_stage} → {self.to_stage}"


class TenderReminder(models.Model):
    """A reminder sent to the owner before one of the tender's deadlines: one per deadline and date (a
    deadline moved to another day is a new deadline, reminded again)."""

    class Deadline(models.TextChoices):
        DOCUMENTS = "documents", _("Documents purchase deadline")
        SUBMISSION = "submission", _("Submission deadline")
        OPENING = "opening", _("Opening date")

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.CASCADE, related_name="reminders")
    deadline = models.CharField(_("deadline"), max_length=20, choices=Deadline.choices)
    deadline_on = models.DateField(_("deadline date"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("tender reminder")
        verbose_name_plural = _("tender reminders")
        constraints = [
            models.UniqueConstraint(fields=["tender", "deadline", "deadline_on"], name="tender_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} {self.deadline} {self.deadline_on}"

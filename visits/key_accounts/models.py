"""Follow-up 业务跟进: the key-account shortlist 重点客户 and joint visits 陪同拜访, built from the visits' ratings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from crm.models import TimeStampedModel
from visits.key_accounts.querysets import JointVisitRequestQuerySet, KeyAccountEntryQuerySet


class KeyAccountEntry(TimeStampedModel):
    """One customer on a salesperson's key-account shortlist 重点客户 for one week (Monday)."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        SECOND_VISIT_DONE = "second_visit_done", _("Second visit done")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        POSTPONED = "postponed", _("Postponed")

    class Origin(models.TextChoices):
        RATING = "rating", _("From an intent rating")
        CARRIED = "carried", _("Carried from last week")

    CLOSED_OUTCOMES = (Outcome.WON, Outcome.LOST)

    week = models.DateField(_("week"), help_text=_("The Monday of the week."))
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="key_account_entries",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="key_account_entries"
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.RATING)
    carried_from = models.ForeignKey(
        "self", verbose_name=_("carried from"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    intent = models.CharField(_("intent"), max_length=1, choices=Customer.Intent.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Codes of visits.models.Obstacle (price, coverage, profit_ratio, trust, other).
    obstacles = models.JSONField(_("obstacles"), default=list, blank=True)
    obstacle_detail = models.CharField(_("obstacle detail"), max_length=300, blank=True)
    prepared_answer = models.TextField(_("answer prepared for the second visit"), blank=True)
    planned_on = models.DateField(_("second visit planned on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    outcome_note = models.CharField(_("outcome note"), max_length=300, blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = KeyAccountEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("key-account entry")
        verbose_name_plural = _("key-account entries")
        ordering = ["-week", "salesperson", "planned_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["salesperson", "week", "customer"], name="one_key_account_entry_per_salesperson_week"
            ),
        ]
        indexes = [
            models.Index(fields=["week", "salesperson"], name="key_account_week_idx"),
            models.Index(fields=["customer", "week"], name="key_account_customer_idx"),
            models.Index(fields=["week", "outcome"], name="key_account_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.week.isoformat()} {self.customer_id}"

    def get_absolute_url(self) -> str:
        return reverse("key_accounts:entry_detail", kwargs={"pk": self.pk})

    @property
    def is_closed(self) -> bool:
        return self.outcome in self.CLOSED_OUTCOMES


class JointVisitRequest(TimeStampedModel):
    """A salesperson asks their manager to come along (陪同拜访), or to receive the customer at the office."""

    class Mode(models.TextChoices):
        JOINT_VISIT = "joint", _("Joint visit with the manager")
        OFFICE = "office", _("Invite the customer to the office")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the manager")
        OTHER_TIME = "other_time", _("Manager proposed another time")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Visit logged")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.PENDING, Status.OTHER_TIME, Status.ACCEPTED)

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="joint_visit_requests"
    )
    entry = models.ForeignKey(
        KeyAccountEntry,
        verbose_name=_("key-account entry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="joint_visit_requests",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="joint_visit_requests_made",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="joint_visit_requests_received",
    )
    mode = models.CharField(_("kind"), max_length=10, choices=Mode.choices, default=Mode.JOINT_VISIT)
    reason = models.TextField(_("reason"))
    proposed_at = models.DateTimeField(_("proposed time"))
    alternative_at = models.DateTimeField(_("alternative time"), null=True, blank=True)
    manager_proposed_at = models.DateTimeField(_("time proposed by the manager"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("agreed time"), null=True, blank=True)
    response_note = models.CharField(_("manager's note"), max_length=300, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="joint_visit_requests",
    )

    objects = JointVisitRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint-visit request")
        verbose_name_plural = _("joint-visit requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["manager", "status"], name="joint_visit_manager_idx"),
            models.Index(fields=["salesperson", "status"], name="joint_visit_salesperson_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(salesperson=F("manager")), name="joint_visit_manager_is_someone_else"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_mode_display()} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("key_accounts:joint_visit_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

"""The organisation: users with a role, teams, in-app notifications."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Team(TimeStampedModel):
    class FormSubmission(models.TextChoices):
        DAILY = "daily", _("Daily, before the morning meeting")
        WEEKLY = "weekly", _("Weekly, by Friday")

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="managed_teams",
        null=True,
        blank=True,
    )
    form_submission = models.CharField(
        _("form submission"), max_length=10, choices=FormSubmission.choices, default=FormSubmission.DAILY
    )
    daily_visit_quota = models.PositiveSmallIntegerField(_("daily visit quota"), default=8)
    # Only visits at the customer's count toward the quota unless the team says otherwise
    # (visits.selectors.visits_counted_for_quota is the one place that reads these).
    quota_counts_phone_calls = models.BooleanField(
        _("phone calls count toward the visit quota"),
        default=False,
        help_text=_("Off: only visits at the customer's count."),
    )
    quota_counts_office_visits = models.BooleanField(
        _("customers' visits to the office count toward the visit quota"),
        default=False,
        help_text=_("Off: only visits at the customer's count."),
    )
    # Location trust and the repeat guard (visits.trust reads these; empty radius: the branch default).
    check_in_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(50_000)],
        help_text=_("A check-in farther than this from the customer asks for a reason. Empty: the branch default."),
    )
    repeat_visit_window_minutes = models.PositiveSmallIntegerField(
        _("repeat-visit window (minutes)"),
        default=30,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_(
            "The same customer and kind of visit again within this time updates the visit already logged. 0: off."
        ),
    )

    # Quotes discounted further than this (off the list premium) wait for the manager (accounts.service_tools).
    discount_limit_percent = models.DecimalField(
        _("discount limit (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        db_default=Decimal("10.00"),  # rows written without it (raw SQL, older code) get the default too
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("A quote discounted further than this off the list premium waits for the manager's approval."),
    )

    # Where the team's group chat hears of its members' notifications (crm.notifications.channels): a WeCom
    # (企业微信) or DingTalk (钉钉) group robot's webhook address; DingTalk's "加签" secret when the robot has one.
    wecom_robot_url = models.URLField(_("WeCom group robot webhook"), max_length=500, blank=True)
    dingtalk_robot_url = models.URLField(_("DingTalk group robot webhook"), max_length=500, blank=True)
    dingtalk_robot_secret = models.CharField(
        _("DingTalk robot signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Only when the robot's security setting is 'sign': the secret that starts with SEC."),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        SALESPERSON = "salesperson", _("Salesperson")
        MANAGER = "manager", _("Manager")
        INFO_STAFF = "info_staff", _("Info staff")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALESPERSON, db_index=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Which notifications reach them beyond the in-app inbox, and how: {kind: [channel, ...]}; a kind not
    # listed gets its default (crm.notifications.kinds).
    notification_channels = models.JSONField(_("notification channels"), default=dict, blank=True)
    # Raised by "sign out everywhere" and deactivation: every session signed in before no longer matches
    # (see get_session_auth_hash), as after a password change.
    sign_out_generation = models.PositiveIntegerField(_("sign-out generation"), default=0, editable=False)
    # The person's identity in WeCom / DingTalk, set by the admin only (empty: not linked): for signing in with
    # them (crm.sso) and, for WeCom, for application messages to the person (crm.notifications).
    wecom_userid = models.CharField(_("WeCom userid"), max_length=64, blank=True, default="")
    dingtalk_unionid = models.CharField(_("DingTalk unionId"), max_length=64, blank=True, default="")

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                fields=["wecom_userid"], condition=~models.Q(wecom_userid=""), name="user_unique_wecom_userid"
            ),
            models.UniqueConstraint(
                fields=["dingtalk_unionid"],
                condition=~models.Q(dingtalk_unionid=""),
                name="user_unique_dingtalk_unionid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names read family name first, with no space.
        return f"{self.last_name}{self.first_name}".strip()

    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)

    def _session_auth_hash(self, *, secret: str | None) -> str:
        """Django's session hash (an HMAC of the password hash: a new password ends the other sessions), with
        the sign-out generation mixed in once it is raised. At 0 it is Django's exactly, so sessions signed in
        before this existed stay valid."""
        value = self.password if not self.sign_out_generation else f"{self.password}:{self.sign_out_generation}"
        salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def is_salesperson(self) -> bool:
        return self.role == self.Role.SALESPERSON

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_info_staff(self) -> bool:
        return self.role == self.Role.INFO_STAFF

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50)
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return self.link or reverse("home")


class Delivery(models.Model):
    """One notification sent by one channel beyond the in-app inbox (crm.notifications).

    pending -> sending (claimed by one worker in a single UPDATE ... WHERE status='pending', committed
    before the provider is called) -> sent, or back to pending with the error and a retry later, or
    failed after the last attempt. A row left "sending" by a worker that died is resolved by the next
    run once CRM["NOTIFY_SENDING_TIMEOUT_SECONDS"] has passed (see crm.notifications.services.deliver).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WECOM_ROBOT = "wecom_robot", _("WeCom team group")
        DINGTALK_ROBOT = "dingtalk_robot", _("DingTalk team group")
        WECOM_APP = "wecom_app", _("WeCom message to me")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [
            models.Index(fields=["-created_at"], name="delivery_failed_idx", condition=models.Q(status="failed"))
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.notification_id}"


class PendingTask(models.Model):
    """A Celery task to send once the transaction that asked for it has committed (the outbox).

    The row is written in the same transaction as the change it follows, so a task is never sent
    for a change that was rolled back, and never lost when the broker is down or frozen at commit
    time: ``crm.outbox.relay_pending_tasks`` sends what is still unsent, every minute.
    """

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")
        indexes = [
            models.Index(fields=["created_at"], name="pendingtask_unsent_idx", condition=models.Q(sent_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class Approval(TimeStampedModel):
    """One request that waits for someone's yes or no (leave, a discount, a customer moved, …).

    The engine (``crm.approvals``) knows no kinds: each app registers its own, with what a decision
    does. The approver is chosen when the request is made (the requester's team manager; an
    administrator for a manager's own request) and stays the one who may decide it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=50)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="approvals_requested",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="approvals_to_decide",
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    # What the kind needs to apply the decision (JSON: dates as ISO strings, ids).
    payload = models.JSONField(_("details"), default=dict)
    summary = models.CharField(_("summary"), max_length=300)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=500, blank=True)
    # How many reminders the approver has had (one per threshold in crm.approvals.REMINDER_AFTER).
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["approver", "state"], name="approval_inbox_idx"),
            models.Index(fields=["requester", "-created_at"], name="approval_requester_idx"),
            models.Index(fields=["kind", "state"], name="approval_kind_state_idx"),
        ]

    def __str__(self) -> str:
        return self.summary


def _export_path(export: Export, filename: str) -> str:
    # A random-looking name under the owner's id: files of exports are never guessed nor listed.
    return f"exports/{export.owner_id}/{export.token}/{filename}"


class Export(models.Model):
    """A spreadsheet written by a worker for one person (a list too long to write inside a request).

    The rows are the owner's: the worker computes them with the owner's scope (``visible_to``) and
    the filters of the page the export was asked from. The file goes through Django's storage API, so it
    may live on disk or on S3-compatible storage; it is deleted after ``CRM["EXPORT_KEEP_HOURS"]``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (.xlsx)")
        CSV = "csv", _("CSV")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(_("kind"), max_length=50)
    label = models.CharField(_("label"), max_length=200)
    # The page's query (filters), as the list page reads it again in the worker.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.XLSX)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows in all"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    token = models.CharField(_("token"), max_length=32, editable=False)
    filename = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to=_export_path, max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="export_owner_idx"),
            models.Index(fields=["status", "expires_at"], name="export_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.label

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.rows_written * 100 // self.total_rows) if self.total_rows else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

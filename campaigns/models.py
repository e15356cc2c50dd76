"""Publicity 宣传配合: campaigns, prospect-list imports, mailings, phone inquiries, events, competitor reports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from campaigns.churn.models import ChurnRisk, ChurnSettings  # noqa: F401
from campaigns.partners.models import Partner, PartnerLead  # noqa: F401
from campaigns.querysets import (
    CampaignMaterialQuerySet,
    CampaignQuerySet,
    CompetitorReportQuerySet,
    EventQuerySet,
    PhoneInquiryQuerySet,
    ProspectImportQuerySet,
)
from crm.bounds import validate_name
from crm.models import TimeStampedModel


def _upload_path(folder: str, filename: str) -> str:
    # The stored name never comes from the upload; the original name is kept in a field.
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"{folder}/{uuid.uuid4().hex}.{suffix}"


def material_path(instance: CampaignMaterial, filename: str) -> str:
    return _upload_path("campaign_materials", filename)


def import_path(instance: ProspectImport, filename: str) -> str:
    return _upload_path("prospect_imports", filename)


class Campaign(TimeStampedModel):
    class Kind(models.TextChoices):
        DIRECT_MAIL = "direct_mail", _("Direct mail")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        OUTDOOR_EVENT = "outdoor_event", _("Outdoor event in a residential complex")
        MEDIA = "media", _("Media")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget = models.DecimalField(
        _("budget (CNY)"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    segment = models.JSONField(
        _("target segment"),
        default=dict,
        blank=True,
        help_text=_("A saved filter over customers and prospects: district, channel type, business type, status."),
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["kind", "starts_on"], name="campaign_kind_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign_detail", kwargs={"pk": self.pk})


class CampaignMaterial(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="materials"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = CampaignMaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign material")
        verbose_name_plural = _("campaign materials")
        ordering = ["campaign", "id"]

    def __str__(self) -> str:
        return self.title


class ProspectImport(TimeStampedModel):
    """One uploaded prospect list, from upload through dry run to an all-or-nothing commit."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, columns to map")
        VALIDATING = "validating", _("Checking rows")
        VALIDATED = "validated", _("Checked, ready to commit")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook (.xlsx)")
        CSV = "csv", _("CSV text")

    file = models.FileField(_("file"), upload_to=import_path)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    valid_rows = models.PositiveIntegerField(_("good rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    duplicate_rows = models.PositiveIntegerField(_("duplicate rows"), default=0)
    queued_rows = models.PositiveIntegerField(
        _("rows routed to no one"),
        default=0,
        help_text=_("Good rows that no territory with an owner matches: they go to the “to be assigned” queue."),
    )
    # Empty rows between the header and the last row, skipped by the dry run (trailing ones are not counted).
    empty_rows = models.PositiveIntegerField(_("empty rows skipped"), default=0)
    created_count = models.PositiveIntegerField(_("customers created"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    validated_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    # Liveness of the check or import in progress: set when it is asked for and by its worker as it
    # goes; ``attempt`` numbers the imports asked for, so that a stale copy of the task does nothing.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempt = models.PositiveIntegerField(_("import attempt"), default=0)
    # When the recovery job found its worker gone (nothing of that run was kept); cleared by a new run.
    stopped_at = models.DateTimeField(_("worker stopped at"), null=True, blank=True)

    objects = ProspectImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("prospect import")
        verbose_name_plural = _("prospect imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_creator_idx")]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:import_detail", kwargs={"pk": self.pk})

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def mapping_indexes(self) -> dict[str, int]:
        """Field → column index, from the stored mapping (JSON keeps whatever the form sent)."""
        return {key: int(value) for key, value in (self.mapping or {}).items() if str(value).strip().isdigit()}

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.COMMITTING)


class ImportRowIssue(models.Model):
    """A row the dry run refused or will skip, with the reason, for the page and the error report."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Error")
        DUPLICATE_IN_FILE = "duplicate_in_file", _("Duplicate within the file")
        DUPLICATE_EXISTING = "duplicate_existing", _("Already a customer")

    prospect_import = models.ForeignKey(
        ProspectImport, verbose_name=_("import"), on_delete=models.CASCADE, related_name="issues"
    )
    row_number = models.PositiveIntegerField(_("row"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    column = models.CharField(_("column"), max_length=100, blank=True)
    message = models.CharField(_("message"), max_length=300)
    value = models.CharField(_("value"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("import row issue")
        verbose_name_plural = _("import row issues")
        ordering = ["prospect_import", "row_number", "id"]
        indexes = [models.Index(fields=["prospect_import", "row_number"], name="import_issue_row_idx")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.message}"


class OptOut(models.Model):
    """Someone who asked to receive nothing more on a channel. Checked at every send."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Source(models.TextChoices):
        UNSUBSCRIBE_LINK = "link", _("Unsubscribe link")
        SMS_REPLY = "sms_reply", _("SMS reply")
        BY_HAND = "by_hand", _("Entered by staff")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254, help_text=_("E-mail address or phone in E.164 form."))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="one_opt_out_per_address")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.address}"


class SmsTemplate(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    body = models.TextField(
        _("text"),
        max_length=500,
        help_text=_("Variables: {unit_name}, {contact_name}, {campaign}, {opt_out}."),
    )

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Mailing(TimeStampedModel):
    """One send of a campaign's material to its segment, on one channel."""

    class Channel(models.TextChoices):
        POST = "post", _("Post")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="mailings"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    sms_template = models.ForeignKey(
        SmsTemplate, verbose_name=_("SMS template"), on_delete=models.PROTECT, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_channel_display()}"


class MailingRecipient(models.Model):
    """One recipient of a mailing and what happened to their message: the delivery log."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED_OPTED_OUT = "opted_out", _("Not sent: opted out")

    mailing = models.ForeignKey(Mailing, verbose_name=_("mailing"), on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.SET_NULL, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, help_text=_("Postal address, e-mail or phone."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailing recipient")
        verbose_name_plural = _("mailing recipients")
        ordering = ["mailing", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mailing", "address"], name="one_message_per_address_and_mailing")
        ]
        indexes = [models.Index(fields=["mailing", "status"], name="mailing_recipient_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class Event(TimeStampedModel):
    """An outdoor event (a stand in a new residential complex): place, date, staff, leads."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    name = models.CharField(_("name"), max_length=200)
    partner = models.ForeignKey(
        "campaigns.Partner",
        verbose_name=_("partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    place = models.CharField(_("place"), max_length=300)
    district = models.CharField(_("district"), max_length=50, blank=True)
    held_on = models.DateField(_("date"))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), related_name="events", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["-held_on"], name="event_date_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:event_detail", kwargs={"pk": self.pk})


class PhoneInquiry(TimeStampedModel):
    """电话咨询客户资料: an incoming call (or a lead at an event), routed to the territory's salesperson."""

    class Status(models.TextChoices):
        NEW = "new", _("New, to be assigned")
        ASSIGNED = "assigned", _("Assigned")
        VISITED = "visited", _("Visited")
        CONVERTED = "converted", _("Converted")
        DROPPED = "dropped", _("Dropped")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        EVENT = "event", _("Event lead")

    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    unit_name = models.CharField(_("caller's unit"), max_length=200, blank=True, validators=[validate_name])
    caller_name = models.CharField(_("caller's name"), max_length=100, validators=[validate_name])
    phone = PhoneNumberField(_("phone"), db_index=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    topic = models.TextField(_("what they asked"), max_length=2000)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territory"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="phone_inquiries",
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phone_inquiries",
    )
    deal = models.OneToOneField(
        "accounts.Deal",
        verbose_name=_("deal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="phone_inquiry",
        help_text=_("The deal that came of this inquiry, recorded from the inquiry page."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    visit_id = models.PositiveBigIntegerField(_("visit"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    drop_reason = models.CharField(_("reason for dropping"), max_length=300, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    objects = PhoneInquiryQuerySet.as_manager()

    class Meta:
        verbose_name = _("phone inquiry")
        verbose_name_plural = _("phone inquiries")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="inquiry_received_idx"),
            models.Index(fields=["salesperson", "status"], name="inquiry_salesperson_idx"),
            models.Index(fields=["campaign", "status"], name="inquiry_campaign_idx"),
            models.Index(fields=["status", "assigned_at"], name="inquiry_overdue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(salesperson__isnull=False), name="assigned_inquiry_has_salesperson"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_name or self.caller_name} ({self.received_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:inquiry_detail", kwargs={"pk": self.pk})


class CompetitorReport(TimeStampedModel):
    """市场职能 3: a competitor's product, price, way of operating and policy, where and when seen, by whom."""

    competitor = models.CharField(_("competitor"), max_length=100)
    product = models.CharField(_("product"), max_length=100)
    price = models.DecimalField(
        _("price (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    price_note = models.CharField(_("price details"), max_length=200, blank=True)
    way_of_operating = models.TextField(_("way of operating"), blank=True)
    policy = models.TextField(_("business policy"), blank=True)
    seen_where = models.CharField(_("seen where"), max_length=200)
    seen_on = models.DateField(_("seen on"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CompetitorReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("competitor report")
        verbose_name_plural = _("competitor reports")
        ordering = ["-seen_on", "-id"]
        indexes = [
            models.Index(fields=["product", "competitor", "-seen_on"], name="competitor_product_idx"),
            models.Index(fields=["-seen_on", "-id"], name="competitor_seen_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="competitor_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competitor} · {self.product}"

"""Publicity 宣传配合: campaigns, segments, prospect-list imports, mailings, phone inquiries, telemarketing call
lists 电话营销, events, competitor reports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from campaigns.churn.models import ChurnRisk, ChurnSettings  # noqa: F401
from campaigns.partners.models import Partner, PartnerLead  # noqa: F401
from campaigns.pipelines.models import (  # noqa: F401
    Candidate,
    CandidateStageChange,
    Tender,
    TenderReminder,
    TenderStageChange,
)
from campaigns.querysets import (
    CallEntryQuerySet,
    CallListQuerySet,
    CampaignMaterialQuerySet,
    CampaignQuerySet,
    CompetitorReportQuerySet,
    EventQuerySet,
    PhoneInquiryQuerySet,
    ProspectImportQuerySet,
    SegmentQuerySet,
    SmsReplyQuerySet,
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
        TELEMARKETING = "telemarketing", _("Telemarketing")

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
    # A list of numbers for a call list (telemarketing) instead of prospects: the commit adds them to the list.
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The partner company the list came from: its new customers are the partner's leads."),
    )
    call_list = models.ForeignKey(
        "campaigns.CallList",
        verbose_name=_("call list"),
        on_delete=models.CASCADE,
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
    possible_duplicate_rows = models.PositiveIntegerField(
        _("possible duplicates"),
        default=0,
        help_text=_("Good rows that look like a registered customer: imported unless confirmed as the same."),
    )
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
    # When the dry run began: the commit checks again only the customers registered or changed since.
    check_started_at = models.DateTimeField(_("check started at"), null=True, blank=True)
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
        POSSIBLE_DUPLICATE = "possible_duplicate", _("Possibly a customer already")
        OPTED_OUT = "opted_out", _("On the opt-out / do-not-call list")
        ON_CALL_LIST = "on_call_list", _("Already on the call list")

    prospect_import = models.ForeignKey(
        ProspectImport, verbose_name=_("import"), on_delete=models.CASCADE, related_name="issues"
    )
    row_number = models.PositiveIntegerField(_("row"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    column = models.CharField(_("column"), max_length=100, blank=True)
    message = models.CharField(_("message"), max_length=300)
    value = models.CharField(_("value"), max_length=200, blank=True)
    # A possible duplicate the importer confirmed as the same customer: its row is skipped by the import.
    confirmed = models.BooleanField(_("confirmed as the same customer"), default=False)

    class Meta:
        verbose_name = _("import row issue")
        verbose_name_plural = _("import row issues")
        ordering = ["prospect_import", "row_number", "id"]
        indexes = [models.Index(fields=["prospect_import", "row_number"], name="import_issue_row_idx")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.message}"


class ImportedCustomer(models.Model):
    """A customer an import created: what the import brought in (e.g. how many positions were found)."""

    prospect_import = models.ForeignKey(
        ProspectImport, verbose_name=_("import"), on_delete=models.CASCADE, related_name="imported_customers"
    )
    customer = models.OneToOneField(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("imported customer")
        verbose_name_plural = _("imported customers")

    def __str__(self) -> str:
        return f"{self.prospect_import_id}: {self.customer_id}"


class OptOut(models.Model):
    """Someone who asked to receive nothing more on a channel. Checked at every send and every call.

    The one opt-out and do-not-call list: a phone opted out of SMS or marked "do not call" is offered to no
    call list and sent no SMS (``PHONE_CHANNELS``).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone calls (do not call)")

    class Source(models.TextChoices):
        UNSUBSCRIBE_LINK = "link", _("Unsubscribe link")
        SMS_REPLY = "sms_reply", _("SMS reply")
        BY_HAND = "by_hand", _("Entered by staff")
        CALL = "call", _("Asked on a call")

    # The channels whose opt-outs name a phone: each bars the phone from calls and SMS alike.
    PHONE_CHANNELS = (Channel.SMS, Channel.PHONE)

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
    segment = models.ForeignKey(
        "campaigns.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailings",
        help_text=_("The saved segment mailed; empty: the campaign's own target."),
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
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED_OPTED_OUT = "opted_out", _("Not sent: opted out")

    # Sent by us (a delivery receipt may have said it arrived since).
    SENT_STATUSES = (Status.SENT, Status.DELIVERED)

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
    # The gateway's delivery receipt: its code (e.g. DELIVERED, or why it failed) and when it was reported.
    provider_code = models.CharField(_("gateway status code"), max_length=50, blank=True)
    receipt_at = models.DateTimeField(_("receipt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailing recipient")
        verbose_name_plural = _("mailing recipients")
        ordering = ["mailing", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mailing", "address"], name="one_message_per_address_and_mailing")
        ]
        indexes = [
            models.Index(fields=["mailing", "status"], name="mailing_recipient_status_idx"),
            # Receipts find their message by the gateway's id; replies the last message sent to a number.
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="mailing_recipient_provider_idx"),
            models.Index(fields=["address", "-sent_at"], name="mailing_recipient_address_idx"),
            models.Index(fields=["customer", "-sent_at"], name="mailing_recipient_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class SmsReply(models.Model):
    """An SMS someone sent us (a reply to a mailing, an opt-out…), as the gateway's webhook reported it: stored
    once per gateway message id, matched to the customer by phone and to the last message sent to the number.
    One from an unknown number is kept (no customer) and listed for the desk."""

    provider_id = models.CharField(_("gateway message id"), max_length=100, unique=True)
    phone = models.CharField(_("phone"), max_length=30, help_text=_("E.164 when it is a valid number."))
    text = models.TextField(_("text"), max_length=1000, blank=True)
    received_at = models.DateTimeField(_("received at"))
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    in_reply_to = models.ForeignKey(
        MailingRecipient,
        verbose_name=_("in reply to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )
    opted_out = models.BooleanField(_("opted out"), default=False)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    objects = SmsReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("SMS reply")
        verbose_name_plural = _("SMS replies")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"], name="sms_reply_customer_idx"),
            models.Index(
                fields=["-received_at", "-id"], condition=Q(customer__isnull=True), name="sms_reply_unmatched_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"


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
        TELEMARKETING = "call_list", _("Telemarketing call")

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


# --- segments and telemarketing 电话营销 -------------------------------------------------------------


class Segment(TimeStampedModel):
    """A saved filter over customers (``campaigns.segments`` reads ``criteria``): business type, channel,
    district, vehicles, renewal month (a month, or this / next month as of the day it is used), intent, last
    contact, source campaign. It holds no customer: it is evaluated within the scope of whoever uses it."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = SegmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:segment_detail", kwargs={"pk": self.pk})


class CallList(TimeStampedModel):
    """电话营销: numbers to call, from a segment or imported lists, split among the callers of its channel."""

    class Status(models.TextChoices):
        BUILDING = "building", _("Adding the segment's numbers")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    script = models.TextField(_("script"), max_length=5000, blank=True, help_text=_("What the caller says."))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_lists",
        help_text=_("The inquiries of interested callees are counted for this campaign."),
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel_type = models.ForeignKey(
        "territories.ChannelType",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The callers are the people who own a territory of this channel."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts without answer"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("After this many calls without an answer a number is given up."),
    )
    retry_after_minutes = models.PositiveIntegerField(
        _("retry after (minutes)"), default=120, validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # What adding the segment's numbers found: how many customers, skipped without a phone, opted out, twice.
    build_summary = models.JSONField(_("numbers added"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    callers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("callers"),
        through="campaigns.CallListCaller",
        through_fields=("call_list", "caller"),
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CallListQuerySet.as_manager()

    class Meta:
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="call_list_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="call_list_attempts_positive"),
            models.CheckConstraint(condition=Q(retry_after_minutes__gte=5), name="call_list_retry_at_least_5"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:call_list_detail", kwargs={"pk": self.pk})


class CallListCaller(models.Model):
    """A caller on a call list, from when to when (``removed_at`` empty: calling now)."""

    call_list = models.ForeignKey(
        CallList, verbose_name=_("call list"), on_delete=models.CASCADE, related_name="caller_rows"
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("caller"), on_delete=models.PROTECT, related_name="call_lists"
    )
    added_at = models.DateTimeField(_("added at"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("caller of a call list")
        verbose_name_plural = _("callers of call lists")
        ordering = ["call_list", "caller_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call_list", "caller"], condition=Q(removed_at__isnull=True), name="one_open_caller_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_list}: {self.caller}"


class CallEntry(models.Model):
    """One number of a call list: who holds it, where it stands, when to call again."""

    class Status(models.TextChoices):
        FRESH = "fresh", _("Not called yet")
        RETRY = "retry", _("No answer, to call again")
        CALLBACK = "callback", _("Call back")
        DONE = "done", _("Done")
        BARRED = "barred", _("Do not call")

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", _("No answer")
        CALLBACK = "callback", _("Call back at…")
        NOT_INTERESTED = "not_interested", _("Not interested")
        INTERESTED = "interested", _("Interested")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        DO_NOT_CALL = "do_not_call", _("Do not call")

    # Numbers still to be worked; a caller is offered only these.
    OPEN_STATUSES = (Status.FRESH, Status.RETRY, Status.CALLBACK)
    # Somebody answered who could be talked to.
    REACHED = (Outcome.CALLBACK, Outcome.NOT_INTERESTED, Outcome.INTERESTED, Outcome.DO_NOT_CALL)

    call_list = models.ForeignKey(
        CallList, verbose_name=_("call list"), on_delete=models.CASCADE, related_name="entries"
    )
    position = models.PositiveIntegerField(_("position"))
    # E.164, normalised by whoever adds the number (crm.phones): a plain column, so that 100,000 numbers are
    # written and compared without parsing each one again (PhoneNumberField parses every value it prepares).
    phone = models.CharField(_("phone"), max_length=20)
    name = models.CharField(_("name"), max_length=200, blank=True)
    unit_name = models.CharField(_("unit"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    business_type = models.CharField(_("business type"), max_length=100, blank=True)
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="call_entries",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.FRESH)
    outcome = models.CharField(_("last outcome"), max_length=20, choices=Outcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("calls"), default=0)
    next_call_at = models.DateTimeField(_("call again at"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    reached_at = models.DateTimeField(_("first reached at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # On a caller's screen now: nobody else is offered the same phone, on any list, until the outcome.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on the screen of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("on the screen since"), null=True, blank=True)
    inquiry = models.ForeignKey(
        PhoneInquiry,
        verbose_name=_("inquiry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The inquiry an interested callee became, routed to the territory's salesperson."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CallEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("call list number")
        verbose_name_plural = _("call list numbers")
        ordering = ["call_list", "position"]
        indexes = [
            # The caller's screen walks these in the order it offers numbers (services.calls._due_tiers).
            models.Index(fields=["caller", "status", "next_call_at", "id"], name="call_entry_queue_idx"),
            models.Index(fields=["caller", "status", "position", "id"], name="call_entry_fresh_idx"),
            models.Index(fields=["call_list", "status"], name="call_entry_list_idx"),
            models.Index(fields=["phone", "status"], name="call_entry_phone_idx"),
            models.Index(fields=["claimed_at"], name="call_entry_claim_idx", condition=Q(claimed_by__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["call_list", "phone"], name="one_entry_per_phone_and_list"),
            models.UniqueConstraint(fields=["call_list", "position"], name="one_entry_per_position"),
            # Never two callers on the same number at once, on any list.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(claimed_by__isnull=False), name="one_live_call_per_phone"
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True) | Q(claimed_at__isnull=False), name="claimed_entry_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.unit_name} {self.phone}"


class CallAttempt(models.Model):
    """One call made from a call list and what came of it (the log behind the progress figures)."""

    entry = models.ForeignKey(
        CallEntry, verbose_name=_("number"), on_delete=models.CASCADE, related_name="attempts_made"
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("caller"), on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(_("called at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallEntry.Outcome.choices)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["entry", "called_at", "id"]
        indexes = [
            models.Index(fields=["caller", "called_at"], name="call_attempt_caller_idx"),
            models.Index(fields=["entry", "called_at"], name="call_attempt_entry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_outcome_display()}"

"""Visits, intent ratings, daily forms, the working-day calendar and visit quotas."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.customers.models import Customer
from crm.bounds import validate_date_in_window, validate_note_length
from crm.querysets import PersonalRecordQuerySet
from visits.querysets import VisitPhotoQuerySet, VisitQuerySet


class WorkingDay(models.Model):
    """An exception to the Monday-to-Friday week: a public holiday or a make-up working day 调休."""

    day = models.DateField(_("day"), unique=True)
    is_working = models.BooleanField(
        _("is a working day"), help_text=_("Off for a public holiday; on for a make-up working day.")
    )
    note = models.CharField(_("note"), max_length=100, blank=True)

    history = HistoricalRecords()

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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personal quota")
        verbose_name_plural = _("personal quotas")
        ordering = ["salesperson", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "valid_from"], name="one_quota_override_per_start_day"),
        ]

    def __str__(self) -> str:
        return f"{self.salesperson}: {self.daily_minimum}"


class Obstacle(models.TextChoices):
    PRICE = "price", _("Price")
    COVERAGE = "coverage", _("Coverage")
    PROFIT_RATIO = "profit_ratio", _("Profit ratio")
    TRUST = "trust", _("Trust")
    OTHER = "other", _("Other")


class Material(models.TextChoices):
    COMPANY_INTRODUCTION = "company_introduction", _("Company introduction")
    PRODUCT_INTRODUCTION = "product_introduction", _("Product introduction")
    PRODUCT_POLICY = "product_policy", _("Product policy")
    BUSINESS_CARD = "business_card", _("Business card")


class TalkingPoint(models.TextChoices):
    SELF_INTRODUCTION = "self_introduction", _("Self-introduction")
    PRODUCT_ADVANTAGES = "product_advantages", _("Product advantages")
    CUSTOMER_BENEFIT = "customer_benefit", _("Profit and benefit to the customer")
    CONTACT_LEFT = "contact_left", _("Contact details left")


class Visit(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("First visit")
        SECOND = "second", _("Second visit")
        JOINT = "joint", _("Joint visit with the manager")
        OFFICE = "office", _("Customer came to the office")
        PHONE = "phone", _("Phone call")

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="visits"
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIRST)
    visited_at = models.DateTimeField(_("visited at"), validators=[validate_date_in_window])
    # The local (Asia/Shanghai) date of visited_at, stored so that quota checks group by an index.
    visited_on = models.DateField(_("visit day"), editable=False)
    joint_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager on the visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="joint_visits",
    )
    materials = models.JSONField(_("materials handed over"), default=list, blank=True)
    talking_points = models.JSONField(_("points covered"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[validate_note_length])
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True, validators=[validate_date_in_window])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("position accuracy (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance to the customer (m)"), null=True, blank=True)
    far_from_customer = models.BooleanField(_("far from the customer"), default=False)
    # A check-in by position: a fix within the radius, at the customer's known location (or the
    # first such fix, which sets that location). Only these count when the quota counts verified visits.
    verified = models.BooleanField(_("verified check-in"), default=False)
    # Why the salesperson checked in beyond the team's radius (asked for by record_visit, see visits.trust).
    far_reason = models.CharField(_("reason for checking in far away"), max_length=300, blank=True)
    # The same salesperson's previous check-in with a position that day, and how far and how fast they
    # travelled from it: the manager's review flags a speed no road allows. Kept up to date when a
    # visit synced late slots in between (visits.trust.link_travel).
    previous_check_in = models.ForeignKey(
        "self",
        verbose_name=_("previous check-in"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    distance_from_previous_m = models.PositiveIntegerField(
        _("distance from the previous check-in (m)"), null=True, blank=True
    )
    travel_speed_kmh = models.PositiveIntegerField(
        _("travel speed from the previous check-in (km/h)"), null=True, blank=True
    )
    intent = models.CharField(_("intent"), max_length=1, choices=Customer.Intent.choices, blank=True)
    obstacles = models.JSONField(_("obstacles"), default=list, blank=True)
    obstacle_detail = models.CharField(_("obstacle detail"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Generated by the device: a retried or double-tapped submit carries the same id and creates nothing.
    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    # What record_visit tells its doors, set on the instance it returns; plain class attributes, not
    # columns (Django leaves a class attribute that is no Field alone). ``replayed``: the visit a
    # resend with the same client id stored first; ``sets_location``: the first precise check-in
    # at a customer without a location, which becomes the customer's location.
    replayed: bool = False
    sets_location: bool = False

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "client_id"], name="one_visit_per_client_id"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="visit_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="visit_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["salesperson", "visited_on"], name="visit_salesperson_day_idx"),
            # the day's visits per salesperson and intent (morning meeting, quota check), from the index alone
            models.Index(fields=["visited_on", "salesperson", "intent"], name="visit_day_person_idx"),
            models.Index(fields=["customer", "-visited_at"], name="visit_customer_timeline_idx"),
            # a customer's latest rated visit by visit time, i.e. its current intent (the rating service,
            # the Monday shortlist: one probe per customer)
            models.Index(
                fields=["customer", "-visited_at", "-id"],
                condition=Q(rated_at__isnull=False) & ~Q(intent=""),
                name="visit_customer_intent_idx",
            ),
            # the lists: newest first, filtered by intent or kind over a date range
            models.Index(fields=["-visited_at", "-id"], name="visit_recent_idx"),
            models.Index(fields=["intent", "visited_on"], name="visit_intent_day_idx"),
            # with the customer, so that the customers followed up in a week (the key accounts' second visits:
            # visits.key_accounts.selectors) come from the index alone, one scan for the whole company
            models.Index(fields=["kind", "visited_on", "customer"], name="visit_kind_day_customer_idx"),
            models.Index(fields=["far_from_customer", "visited_on"], name="visit_far_day_idx"),
            # My day's next steps due (visits.day.next_planned_visits): one salesperson's next steps in a date
            # range, without reading their thousands of visits to find the few that set one (issue #24)
            models.Index(
                fields=["salesperson", "next_step_on"],
                condition=Q(next_step_on__isnull=False),
                name="visit_next_step_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.customer_id} {self.get_kind_display()}"


class VisitPhoto(models.Model):
    """A photo of a visit: ``image`` is what people see, stamped with when, where, whom and by whom
    (visits.photos); ``original`` is the cleaned upload before stamping, kept as the evidence."""

    class Source(models.TextChoices):
        CAMERA = "camera", _("Camera")
        GALLERY = "gallery", _("From gallery")

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/")
    original = models.ImageField(_("original photo"), upload_to="visits/originals/%Y/%m/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="visits/thumbnails/%Y/%m/", blank=True)
    # Camera: when the server received it (the phone's clock is not evidence). Gallery: the EXIF
    # DateTimeOriginal of the file when it has one, else unknown.
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.GALLERY)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.image.name


class FormSubmission(models.Model):
    """A salesperson's registration forms for one period (a day, or a week in weekly mode), handed in."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="submissions"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    visit_count = models.PositiveIntegerField(_("visits"))
    submitted_at = models.DateTimeField(_("submitted at"))
    due_at = models.DateTimeField(_("due at"))
    late = models.BooleanField(_("late"), default=False)

    objects = PersonalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "period_start"], name="one_submission_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.period_start}–{self.period_end}"


class FormAmendment(models.Model):
    """A visit logged (from any door, offline sync included) in a period whose forms were already
    submitted: it amends that submission, and the manager sees which visit was added and when.

    The submission keeps its ``visit_count`` as submitted; the amended count is that plus its amendments.
    One row per visit (unique): a replayed visit or a follower run twice adds nothing.
    """

    submission = models.ForeignKey(
        FormSubmission, verbose_name=_("form submission"), on_delete=models.CASCADE, related_name="amendments"
    )
    visit = models.OneToOneField(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="form_amendment"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("form amendment")
        verbose_name_plural = _("form amendments")
        ordering = ["submission", "added_at", "pk"]
        indexes = [models.Index(fields=["submission", "added_at"], name="form_amendment_submission_idx")]

    def __str__(self) -> str:
        return f"{self.submission} + {self.visit_id}"


class QuotaShortfall(models.Model):
    """A working day on which a salesperson made fewer visits than required; explained and reviewed."""

    class Review(models.TextChoices):
        AWAITING_EXPLANATION = "awaiting_explanation", _("Awaiting explanation")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        # A re-run of the check found that the shortfall no longer holds; kept as history.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Withdrawal(models.TextChoices):
        QUOTA_MET = "quota_met", _("The visits counted now meet the quota")
        LEAVE = "leave", _("On leave that day")
        NOT_WORKING_DAY = "not_working_day", _("Not a working day")
        NOT_COUNTED = "not_counted", _("Not counted that day")

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="shortfalls"
    )
    day = models.DateField(_("day"))
    required = models.PositiveSmallIntegerField(_("required visits"))
    actual = models.PositiveSmallIntegerField(_("actual visits"))
    explanation = models.TextField(_("explanation"), blank=True)
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Review.choices, default=Review.AWAITING_EXPLANATION, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("why withdrawn"), max_length=20, choices=Withdrawal.choices, blank=True)
    counted_at_withdrawal = models.PositiveSmallIntegerField(_("visits counted when withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PersonalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("quota shortfall")
        verbose_name_plural = _("quota shortfalls")
        ordering = ["-day", "salesperson"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "day"], name="one_shortfall_per_salesperson_day"),
            models.CheckConstraint(condition=Q(actual__lt=F("required")), name="shortfall_is_below_quota"),
        ]
        indexes = [models.Index(fields=["day", "status"], name="shortfall_day_status_idx")]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.day}: {self.actual}/{self.required}"

    @property
    def withdrawal_text(self) -> str:
        """Why the shortfall was withdrawn, in a few words of the active language ("" if it was not)."""
        if self.withdrawal_reason == self.Withdrawal.QUOTA_MET:
            return gettext("the visits counted now meet the quota (%(counted)s / %(required)s)") % {
                "counted": self.counted_at_withdrawal,
                "required": self.required,
            }
        return {
            self.Withdrawal.LEAVE: gettext("on leave that day"),
            self.Withdrawal.NOT_WORKING_DAY: gettext("that day is not a working day"),
            self.Withdrawal.NOT_COUNTED: gettext("not counted that day"),
        }.get(self.withdrawal_reason, "")


class Assessment(models.Model):
    """A salesperson flagged 考核 for having the fewest visits in their team N weeks running."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="assessments"
    )
    week = models.DateField(_("week (Monday)"))
    consecutive_weeks = models.PositiveSmallIntegerField(_("consecutive weeks"))
    evidence = models.JSONField(_("weekly figures"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PersonalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-week", "salesperson"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "week"], name="one_assessment_per_salesperson_week"),
        ]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.week}"


class RoutePlan(models.Model):
    """A salesperson's planned stops for one day 顺路规划 (the week plan is the plans of its days); the manager
    compares it with the visits. The stops' ``position`` is the route order (visits.plans.services)."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="route_plans"
    )
    day = models.DateField(_("day"))
    start_latitude = models.DecimalField(_("start latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    start_longitude = models.DecimalField(_("start longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PersonalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        ordering = ["-day", "salesperson"]
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "day"], name="one_route_plan_per_salesperson_day"),
        ]
        indexes = [models.Index(fields=["day"], name="route_plan_day_idx")]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.day}"


class RouteStop(models.Model):
    class Reason(models.TextChoices):
        KEY_ACCOUNT = "key_account", _("Key account due")
        INQUIRY = "inquiry", _("Inquiry to visit")
        RENEWAL = "renewal", _("Renewal due")
        IDLE = "idle", _("Not visited for a while")
        CHOSEN = "chosen", _("Chosen by the salesperson")

    plan = models.ForeignKey(RoutePlan, verbose_name=_("route plan"), on_delete=models.CASCADE, related_name="stops")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="route_stops"
    )
    position = models.PositiveSmallIntegerField(_("order"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, default=Reason.CHOSEN)
    distance_from_previous_m = models.PositiveIntegerField(_("distance from the previous stop (m)"), null=True)
    note = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="one_route_stop_per_position"),
            models.UniqueConstraint(fields=["plan", "customer"], name="one_route_stop_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.position}"


class OfflineCustomerReceipt(models.Model):
    """A customer registered on a phone without signal, as the sync stored it: the phone's id for it
    and the customer it became. A resent registration (retry, second tab, replayed batch) finds its
    receipt and answers the same customer; the unique pair makes two concurrent sends store one."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        related_name="offline_customer_receipts",
    )
    client_id = models.UUIDField(_("client id"))
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="offline_receipts"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offline registration")
        verbose_name_plural = _("offline registrations")
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "client_id"], name="one_customer_per_offline_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.customer_id}"


# The key accounts' and daily reports' models live in their sub-packages and are imported here, while Django
# imports the apps' models: imported later (from VisitsConfig.ready or a service, as before) a model misses
# the reverse relations other apps' models cached by then — User had no ``daily_reports`` (seed_scale_visits
# failed) and no ``key_account_entries``; tests/crm/test_model_registry.py checks every relation. The
# sub-packages read this module, hence the imports at the end (and their exceptions in the import contract).
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry  # noqa: E402,F401
from visits.reports.models import DailyReport, DailyReportComment  # noqa: E402,F401

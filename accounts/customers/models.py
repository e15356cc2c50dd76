"""Market survey: the customer registration form (客户信息登记表), its contacts and who held it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from accounts.customers.querysets import CustomerQuerySet
from crm.models import TimeStampedModel
from territories.models import ChannelType, Territory


def business_card_path(instance: Customer, filename: str) -> str:
    # The name never comes from the upload: images are re-encoded to JPEG under a random name.
    return f"business_cards/{uuid.uuid4().hex}.jpg"


class Customer(TimeStampedModel):
    class Source(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE_INQUIRY = "phone_inquiry", _("Phone inquiry")
        DIRECT_MAIL = "direct_mail", _("Direct mail")
        IMPORT = "import", _("Import")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event")
        TELEMARKETING = "telemarketing", _("Telemarketing")

    class VehicleType(models.TextChoices):
        """What the customer insures with us or elsewhere, for segmentation (the registration form's 车辆)."""

        PRIVATE_CAR = "private_car", _("Private car")
        COMPANY_CAR = "company_car", _("Company car")
        TRUCK = "truck", _("Truck")
        BUS = "bus", _("Bus or coach")
        MOTORCYCLE = "motorcycle", _("Motorcycle")
        SPECIAL = "special", _("Special vehicle")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        KEY_ACCOUNT = "key_account", _("Key account")
        CUSTOMER = "customer", _("Customer")
        LOST = "lost", _("Lost")

    class Intent(models.TextChoices):
        A = "A", _("A: ready to buy")
        B = "B", _("B: interested, with concerns")
        C = "C", _("C: needs nurturing")
        D = "D", _("D: no interest")

    class LocationSource(models.TextChoices):
        """Where the customer's position came from; a better source is never overwritten by a worse one
        (``accounts.customers.services.set_customer_location``)."""

        NONE = "none", _("No position")
        CHECK_IN = "check_in", _("First check-in at the customer")
        GEOCODED = "geocoded", _("Found from the address")
        IMPORTED = "imported", _("Imported")
        PIN = "pin", _("Placed by hand")

    class GeocodeStatus(models.TextChoices):
        NONE = "", _("Not looked up")
        PENDING = "pending", _("Waiting to be looked up")
        FOUND = "found", _("Found")
        NOT_FOUND = "not_found", _("Not found")
        FAILED = "failed", _("Failed")

    unit_name = models.CharField(_("unit name"), max_length=200)
    business_type = models.CharField(
        _("business type"), max_length=100, blank=True, help_text=_("What the unit does, for segmentation.")
    )
    channel_type = models.ForeignKey(
        ChannelType, verbose_name=_("channel type"), on_delete=models.PROTECT, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.VISIT)
    phone = PhoneNumberField(
        _("phone"), blank=True, db_index=True, help_text=_("Main phone, stored normalised for duplicate lookup.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    # The customer's known position (WGS-84), used to flag visits checked in far from it.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_source = models.CharField(
        _("position from"), max_length=10, choices=LocationSource.choices, default=LocationSource.NONE
    )
    location_set_at = models.DateTimeField(_("position set at"), null=True, blank=True)
    # Geocoding of the address (accounts.customers.geocoding): the answer is kept with the address it was
    # computed from, so that the same address is never looked up twice and a changed one is looked up again.
    geocode_status = models.CharField(
        _("address lookup"), max_length=10, choices=GeocodeStatus.choices, default=GeocodeStatus.NONE, blank=True
    )
    geocode_provider = models.CharField(_("looked up with"), max_length=20, blank=True)
    geocoded_at = models.DateTimeField(_("looked up at"), null=True, blank=True)
    geocoded_address = models.CharField(_("address looked up"), max_length=400, blank=True)
    geocode_attempts = models.PositiveSmallIntegerField(_("lookup attempts"), default=0)
    geocode_message = models.CharField(_("lookup message"), max_length=200, blank=True)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    business_card = models.ImageField(_("business card"), upload_to=business_card_path, blank=True)
    current_insurer = models.CharField(_("current insurer"), max_length=100, blank=True)
    vehicle_type = models.CharField(
        _("vehicle type"),
        max_length=20,
        choices=VehicleType.choices,
        blank=True,
        help_text=_("The main kind of vehicle."),
    )
    vehicle_count = models.PositiveIntegerField(
        _("number of vehicles"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    renewal_month = models.PositiveSmallIntegerField(
        _("renewal month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROSPECT)
    intent = models.CharField(_("intent"), max_length=1, choices=Intent.choices, blank=True)
    # The open obstacles: those of the visit that decides the intent (visits.services.rate_visit stores them).
    obstacles = models.JSONField(_("obstacles"), default=list, blank=True)
    obstacle_detail = models.CharField(_("obstacle detail"), max_length=300, blank=True)
    last_activity_at = models.DateTimeField(_("last activity at"), null=True, blank=True)
    pooled_at = models.DateTimeField(_("returned to the pool at"), null=True, blank=True)
    pooled_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned to the pool by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # What the duplicate check compares (accounts.customers.duplicates.keys.match_keys), written by the
    # services with the name and address: the name without places and legal forms, the sound of its first
    # two characters (every similar name shares it: the candidates' index), the address as street and number.
    name_key = models.CharField(_("name key"), max_length=200, blank=True, editable=False)
    name_head = models.CharField(_("name head"), max_length=20, blank=True, editable=False)
    address_key = models.CharField(_("address key"), max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The lookup's bookkeeping is not a change of the customer; the position and its source are.
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "last_activity_at",
            "name_key",
            "name_head",
            "address_key",
            "geocode_status",
            "geocode_provider",
            "geocoded_at",
            "geocoded_address",
            "geocode_attempts",
            "geocode_message",
        ]
    )
    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["territory", "status"], name="customer_territory_idx"),
            models.Index(fields=["owner", "status"], name="customer_owner_idx"),
            # Visibility (querysets.visible_customer_ids, issue #24): the ids of a person's or a team's customers
            # from the index alone, without a visit to each customer's row (scattered over the whole table); and
            # in the list's order, so that a page takes the newest of each branch of the rule from the index
            # (querysets.CustomerQuerySet.visible_slice) instead of joining every visible row to read its date.
            models.Index(fields=["owner", "-created_at", "-id"], name="customer_owner_created_idx"),
            models.Index(fields=["territory", "-created_at", "-id"], name="customer_territory_created_idx"),
            models.Index(fields=["district", "unit_name"], name="customer_district_name_idx"),
            models.Index(fields=["unit_name"], name="customer_unit_name_idx"),
            models.Index(fields=["channel_type", "status"], name="customer_channel_idx"),
            models.Index(fields=["intent"], name="customer_intent_idx"),
            models.Index(fields=["source"], name="customer_source_idx"),
            models.Index(fields=["renewal_month"], name="customer_renewal_idx"),
            models.Index(fields=["vehicle_type", "renewal_month"], name="customer_vehicle_idx"),
            models.Index(fields=["status", "pooled_at", "last_activity_at"], name="customer_pool_idx"),
            models.Index(fields=["-created_at", "-id"], name="customer_created_idx"),
            # Nearby (visits.nearby): a bounding box on latitude, then longitude; with the columns visibility
            # reads (territory, owner) and the id, the box's nearest are found from the index alone.
            models.Index(fields=["latitude", "longitude", "territory", "owner", "id"], name="customer_position_idx"),
            # The geocoding queue: the few customers waiting for a lookup, in order.
            models.Index(fields=["id"], condition=Q(geocode_status="pending"), name="customer_geocode_pending_idx"),
            # The duplicate check's candidates: the same name, a name that starts with the same sound, the
            # same address (accounts.customers.duplicates.lookup).
            models.Index(fields=["name_key"], name="customer_name_key_idx"),
            models.Index(fields=["name_head"], name="customer_name_head_idx"),
            models.Index(fields=["address_key"], name="customer_address_key_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(renewal_month__isnull=True) | Q(renewal_month__gte=1, renewal_month__lte=12),
                name="customer_renewal_month_1_12",
            ),
            models.CheckConstraint(
                condition=Q(vehicle_count__isnull=True) | Q(vehicle_count__lte=100_000),
                name="customer_vehicle_count_bounded",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="customer_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="customer_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="customer_position_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.unit_name

    def get_absolute_url(self) -> str:
        return reverse("accounts:customer_detail", kwargs={"pk": self.pk})

    @property
    def is_pooled(self) -> bool:
        return self.pooled_at is not None


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = PhoneNumberField(_("mobile phone"), blank=True, db_index=True)
    phone = PhoneNumberField(_("office phone"), blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name


class OwnerChange(models.Model):
    """One change of the person holding a customer: who did it, from whom, to whom, when and why."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        REASSIGNED = "reassigned", _("Territory reassigned")
        RELEASED = "released", _("Territory left without an owner")
        ASSIGNED = "assigned", _("Assigned from the queue")
        POOLED = "pooled", _("Returned to the public pool")
        CLAIMED = "claimed", _("Claimed from the public pool")
        EDITED = "edited", _("Changed by hand")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="owner_changes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("owner change")
        verbose_name_plural = _("owner changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "changed_at"], name="owner_change_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer}: {self.from_owner} → {self.to_owner}"

"""Market planning: the territory tree, its product lines and channel types, owners and routing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.bounds import validate_name
from crm.models import TimeStampedModel
from territories.querysets import TerritoryAssignmentQuerySet, TerritoryQuerySet


class ProductLine(models.Model):
    """What a territory sells: car, motorcycle, … (an editable list)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ChannelType(models.Model):
    """A kind of market a territory works: car clubs, parking lots, SMEs, … (an editable list)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    keywords = models.JSONField(
        _("business-type keywords"),
        default=list,
        blank=True,
        help_text=_("Words of a business type that belong to this channel, used to route callers and imports."),
    )

    class Meta:
        verbose_name = _("channel type")
        verbose_name_plural = _("channel types")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Territory(TimeStampedModel):
    """A node of the tree company → city → county branch → channel territory.

    ``path`` is the materialised path of ids (``/1/4/9/``) kept by the services, so that
    "this territory and everything below it" is one indexed prefix match.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        CITY = "city", _("City")
        BRANCH = "branch", _("County branch")
        CHANNEL = "channel", _("Channel territory")

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    code = models.SlugField(_("code"), max_length=40, unique=True)
    product_line = models.ForeignKey(
        ProductLine, verbose_name=_("product line"), on_delete=models.PROTECT, null=True, blank=True
    )
    channel_type = models.ForeignKey(
        ChannelType, verbose_name=_("channel type"), on_delete=models.PROTECT, null=True, blank=True
    )
    districts = models.JSONField(
        _("districts"), default=list, blank=True, help_text=_("Names of the districts this territory covers.")
    )
    path = models.CharField(_("path"), max_length=255, blank=True, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "is_active"], name="territory_kind_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class TerritoryAssignment(models.Model):
    """Who owned a territory from when to when. The open row (``ended_at`` empty) is the current owner."""

    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.PROTECT, related_name="assignments"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="territory_assignments",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = TerritoryAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("territory assignment")
        verbose_name_plural = _("territory assignments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory"], condition=Q(ended_at__isnull=True), name="one_open_assignment_per_territory"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["salesperson", "ended_at"], name="assignment_owner_idx")]

    def __str__(self) -> str:
        return f"{self.territory} → {self.salesperson}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class TerritoryHandover(models.Model):
    """What moved when a territory changed hands: per kind of open work how many, from whom to whom, when and
    on whose say. Written by ``assign_territory`` and ``end_territory_assignment`` in their transaction."""

    class Kind(models.TextChoices):
        REASSIGNED = "reassigned", _("Reassigned")
        RELEASED = "released", _("Released to the queue")

    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.PROTECT, related_name="handovers"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_salesperson = models.ForeignKey(
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
    moved = models.JSONField(_("moved"), default=dict, blank=True, help_text=_("Kind of open work → how many moved."))

    class Meta:
        verbose_name = _("territory handover")
        verbose_name_plural = _("territory handovers")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["territory", "-changed_at"], name="handover_territory_idx")]

    def __str__(self) -> str:
        return f"{self.territory} {self.changed_at:%Y-%m-%d %H:%M}"


class RoutingRule(models.Model):
    """District → territory (usually a branch), channel type → territory; the lowest priority number wins."""

    district = models.CharField(_("district"), max_length=50, blank=True, db_index=True)
    channel_type = models.ForeignKey(
        ChannelType, verbose_name=_("channel type"), on_delete=models.CASCADE, null=True, blank=True
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower numbers win."))
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(district="") | Q(channel_type__isnull=False), name="routing_rule_matches_something"
            ),
        ]

    def __str__(self) -> str:
        parts = [part for part in (self.district, str(self.channel_type or "")) if part]
        return f"{' + '.join(parts)} → {self.territory}"

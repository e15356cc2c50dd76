"""Joint promotion with partner companies 联合推广 (4S shops, car dealers, garages): the partner, the
customers it brought (leads) and the materials; its events are campaigns' events linked to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaigns.partners.querysets import PartnerQuerySet
from crm.models import TimeStampedModel


class Partner(TimeStampedModel):
    class Kind(models.TextChoices):
        FOUR_S = "4s_shop", _("4S shop")
        DEALER = "car_dealer", _("Car dealer")
        GARAGE = "garage", _("Garage")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson responsible"),
        on_delete=models.PROTECT,
        related_name="partners",
    )
    materials = models.TextField(_("joint materials"), blank=True, help_text=_("Flyers, posters, vouchers placed."))

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:partner_detail", kwargs={"pk": self.pk})


class PartnerLead(models.Model):
    """A customer the partner brought: the customer's partner attribution (one partner per customer; the
    first one stays). Its deals are the partner's from the day it came."""

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="leads")
    customer = models.OneToOneField(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="partner_lead"
    )
    came_on = models.DateField(_("came on"))

    class Meta:
        verbose_name = _("partner lead")
        verbose_name_plural = _("partner leads")
        indexes = [models.Index(fields=["partner", "came_on"], name="partner_lead_date_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.customer_id}"

"""Every write to partners: the record, a customer's partner attribution, an event linked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from campaigns.partners.models import Partner, PartnerLead
from crm.dates import local_today
from crm.models import User
from crm.querysets import related_model

PARTNER_FIELDS = ("name", "kind", "contact_name", "phone", "address", "salesperson", "materials")


@transaction.atomic
def save_partner(*, data: dict[str, Any], partner: Partner | None = None) -> Partner:
    """Create or edit a partner; the salesperson responsible must be an active salesperson."""
    partner = partner or Partner()
    for name in PARTNER_FIELDS:
        if name in data:
            setattr(partner, name, data[name])
    salesperson = partner.salesperson if partner.salesperson_id else None
    if salesperson is None or not salesperson.is_active or salesperson.role != User.Role.SALESPERSON:
        raise ValidationError({"salesperson": _("Choose an active salesperson.")})
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def attribute_customer_to_partner(*, customer_id: int, partner_id: int, came_on: date | None = None) -> PartnerLead:
    """The customer came through the partner (registration, inquiry, import call this). A customer keeps
    the first partner it came through; the same call again changes nothing."""
    lead, _created = PartnerLead.objects.get_or_create(
        customer_id=customer_id, defaults={"partner_id": partner_id, "came_on": came_on or local_today()}
    )
    return lead


@transaction.atomic
def attribute_customers_to_partner(*, customer_ids: list[int], partner_id: int, came_on: date | None = None) -> int:
    """Many customers came through the partner (a prospect list it gave): the same rule as
    ``attribute_customer_to_partner`` set-based, a customer with a partner keeps it. Returns how many were
    attributed now."""
    came_on = came_on or local_today()
    taken = set(PartnerLead.objects.filter(customer_id__in=customer_ids).values_list("customer_id", flat=True))
    leads = [
        PartnerLead(customer_id=pk, partner_id=partner_id, came_on=came_on) for pk in customer_ids if pk not in taken
    ]
    PartnerLead.objects.bulk_create(leads, batch_size=1000, ignore_conflicts=True)
    return len(leads)


def attribute_registered_customer(*, customer_id: int, value: Partner, came_on: date) -> PartnerLead:
    """accounts' registration source "partner" (registered in ``CampaignsConfig.ready``)."""
    return attribute_customer_to_partner(customer_id=customer_id, partner_id=value.pk, came_on=came_on)


def partner_choices() -> QuerySet[Partner]:
    """Any partner may have brought a customer (a partner holds no customer data)."""
    return Partner.objects.order_by("name", "id")


@transaction.atomic
def link_event_to_partner(*, event_id: int, partner_id: int | None) -> int:
    """A joint event: campaigns' event held with the partner (None unlinks it)."""
    # campaigns' Event through the relation: the registry (campaigns.models) imports this folder's models.
    event_model = related_model(Partner.objects.all(), "events")
    return event_model.objects.filter(pk=event_id).update(partner_id=partner_id)

"""Every write to partners: the record, a customer's partner attribution, an event linked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
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
def link_event_to_partner(*, event_id: int, partner_id: int | None) -> int:
    """A joint event: campaigns' event held with the partner (None unlinks it)."""
    # campaigns' Event through the relation: the registry (campaigns.models) imports this folder's models.
    event_model = related_model(Partner.objects.all(), "events")
    return event_model.objects.filter(pk=event_id).update(partner_id=partner_id)

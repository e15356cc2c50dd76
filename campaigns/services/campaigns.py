"""Campaigns, their materials, outdoor events and competitor reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from campaigns.models import Campaign, CampaignMaterial, CompetitorReport, Event
from crm.models import User

CAMPAIGN_FIELDS = ("name", "kind", "starts_on", "ends_on", "budget", "segment", "description")
SEGMENT_KEYS = ("district", "channel_type", "business_type", "status", "source", "intent")
EVENT_FIELDS = ("campaign", "name", "place", "district", "held_on")
REPORT_FIELDS = (
    "competitor",
    "product",
    "price",
    "price_note",
    "way_of_operating",
    "policy",
    "seen_where",
    "seen_on",
)


def clean_segment(segment: Mapping[str, Any] | None) -> dict[str, str]:
    """Keep only the filters the segment understands, without empty values."""
    return {key: str(value).strip() for key, value in (segment or {}).items() if key in SEGMENT_KEYS and value}


@transaction.atomic
def create_campaign(*, created_by: User, data: Mapping[str, Any]) -> Campaign:
    campaign = Campaign(created_by=created_by, **{key: data[key] for key in CAMPAIGN_FIELDS if key in data})
    campaign.segment = clean_segment(campaign.segment)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def add_campaign_material(*, campaign: Campaign, uploaded_by: User, title: str, file: UploadedFile) -> CampaignMaterial:
    # An upload always has a name (the multipart parser drops files without one); were it empty, full_clean
    # would refuse the empty title.
    material = CampaignMaterial(campaign=campaign, uploaded_by=uploaded_by, title=title or file.name or "", file=file)
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def create_event(*, created_by: User, data: Mapping[str, Any], staff: Iterable[User] = ()) -> Event:
    event = Event(created_by=created_by, **{key: data[key] for key in EVENT_FIELDS if key in data})
    event.full_clean()
    event.save()
    event.staff.set(list(staff))
    return event


@transaction.atomic
def report_competitor(*, reported_by: User, data: Mapping[str, Any]) -> CompetitorReport:
    report = CompetitorReport(reported_by=reported_by, **{key: data[key] for key in REPORT_FIELDS if key in data})
    report.full_clean()
    report.save()
    return report

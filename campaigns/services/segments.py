"""Saved segments: a name and checked criteria (``campaigns.segments`` evaluates them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from campaigns.models import Segment
from campaigns.segments import clean_criteria
from crm.models import User


@transaction.atomic
def save_segment(*, saved_by: User, name: str, criteria: Mapping[str, Any], segment: Segment | None = None) -> Segment:
    """Create a segment, or change ``segment``; the criteria are checked (``clean_criteria``) and stored in
    one form. Raises ValidationError, with nothing saved, for a bad name or criterion."""
    if segment is None:
        segment = Segment(created_by=saved_by)
    else:
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
    segment.name = (name or "").strip()
    segment.criteria = clean_criteria(criteria)
    segment.full_clean()
    segment.save()
    return segment

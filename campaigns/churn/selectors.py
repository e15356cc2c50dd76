"""Reads of the churn list: the salesperson's page, the Monday meeting's section, the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from campaigns.churn.models import ChurnRisk
from crm.models import User

# The Monday meeting shows the most urgent few; the list page has them all.
MONDAY_LIMIT = 20


def churn_risks_for(*, viewer: User, reason: str = "") -> QuerySet[ChurnRisk]:
    """The risks of the customers ``viewer`` sees, soonest first. One query (plus the count when paged)."""
    risks = ChurnRisk.objects.visible_to(viewer).select_related("customer", "salesperson")
    if reason:
        risks = risks.filter(reason=reason)
    return risks.order_by("key_date", "id")


def monday_churn_section(*, viewer: User, week: date) -> dict[str, Any]:
    """The Monday meeting's churn section (registered with visits): the team's risks with their reasons.
    Two queries whatever the number of risks."""
    risks = churn_risks_for(viewer=viewer)
    return {"risks": list(risks[:MONDAY_LIMIT]), "total": risks.count()}

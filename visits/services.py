"""Writes of the visits app: the scheduled quota check and the weekly assessment."""

from __future__ import annotations

import logging
from datetime import date

logger = logging.getLogger(__name__)


def check_visit_quotas(*, day: date) -> int:
    """Record one shortfall per salesperson below quota on ``day``; return how many were created.

    Idempotent: a second run for the same day creates nothing. The quota rules arrive with
    the visits issue; until then the job runs and reports that nothing was checked.
    """
    logger.info("Visit-quota check for %s: no visits recorded yet, 0 shortfalls created", day.isoformat())
    return 0


def assess_visit_counts(*, week: date) -> int:
    """Flag the salespeople with the fewest visits for N consecutive weeks up to ``week``.

    Idempotent: one assessment per salesperson and week. Returns how many were created.
    """
    logger.info("Weekly assessment for the week of %s: 0 salespeople flagged", week.isoformat())
    return 0

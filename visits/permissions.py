"""What a user may do with a visit record they can see."""

from __future__ import annotations

from crm.models import User
from visits.models import QuotaShortfall


def can_review_shortfall(*, user: User, shortfall: QuotaShortfall) -> bool:
    if user.sees_everything:
        return True
    team = shortfall.salesperson.team
    return user.is_manager and team is not None and team.manager_id == user.id

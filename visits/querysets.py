"""Who sees which visits and shortfalls, decided once (DESIGN.md §4)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from crm.models import User

# A customer's current intent (DESIGN.md §4) is the rating of its latest rated visit in this order:
# by visit time, not by rating time or id (a visit rated late, or synced late, is still as old as it is).
CURRENT_INTENT_ORDER = ("-visited_at", "-id")


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitQuerySet:
        """Admin: all. Salesperson: their own visits and the history of customers they see now.
        Manager: visits by their teams' salespeople and joint visits they joined. Others: none."""
        from accounts.models import Customer

        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            customers = Customer.objects.visible_to(user).filter(pk=OuterRef("customer_id"))
            return self.filter(Q(salesperson=user) | Exists(customers))
        if user.is_manager:
            # An IN over the team's ids (not a join to teams) lets PostgreSQL use the salesperson index.
            from crm.models import User

            team = User.objects.filter(team__manager=user).values("pk")
            return self.filter(Q(salesperson__in=team) | Q(joint_manager=user))
        return self.none()

    def rated(self, *, before: datetime | None = None) -> VisitQuerySet:
        """Visits with an intent rating; with ``before``, only ratings made before that moment."""
        rated = self.exclude(intent="")
        return rated if before is None else rated.filter(rated_at__lt=before)

    def deciding_current_intent(self, *, before: datetime) -> VisitQuerySet:
        """Each customer's visit whose rating was its current intent at ``before``: rated before then,
        with no visit of the same customer rated before then and later in CURRENT_INTENT_ORDER.

        Set-based (an anti-join probing visit_customer_intent_idx), at most one visit per customer.
        """
        later = (
            self.model.objects.rated(before=before)
            .filter(customer_id=OuterRef("customer_id"))
            .filter(
                Q(visited_at__gt=OuterRef("visited_at")) | Q(visited_at=OuterRef("visited_at"), id__gt=OuterRef("id"))
            )
        )
        return self.rated(before=before).exclude(Exists(later))


def rated_again_later_that_day() -> Exists:
    """For a visit in an outer query: whether its salesperson rated a later visit (CURRENT_INTENT_ORDER)
    of the same customer on the same day, so that the day's figures count each customer once, under
    the rating the day left it with."""
    from visits.models import Visit

    later = (
        Visit.objects.rated()
        .filter(
            customer_id=OuterRef("customer_id"),
            salesperson_id=OuterRef("salesperson_id"),
            visited_on=OuterRef("visited_on"),
        )
        .filter(Q(visited_at__gt=OuterRef("visited_at")) | Q(visited_at=OuterRef("visited_at"), id__gt=OuterRef("id")))
    )
    return Exists(later)

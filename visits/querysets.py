"""Who sees which visits and shortfalls, decided once (DESIGN.md §4)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

from crm.querysets import model_of, related_model

if TYPE_CHECKING:
    from crm.models import User

# A customer's current intent (DESIGN.md §4) is the rating of its latest rated visit in this order:
# by visit time, not by rating time or id (a visit rated late, or synced late, is still as old as it is).
CURRENT_INTENT_ORDER = ("-visited_at", "-id")


class VisitPhotoQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitPhotoQuerySet:
        """A photo is seen by exactly those who see its visit."""
        # The visit model through the relation, not an import: visits.models imports this module.
        visit_model = related_model(self, "visit")
        return self.filter(visit__in=visit_model.objects.visible_to(user).values("pk"))


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitQuerySet:
        """Admin: all. Salesperson: their own visits and the history of customers they see now.
        Manager: visits by their teams' salespeople and joint visits they joined. Others: none."""
        from accounts.customers.models import Customer

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

        Set-based, one anti-join (hashed by PostgreSQL at 2,000,000 visits); at most one visit per customer.
        """
        visits = model_of(self).objects
        later = visits.rated(before=before).filter(customer_id=OuterRef("customer_id")).filter(_later_than_outer())
        return self.rated(before=before).exclude(Exists(later))


def _later_than_outer() -> Q:
    """Later in CURRENT_INTENT_ORDER than the outer query's visit: later by visit time, or as late with
    a higher id. Spelt with ``visited_at >=`` first so that it is an index range, not only a filter."""
    return Q(visited_at__gte=OuterRef("visited_at")) & (
        Q(visited_at__gt=OuterRef("visited_at")) | Q(id__gt=OuterRef("id"))
    )

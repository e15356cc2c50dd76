"""Who sees which visits and shortfalls, decided once (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from crm.models import User


class VisitPhotoQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VisitPhotoQuerySet:
        """A photo is seen by exactly those who see its visit."""
        from visits.models import Visit

        return self.filter(visit__in=Visit.objects.visible_to(user).values("pk"))


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

"""Who sees which territories, decided once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef

from crm.querysets import related_model

if TYPE_CHECKING:
    from crm.models import User


class TerritoryAssignmentQuerySet(models.QuerySet):
    def current(self) -> TerritoryAssignmentQuerySet:
        """The open rows: each territory's owner now."""
        return self.filter(ended_at__isnull=True)


class TerritoryQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TerritoryQuerySet:
        """Admin and info staff: the whole tree (info staff route inquiries by it; it holds no customer data).
        Salesperson: the territories they own now. Manager: those a member of a team they manage owns now.
        """
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_info_staff:
            return self
        # The assignment model through the relation, not an import: territories.models imports this module.
        assignments = related_model(self, "assignments")
        current = assignments.objects.current().filter(territory=OuterRef("pk"))
        if user.is_salesperson:
            return self.filter(Exists(current.filter(salesperson=user)))
        if user.is_manager:
            return self.filter(Exists(current.filter(salesperson__team__manager=user)))
        return self.none()

    def with_descendants_of(self, territory) -> TerritoryQuerySet:
        return self.filter(path__startswith=territory.path)

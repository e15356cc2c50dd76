"""Who sees which key-account entries and joint-visit requests (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from crm.querysets import PersonalRecordQuerySet, model_of

if TYPE_CHECKING:
    from crm.models import User


class KeyAccountEntryQuerySet(PersonalRecordQuerySet):
    """A salesperson's own shortlist entries; a manager their teams'."""


class JointVisitRequestQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> JointVisitRequestQuerySet:
        """Admin: all. Salesperson: the requests they made. Manager: those addressed to them or
        made by their teams' salespeople. Others: none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            return self.filter(salesperson=user)
        if user.is_manager:
            return self.filter(Q(manager=user) | Q(salesperson__team__manager=user))
        return self.none()

    def open(self) -> JointVisitRequestQuerySet:
        return self.filter(status__in=model_of(self).OPEN_STATUSES)

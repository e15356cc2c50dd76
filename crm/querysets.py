"""Visibility shared by every app's records that belong to one salesperson."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from crm.models import User


class PersonalRecordQuerySet(models.QuerySet):
    """Records about one salesperson (shortfalls, submissions, assessments, key-account entries,
    route plans): admin all, the salesperson their own, a manager their teams', others none."""

    def visible_to(self, user: User) -> PersonalRecordQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            return self.filter(salesperson=user)
        if user.is_manager:
            return self.filter(salesperson__team__manager=user)
        return self.none()

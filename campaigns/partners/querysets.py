"""Who sees which partner: the salesperson responsible, managers, info staff and the admin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from crm.models import User


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        """A partner holds no customer data: managers, info staff and the admin see all (the quarterly
        review); a salesperson the partners they are responsible for."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_manager or user.is_info_staff:
            return self
        if user.is_salesperson:
            return self.filter(salesperson=user)
        return self.none()

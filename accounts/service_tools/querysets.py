"""Who sees which quotes and policy check-ups (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from accounts.customers.querysets import visible_customer

if TYPE_CHECKING:
    from crm.models import User


class MadeForCustomerQuerySet(models.QuerySet):
    """Records a salesperson makes for a customer (quotes, policy check-ups): those of the customers
    ``user`` sees, plus the ones a salesperson made (their own history). Info staff: none."""

    def visible_to(self, user: User) -> MadeForCustomerQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            return self.filter(Q(created_by=user) | visible_customer(self, user))
        if user.is_manager:
            return self.filter(visible_customer(self, user))
        return self.none()


# The same rule for both; the names say which model each manager belongs to.
QuoteQuerySet = MadeForCustomerQuerySet
PolicyCheckupQuerySet = MadeForCustomerQuerySet

"""Who sees which churn risk: whoever sees the customer (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

from crm.querysets import related_model

if TYPE_CHECKING:
    from crm.models import User


class ChurnRiskQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        """The risks of the customers ``user`` sees (admin all, salesperson their own, manager their teams')."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        customer_model = related_model(self, "customer")
        return self.filter(customer__in=customer_model.objects.visible_to(user).values("pk"))

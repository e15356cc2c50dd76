"""Who sees which recruit candidate or tender: its owner (the channel's person), the owner's team manager,
the admin. Info staff see none (a candidate's phone is a person's data; a tender is the field's work)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from crm.models import User


class PipelineQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_manager:
            return self.filter(owner__team__manager=user)
        if user.is_salesperson:
            return self.filter(owner=user)
        return self.none()

"""Visibility shared by every app's records that belong to one salesperson."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from crm.models import User


# A queryset module cannot name its models, not even for the type checker: the models import it, and
# lint-imports counts imports under TYPE_CHECKING too (a cycle). So what a queryset reads of its own model
# or of a related one (choices, constants, the custom manager) is typed Any through these two.


def model_of(queryset: models.QuerySet) -> Any:
    """``queryset.model``, for its own attributes: ``Status``, constants, ``objects`` with its methods."""
    return queryset.model


def related_model(queryset: models.QuerySet, field_name: str) -> Any:
    """The model at the other end of the relation ``field_name`` of the queryset's model."""
    related = queryset.model._meta.get_field(field_name).related_model
    # None means the field is no relation, a string means the registry has not resolved it yet (no query
    # can run before it has): both are programming errors, not data.
    if not isinstance(related, type):
        raise TypeError(f"{queryset.model.__name__}.{field_name} is not a resolved relation")
    return related


class PersonalRecordQuerySet(models.QuerySet):
    """Records about one salesperson (shortfalls, submissions, assessments, key-account entries,
    route plans): admin all, the salesperson their own, a manager their teams', others none."""

    def visible_to(self, user: User) -> Self:
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            return self.filter(salesperson=user)
        if user.is_manager:
            return self.filter(salesperson__team__manager=user)
        return self.none()

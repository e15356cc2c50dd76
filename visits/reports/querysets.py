"""Who sees which daily report and comment, decided once: as for every record about one salesperson."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

from crm.querysets import PersonalRecordQuerySet, related_model

if TYPE_CHECKING:
    from crm.models import User


class DailyReportQuerySet(PersonalRecordQuerySet):
    """Admin: all. A salesperson: their own. A manager: their teams'. Others: none."""


class DailyReportCommentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        """A comment is seen by exactly those who see its report."""
        report_model = related_model(self, "report")
        return self.filter(report__in=report_model.objects.visible_to(user).values("pk"))

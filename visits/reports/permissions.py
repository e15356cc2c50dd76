"""What a user may do with a daily report they can see."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from visits.reports.models import DailyReport


def commented_by_others(report: DailyReport) -> bool:
    """Someone other than the salesperson has written in the thread (reads the prefetched comments if any)."""
    return any(comment.author_id != report.salesperson_id for comment in report.comments.all())


def texts_locked_reason(*, report: DailyReport, commented: bool, now: datetime | None = None) -> str:
    """Why the salesperson may no longer change the report's texts ("" while they may): someone else has
    commented (the texts stay as they were read), or the day after the report's day has ended."""
    if commented:
        return _(
            "Your manager has commented on this report, so its texts stay as they were read. Answer in the comments."
        )
    if (now or timezone.now()) >= report.texts_editable_until:
        until = timezone.localtime(report.texts_editable_until - timedelta(seconds=1)).date()
        return _("The texts of a report can be changed until the end of the next day (%(until)s).") % {
            "until": until.isoformat()
        }
    return ""

"""Reads of the daily reports: the day's figures (live), one's reports, a team's reports of a day, the
comments My day shows. Each a fixed number of queries whatever the number of people or visits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.customers.models import Customer
from accounts.deals.models import Deal
from crm.models import User
from visits.models import Visit
from visits.reports.figures import INTENTS, KINDS, DayFigures
from visits.reports.models import DailyReport, DailyReportComment
from visits.selectors import quota_results_for

# Comments on one's reports stay on My day this long.
COMMENTS_SHOWN_FOR = timedelta(days=14)
COMMENTS_SHOWN = 5
TEAM_PAGE_SIZE = 25


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def day_figures(*, salesperson_ids: Sequence[int], day: date) -> dict[int, DayFigures]:
    """The figures of ``day`` for each of these salespeople, as the day is now: four queries whatever
    their number (visits by kind and rating, customers they registered, deals credited to them, the quota).

    Visits: every kind (the quota counts only some; ``quota_counted`` is what it counts). Ratings: the
    day's visits rated A–D. New customers: registered by the salesperson that day (as the morning
    meeting counts them). Deals: credited to the salesperson with the order issued that day, cancelled
    ones left out; the amount is the deals' amount, a Decimal. Quota: ``visits.selectors.quota_results_for``.
    """
    ids = list(salesperson_ids)
    if not ids:
        return {}
    visits: dict[int, dict[str, int]] = {pk: dict.fromkeys(KINDS, 0) for pk in ids}
    intents: dict[int, dict[str, int]] = {pk: dict.fromkeys(INTENTS, 0) for pk in ids}
    rated = {f"intent_{code}": Count("salesperson", filter=Q(intent=code)) for code in INTENTS}
    rows = (
        Visit.objects.filter(visited_on=day, salesperson_id__in=ids)
        .values("salesperson_id", "kind")
        .annotate(total=Count("salesperson"), **rated)
        .order_by()
    )
    for row in rows:
        # The intent_<code> keys are built at run time: the type checker cannot list them.
        group: Mapping[str, Any] = row
        visits[group["salesperson_id"]][group["kind"]] = group["total"]
        for code in INTENTS:
            intents[group["salesperson_id"]][code] += group[f"intent_{code}"]
    start, end = _day_bounds(day)
    new_customers = dict(
        Customer.objects.filter(created_by_id__in=ids, created_at__gte=start, created_at__lt=end)
        .values("created_by_id")
        .annotate(total=Count("id"))
        .values_list("created_by_id", "total")
        .order_by()
    )
    deals = {
        row["salesperson_id"]: (row["count"], row["amount"])
        for row in Deal.objects.filter(salesperson_id__in=ids, issued_on=day)
        .exclude(status=Deal.Status.CANCELLED)
        .values("salesperson_id")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    }
    quotas = {
        salesperson_id: (required, actual)
        for salesperson_id, required, actual in quota_results_for(day=day)
        .filter(id__in=ids)
        .values_list("id", "required", "actual")
    }
    figures = {}
    for pk in ids:
        deal_count, deal_amount = deals.get(pk, (0, None))
        # No quota that day (leave, not a working day, a new starter): nothing is counted toward one.
        required, counted = quotas.get(pk, (None, 0))
        figures[pk] = DayFigures(
            visits_by_kind=visits[pk],
            intent_counts=intents[pk],
            new_customers=new_customers.get(pk, 0),
            deal_count=deal_count,
            deal_amount=(deal_amount or Decimal("0")).quantize(Decimal("0.01")),
            quota_required=required,
            quota_counted=counted,
        )
    return figures


def day_figures_of(*, salesperson: User, day: date) -> DayFigures:
    return day_figures(salesperson_ids=[salesperson.pk], day=day)[salesperson.pk]


def report_of_day(*, salesperson: User, day: date) -> DailyReport | None:
    return DailyReport.objects.filter(salesperson=salesperson, day=day).first()


def _comments() -> Prefetch:
    return Prefetch(
        "comments", queryset=DailyReportComment.objects.select_related("author").order_by("created_at", "pk")
    )


def reports_for_list(*, user: User) -> QuerySet[DailyReport]:
    """The reports ``user`` may see, newest day first, with the salesperson and the number of comments."""
    return (
        DailyReport.objects.visible_to(user)
        .select_related("salesperson")
        .annotate(comment_count=Count("comments"))
        .order_by("-day", "salesperson__username", "pk")
    )


def reports_with_comments(*, user: User) -> QuerySet[DailyReport]:
    """The reports ``user`` may see, each with its salesperson, team and comment thread (one more query)."""
    return (
        DailyReport.objects.visible_to(user)
        .select_related("salesperson__team", "form_submission")
        .prefetch_related(_comments())
    )


def salespeople_overseen(*, viewer: User) -> QuerySet[User]:
    """The active salespeople whose reports ``viewer`` reads: a manager's teams, or everyone for the admin."""
    people = User.objects.filter(role=User.Role.SALESPERSON, is_active=True)
    if viewer.sees_everything:
        return people
    if viewer.is_manager:
        return people.filter(team__manager=viewer)
    return people.none()


@dataclass(frozen=True)
class ReportRow:
    report: DailyReport
    changes: list[str]  # what changed in the day since the report was submitted ([] when nothing did)


@dataclass
class TeamReportsOfDay:
    """A day's reports of the people a manager (or the admin) oversees, a page at a time."""

    day: date
    page: Page
    missing: list[User]  # not submitted yet, every one of them (not only this page's)
    current: dict[int, DayFigures] = field(default_factory=dict)  # the day now, by salesperson id

    @property
    def rows(self) -> list[ReportRow]:
        """This page's reports, each with what changed in the day since it was submitted."""
        return [
            ReportRow(report=report, changes=self.current[report.salesperson_id].changes_since(report.figures))
            for report in self.page
        ]


def team_reports_of_day(*, viewer: User, day: date, page_number: int | str | None = None) -> TeamReportsOfDay:
    """The reports of ``day`` that ``viewer`` may see (by team, then person), TEAM_PAGE_SIZE a page, each
    with its comment thread and the day's figures as they are now; and everyone overseen who has not
    submitted. Eight queries whatever the number of people: the count, the page, its comments, those
    missing, and the figures of the page's people (four)."""
    people = salespeople_overseen(viewer=viewer)
    reports = (
        reports_with_comments(user=viewer)
        .filter(day=day, salesperson__in=people)
        .order_by("salesperson__team__name", "salesperson__username", "pk")
    )
    page = Paginator(reports, TEAM_PAGE_SIZE).get_page(page_number)
    submitted = DailyReport.objects.filter(salesperson=OuterRef("pk"), day=day)
    missing = list(people.exclude(Exists(submitted)).select_related("team").order_by("team__name", "username"))
    current = day_figures(salesperson_ids=[report.salesperson_id for report in page], day=day)
    return TeamReportsOfDay(day=day, page=page, missing=missing, current=current)


def comments_for_my_day(
    *, salesperson: User, now: datetime | None = None, limit: int = COMMENTS_SHOWN
) -> list[DailyReportComment]:
    """What others wrote on the salesperson's reports in the last COMMENTS_SHOWN_FOR, newest first: one query."""
    since = (now or timezone.now()) - COMMENTS_SHOWN_FOR
    return list(
        DailyReportComment.objects.filter(report__salesperson=salesperson, created_at__gte=since)
        .exclude(author=salesperson)
        .select_related("author", "report")
        .order_by("-created_at", "-pk")[:limit]
    )

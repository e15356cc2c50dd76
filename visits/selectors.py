"""Reads of the visits app."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import User
from visits.models import Leave, QuotaOverride, Visit


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def salespeople_counted_on(*, day: date) -> QuerySet[User]:
    """Active salespeople whose visits count on ``day``: past their first days and not on leave."""
    grace = timedelta(days=settings.CRM["NEW_STARTER_GRACE_DAYS"])
    on_leave = Leave.objects.filter(salesperson=OuterRef("pk"), start_day__lte=day, end_day__gte=day)
    return User.objects.filter(
        role=User.Role.SALESPERSON, is_active=True, date_joined__lt=_start_of(day - grace + timedelta(days=1))
    ).exclude(Exists(on_leave))


def quota_results_for(*, day: date) -> QuerySet[User]:
    """Each counted salesperson annotated with ``required`` and ``actual`` visits on ``day``: one query.

    ``required`` is the latest personal override started by ``day``, else the team's daily quota,
    else the default from the settings.
    """
    override = (
        QuotaOverride.objects.filter(salesperson=OuterRef("pk"), valid_from__lte=day)
        .order_by("-valid_from")
        .values("daily_minimum")[:1]
    )
    visits = (
        Visit.objects.filter(salesperson=OuterRef("pk"), visited_on=day)
        .order_by()
        .values("salesperson")
        .annotate(count=Count("id"))
        .values("count")
    )
    return salespeople_counted_on(day=day).annotate(
        required=Coalesce(
            Subquery(override, output_field=IntegerField()),
            F("team__daily_visit_quota"),
            Value(settings.CRM["DEFAULT_DAILY_VISIT_QUOTA"]),
            output_field=IntegerField(),
        ),
        actual=Coalesce(Subquery(visits, output_field=IntegerField()), Value(0), output_field=IntegerField()),
    )


def weekly_visit_counts(*, first_week: date, last_week: date) -> dict[int, dict[date, int]]:
    """Visits per salesperson per week (keyed by Monday) between two Mondays, in one grouped query."""
    counts: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        Visit.objects.filter(visited_on__gte=first_week, visited_on__lt=last_week + timedelta(days=7))
        .values("salesperson_id", "visited_on")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        day = row["visited_on"]
        monday = day - timedelta(days=day.weekday())
        counts[row["salesperson_id"]][monday] = counts[row["salesperson_id"]].get(monday, 0) + row["count"]
    return counts


def visits_for_list(*, user: User) -> QuerySet[Visit]:
    """The visits ``user`` may see, with what every list, export and API row shows joined."""
    return Visit.objects.visible_to(user).select_related("salesperson", "customer", "customer__territory")


def visits_of_day(*, salesperson: User, day: date) -> QuerySet[Visit]:
    """One salesperson's own visits on ``day``, oldest first (the end-of-day review)."""
    return (
        Visit.objects.filter(salesperson=salesperson, visited_on=day)
        .select_related("customer")
        .order_by("visited_at", "pk")
    )


def customer_timeline(*, user: User, customer_id: int) -> QuerySet[Visit]:
    """Every visit to one customer that ``user`` may see, newest first."""
    return (
        Visit.objects.visible_to(user)
        .filter(customer_id=customer_id)
        .select_related("salesperson")
        .order_by("-visited_at", "-pk")
    )


def submission_for(*, salesperson: User, day: date):
    """The form submission whose period contains ``day``, or None."""
    from visits.models import FormSubmission

    return FormSubmission.objects.filter(salesperson=salesperson, period_start__lte=day, period_end__gte=day).first()


def submission_status_for(*, user: User, day: date) -> QuerySet[User]:
    """Salespeople ``user`` oversees, each with the submission covering ``day`` (or None) and that day's
    visit count, in one query: ``submitted_at``, ``late``, ``visits_that_day``."""
    from visits.models import FormSubmission

    people = User.objects.filter(role=User.Role.SALESPERSON, is_active=True)
    if not user.sees_everything:
        people = people.filter(team__manager=user)
    covering = FormSubmission.objects.filter(
        salesperson=OuterRef("pk"), period_start__lte=day, period_end__gte=day
    ).order_by("-period_start")
    visits = (
        Visit.objects.filter(salesperson=OuterRef("pk"), visited_on=day)
        .order_by()
        .values("salesperson")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        people.select_related("team")
        .annotate(
            submitted_at=Subquery(covering.values("submitted_at")[:1]),
            late=Subquery(covering.values("late")[:1]),
            visits_that_day=Coalesce(Subquery(visits, output_field=IntegerField()), Value(0)),
        )
        .order_by("team__name", "username")
    )


def intent_choices() -> list[tuple[str, str]]:
    """A–D with the labels configured in settings.CRM["INTENT_LABELS"], else the built-in ones."""
    from accounts.models import Customer

    configured = settings.CRM.get("INTENT_LABELS", {})
    choices = []
    for code, label in Customer.Intent.choices:
        text = configured.get(code) or str(label)
        # the button shows the letter already: "A: ready to buy" -> "ready to buy"
        for prefix in (f"{code}:", f"{code}："):
            text = text.removeprefix(prefix).strip()
        choices.append((code, text))
    return choices

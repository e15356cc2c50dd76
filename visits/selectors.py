"""Reads of the visits app."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import User
from visits.geo import navigation_links
from visits.models import Leave, QuotaOverride, RoutePlan, RouteStop, Visit, VisitPhoto


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
    else the default from the settings. With settings.CRM["QUOTA_COUNTS_VERIFIED_ONLY"] only
    verified check-ins count as ``actual``.
    """
    override = (
        QuotaOverride.objects.filter(salesperson=OuterRef("pk"), valid_from__lte=day)
        .order_by("-valid_from")
        .values("daily_minimum")[:1]
    )
    counted = Visit.objects.filter(salesperson=OuterRef("pk"), visited_on=day)
    if settings.CRM["QUOTA_COUNTS_VERIFIED_ONLY"]:
        counted = counted.filter(verified=True)
    visits = counted.order_by().values("salesperson").annotate(count=Count("id")).values("count")
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


def day_counts(*, salesperson: User, day: date) -> tuple[int, int]:
    """How many visits the salesperson logged on ``day`` and how many of them are still unrated: one query."""
    counts = Visit.objects.filter(salesperson=salesperson, visited_on=day).aggregate(
        total=Count("id"), unrated=Count("id", filter=Q(intent=""))
    )
    return counts["total"], counts["unrated"]


def customer_timeline(*, user: User, customer_id: int) -> QuerySet[Visit]:
    """Every visit to one customer that ``user`` may see, newest first, with its photos (one more query)."""
    return (
        Visit.objects.visible_to(user)
        .filter(customer_id=customer_id)
        .select_related("salesperson")
        .prefetch_related(Prefetch("photos", queryset=VisitPhoto.objects.order_by("pk")))
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


# --- offline copy and today's route -----------------------------------------------------------


def customers_for_offline_copy(*, user: User) -> QuerySet:
    """The salesperson's own scope, most recently worked first, capped: what the phone keeps offline."""
    from accounts.models import Customer

    return (
        Customer.objects.visible_to(user)
        .order_by(F("last_activity_at").desc(nulls_last=True), "pk")
        .values("pk", "unit_name", "district", "intent", "version", "latitude", "longitude")[
            : settings.CRM["OFFLINE_CUSTOMER_LIMIT"]
        ]
    )


@dataclass
class RouteCandidate:
    customer: object
    reason: str
    distance_from_previous_m: int | None = None
    visited_today: bool = False

    @property
    def reason_label(self) -> str:
        return RouteStop.Reason(self.reason).label

    @property
    def links(self) -> dict[str, str] | None:
        if self.customer.latitude is None or self.customer.longitude is None:
            return None
        return navigation_links(self.customer.latitude, self.customer.longitude, self.customer.unit_name)


def _optional_customer_ids(*, app_label: str, model_name: str, filters: dict) -> set[int]:
    """Customers named by another app's records, when that app is installed (key-account shortlists,
    phone inquiries); nothing otherwise."""
    from django.apps import apps
    from django.core.exceptions import FieldError

    try:
        model = apps.get_model(app_label, model_name)
        return set(model.objects.filter(**filters).values_list("customer_id", flat=True))
    except (LookupError, FieldError):
        return set()


def route_candidates(*, salesperson: User, day: date, start: tuple[float, float] | None = None) -> list[RouteCandidate]:
    """Today's proposed stops 顺路规划, in visiting order.

    Who is due: key accounts (the customer's status or this week's shortlist, when that app is
    there) not visited this week; inquiries routed to the salesperson that have no visit yet (when
    campaigns has them); renewals due this month or within the reminder window; customers not
    visited for settings.CRM["ROUTE_IDLE_DAYS"]. At most ROUTE_MAX_STOPS, most urgent first, then
    ordered by nearest neighbour from ``start`` (or the first located stop). Two queries.
    """
    from accounts.models import Customer
    from visits.geo import order_nearest

    now = _start_of(day)
    monday = day - timedelta(days=day.weekday())
    idle_since = now - timedelta(days=settings.CRM["ROUTE_IDLE_DAYS"])
    renewal_months = {day.month, (day + timedelta(days=settings.CRM["RENEWAL_REMINDER_DAYS"])).month}
    shortlisted = _optional_customer_ids(
        app_label="accounts", model_name="KeyAccountEntry", filters={"salesperson": salesperson, "week": monday}
    )
    inquiries = _optional_customer_ids(
        app_label="campaigns",
        model_name="PhoneInquiry",
        filters={"routed_to": salesperson, "customer__isnull": False},
    )
    visited_this_week = Exists(
        Visit.objects.filter(salesperson=salesperson, customer=OuterRef("pk"), visited_on__gte=monday)
    )
    visited_ever = Exists(Visit.objects.filter(customer=OuterRef("pk")))
    visited_today = Exists(Visit.objects.filter(salesperson=salesperson, customer=OuterRef("pk"), visited_on=day))
    due = (
        Q(status=Customer.Status.KEY_ACCOUNT, visited_this_week=False)
        | Q(pk__in=shortlisted, visited_this_week=False)
        | Q(pk__in=inquiries, visited_ever=False)
        | Q(renewal_month__in=renewal_months, visited_this_week=False)
        | Q(last_activity_at__isnull=True)
        | Q(last_activity_at__lt=idle_since)
    )
    rows = list(
        Customer.objects.visible_to(salesperson)
        .filter(pooled_at__isnull=True)
        .exclude(status=Customer.Status.LOST)
        .alias(visited_this_week=visited_this_week, visited_ever=visited_ever)
        .annotate(visited_today=visited_today)
        .filter(due)
        .only(
            "pk",
            "unit_name",
            "district",
            "address",
            "status",
            "renewal_month",
            "latitude",
            "longitude",
            "last_activity_at",
            "intent",
        )
        .order_by(F("last_activity_at").asc(nulls_first=True), "pk")[:200]
    )

    def reason_of(customer) -> str:
        if customer.status == Customer.Status.KEY_ACCOUNT or customer.pk in shortlisted:
            return "key_account"
        if customer.pk in inquiries:
            return "inquiry"
        if customer.renewal_month in renewal_months:
            return "renewal"
        return "idle"

    urgency = {"key_account": 0, "inquiry": 1, "renewal": 2, "idle": 3}
    chosen = sorted(rows, key=lambda customer: urgency[reason_of(customer)])[: settings.CRM["ROUTE_MAX_STOPS"]]
    by_pk = {customer.pk: customer for customer in chosen}
    ordered = order_nearest([(c.pk, c.latitude, c.longitude) for c in chosen], start=start)
    return [
        RouteCandidate(
            customer=by_pk[pk],
            reason=reason_of(by_pk[pk]),
            distance_from_previous_m=leg,
            visited_today=by_pk[pk].visited_today,
        )
        for pk, leg in ordered
    ]


def route_plan_of(*, salesperson: User, day: date):
    """The salesperson's saved plan for ``day`` with its stops (each with ``visited``), or None."""
    return RoutePlan.objects.filter(salesperson=salesperson, day=day).prefetch_related(_stops_with_visited()).first()


def _stops_with_visited() -> Prefetch:
    visited = Visit.objects.filter(
        salesperson=OuterRef("plan__salesperson"), customer=OuterRef("customer"), visited_on=OuterRef("plan__day")
    )
    far = visited.filter(far_from_customer=True)
    return Prefetch(
        "stops",
        queryset=RouteStop.objects.select_related("customer")
        .annotate(visited=Exists(visited), visited_far=Exists(far))
        .order_by("position"),
    )


def route_plans_for(*, user: User, day: date) -> QuerySet[RoutePlan]:
    """Plans of ``day`` that ``user`` may see (a manager: their teams'), each with its stops marked
    visited or not and ``off_plan_visits``: that day's visits to customers not in the plan."""
    off_plan = (
        Visit.objects.filter(salesperson=OuterRef("salesperson"), visited_on=day)
        .exclude(customer__route_stops__plan=OuterRef("pk"))
        .order_by()
        .values("salesperson")
        .annotate(count=Count("id"))
        .values("count")
    )
    visited_stops = (
        RouteStop.objects.filter(plan=OuterRef("pk"))
        .filter(
            Exists(
                Visit.objects.filter(
                    salesperson=OuterRef("plan__salesperson"),
                    customer=OuterRef("customer"),
                    visited_on=OuterRef("plan__day"),
                )
            )
        )
        .order_by()
        .values("plan")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        RoutePlan.objects.visible_to(user)
        .filter(day=day)
        .select_related("salesperson")
        .annotate(
            off_plan_visits=Coalesce(Subquery(off_plan, output_field=IntegerField()), Value(0)),
            visited_count=Coalesce(Subquery(visited_stops, output_field=IntegerField()), Value(0)),
        )
        .prefetch_related(_stops_with_visited())
        .order_by("salesperson__username")
    )

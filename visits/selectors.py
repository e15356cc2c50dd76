"""Reads of the visits app."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import User
from visits.geo import navigation_links
from visits.models import Leave, QuotaOverride, RoutePlan, RouteStop, Visit, VisitPhoto, WorkingDay

if TYPE_CHECKING:
    # A dev dependency (django-stubs): only the type checker reads it.
    from django_stubs_ext import StrOrPromise, WithAnnotations

    from accounts.customers.models import Customer


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def salespeople_counted_on(*, day: date) -> QuerySet[User]:
    """Active salespeople whose visits count on ``day``: a working day (the calendar, in the same
    query: nobody is counted on a weekend or a holiday, everyone on a make-up day), past their first
    days and not on leave."""
    grace = timedelta(days=settings.CRM["NEW_STARTER_GRACE_DAYS"])
    on_leave = Leave.objects.filter(salesperson=OuterRef("pk"), start_day__lte=day, end_day__gte=day)
    people = User.objects.filter(
        role=User.Role.SALESPERSON, is_active=True, date_joined__lt=_start_of(day - grace + timedelta(days=1))
    ).exclude(Exists(on_leave))
    if day.weekday() < 5:
        return people.exclude(Exists(WorkingDay.objects.filter(day=day, is_working=False)))
    return people.filter(Exists(WorkingDay.objects.filter(day=day, is_working=True)))


FIELD_VISIT_KINDS = (Visit.Kind.FIRST, Visit.Kind.SECOND, Visit.Kind.JOINT)


def visits_counted_for_quota() -> Q:
    """Which visits count toward the visit quota: the one definition (DESIGN.md §4, Quota).

    Visits at the customer's (first, second, joint) always count; with
    settings.CRM["QUOTA_COUNTS_VERIFIED_ONLY"] only verified check-ins among them. Phone calls and
    the customer's visits to the office count only where the salesperson's team says so
    (``Team.quota_counts_phone_calls`` / ``quota_counts_office_visits``); no position can verify them.
    A condition on Visit (it joins the salesperson's team): the quota check, the morning meeting,
    "my day" and the weekly assessment all filter with it.
    """
    field_visits = Q(kind__in=FIELD_VISIT_KINDS)
    if settings.CRM["QUOTA_COUNTS_VERIFIED_ONLY"]:
        field_visits &= Q(verified=True)
    return (
        field_visits
        | Q(kind=Visit.Kind.PHONE, salesperson__team__quota_counts_phone_calls=True)
        | Q(kind=Visit.Kind.OFFICE, salesperson__team__quota_counts_office_visits=True)
    )


class QuotaAnnotations(TypedDict):
    required: int
    actual: int


def quota_results_for(*, day: date) -> QuerySet[WithAnnotations[User, QuotaAnnotations]]:
    """Each counted salesperson annotated with ``required`` and ``actual`` visits on ``day``: one query.

    ``required`` is the latest personal override started by ``day``, else the team's daily quota,
    else the default from the settings. ``actual`` counts the visits ``visits_counted_for_quota``
    admits.
    """
    override = (
        QuotaOverride.objects.filter(salesperson=OuterRef("pk"), valid_from__lte=day)
        .order_by("-valid_from")
        .values("daily_minimum")[:1]
    )
    counted = Visit.objects.filter(visits_counted_for_quota(), salesperson=OuterRef("pk"), visited_on=day)
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


def quota_of_day(*, salesperson: User, day: date) -> QuotaAnnotations | None:
    """``{"required", "actual"}`` for one salesperson on ``day``, as the quota check counts them;
    None when the day has no quota for them (not a working day, on leave, a new starter)."""
    return quota_results_for(day=day).filter(pk=salesperson.pk).values("required", "actual").first()


def weekly_visit_counts(*, first_week: date, last_week: date) -> dict[int, dict[date, int]]:
    """Visits counted for the quota per salesperson per week (keyed by Monday) between two Mondays,
    in one grouped query."""
    counts: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        Visit.objects.filter(
            visits_counted_for_quota(), visited_on__gte=first_week, visited_on__lt=last_week + timedelta(days=7)
        )
        .values("salesperson_id", "visited_on")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        day = row["visited_on"]
        monday = day - timedelta(days=day.weekday())
        counts[row["salesperson_id"]][monday] = counts[row["salesperson_id"]].get(monday, 0) + row["count"]
    return counts


def weekly_working_days_present(
    *, salespeople: list[tuple[int, datetime]], first_week: date, last_week: date
) -> dict[int, dict[date, int]]:
    """Working days each salesperson was present, per week (keyed by Monday) between two Mondays.

    ``salespeople``: (id, date_joined). A day counts when the calendar makes it a working day, the
    person is past their first days (settings.CRM["NEW_STARTER_GRACE_DAYS"], as for the daily quota)
    and not on leave. Two queries whatever the number of people: the calendar and the leave.
    """
    from visits.calendar import working_days_between

    last_day = last_week + timedelta(days=6)
    working = working_days_between(first_week, last_day)
    grace = timedelta(days=settings.CRM["NEW_STARTER_GRACE_DAYS"])
    ids = [salesperson_id for salesperson_id, _joined in salespeople]
    away: dict[int, set[date]] = defaultdict(set)
    for salesperson_id, start, end in Leave.objects.filter(
        salesperson_id__in=ids, start_day__lte=last_day, end_day__gte=first_week
    ).values_list("salesperson_id", "start_day", "end_day"):
        away[salesperson_id].update(day for day in working if start <= day <= end)
    present: dict[int, dict[date, int]] = {}
    for salesperson_id, joined in salespeople:
        # counted on ``day`` when joined before the start of (day - grace + 1), as salespeople_counted_on
        counted_from = timezone.localdate(joined) + grace
        weeks: dict[date, int] = defaultdict(int)
        for day in working:
            if day >= counted_from and day not in away[salesperson_id]:
                weeks[day - timedelta(days=day.weekday())] += 1
        present[salesperson_id] = dict(weeks)
    return present


def assessments_for(*, viewer: User, month: date) -> list:
    """The assessments 考核 of the weeks starting in ``month`` that ``viewer`` may see (a salesperson
    their own, a manager their teams'), newest week first: one query."""
    from visits.models import Assessment

    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return list(
        Assessment.objects.visible_to(viewer)
        .filter(week__gte=month, week__lt=next_month)
        .select_related("salesperson")
        .order_by("-week", "salesperson__username")
    )


def visits_for_list(*, user: User) -> QuerySet[Visit]:
    """The visits ``user`` may see, with what every list, export and API row shows joined."""
    return Visit.objects.visible_to(user).select_related("salesperson", "customer", "customer__territory")


def with_photos(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """``visits`` with their photos, oldest first, in one more query whatever their number."""
    return visits.prefetch_related(Prefetch("photos", queryset=VisitPhoto.objects.order_by("pk")))


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
    visit count, in one query: ``submitted_at``, ``late``, ``visits_that_day``; and for the amendments
    (visits logged after the submission) ``submission_id``, ``submitted_count`` (the snapshot),
    ``amendment_count`` and ``amended_at`` (the latest)."""
    from visits.models import FormAmendment, FormSubmission

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
    amendments = (
        FormAmendment.objects.filter(
            submission__salesperson=OuterRef("pk"), submission__period_start__lte=day, submission__period_end__gte=day
        )
        .order_by()
        .values("submission__salesperson")
    )
    return (
        people.select_related("team")
        .annotate(
            submitted_at=Subquery(covering.values("submitted_at")[:1]),
            late=Subquery(covering.values("late")[:1]),
            submission_id=Subquery(covering.values("pk")[:1]),
            submitted_count=Subquery(covering.values("visit_count")[:1]),
            amendment_count=Coalesce(
                Subquery(amendments.annotate(count=Count("id")).values("count"), output_field=IntegerField()), Value(0)
            ),
            amended_at=Subquery(amendments.annotate(latest=Max("added_at")).values("latest")),
            visits_that_day=Coalesce(Subquery(visits, output_field=IntegerField()), Value(0)),
        )
        .order_by("team__name", "username")
    )


def intent_choices() -> list[tuple[str, str]]:
    """A–D with the labels configured in settings.CRM["INTENT_LABELS"], else the built-in ones."""
    from accounts.customers.models import Customer

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
    from accounts.customers.models import Customer
    from visits.trust import with_default_kind

    return (
        with_default_kind(Customer.objects.visible_to(user))
        .order_by(F("last_activity_at").desc(nulls_last=True), "pk")
        .values("pk", "unit_name", "district", "intent", "version", "latitude", "longitude", "visited_before")[
            : settings.CRM["OFFLINE_CUSTOMER_LIMIT"]
        ]
    )


@dataclass
class RouteCandidate:
    customer: Customer
    reason: str
    distance_from_previous_m: int | None = None
    visited_today: bool = False

    @property
    def reason_label(self) -> StrOrPromise:
        return RouteStop.Reason(self.reason).label

    @property
    def links(self) -> dict[str, str] | None:
        if self.customer.latitude is None or self.customer.longitude is None:
            return None
        return navigation_links(self.customer.latitude, self.customer.longitude, self.customer.unit_name)


@dataclass(frozen=True)
class RouteSource:
    """Customers a higher app asks to put on today's route (phone inquiries: campaigns).

    ``customer_ids(salesperson=..., day=...)`` returns a queryset of customer ids (or an iterable);
    such a customer is due until its first visit. ``name`` is the stop's reason (a ``RouteStop.Reason``);
    the lower ``urgency`` goes first (key accounts 0, renewals 2, idle 3).
    """

    name: str
    urgency: int
    customer_ids: Callable[..., Any]


ROUTE_SOURCES: dict[str, RouteSource] = {}


def register_route_source(*, name: str, urgency: int, customer_ids: Callable[..., Any]) -> None:
    """Called from a higher app's ``AppConfig.ready`` (visits never imports it). The same name twice keeps
    the first; a name that is not a stop reason is a programming error."""
    if name not in RouteStop.Reason.values:
        raise ValueError(f"Unknown route stop reason: {name}")
    ROUTE_SOURCES.setdefault(name, RouteSource(name=name, urgency=urgency, customer_ids=customer_ids))


def route_candidates(*, salesperson: User, day: date, start: tuple[float, float] | None = None) -> list[RouteCandidate]:
    """Today's proposed stops 顺路规划, in visiting order.

    Who is due: key accounts (the customer's status or this week's shortlist) not visited this week;
    the customers that registered route sources name (``register_route_source``: campaigns'
    inquiries routed to the salesperson) that have no visit yet; renewals due this month or within
    the reminder window; customers not visited for settings.CRM["ROUTE_IDLE_DAYS"]. At most
    ROUTE_MAX_STOPS, most urgent first, then in route order (``visits.geo.order_route``) from ``start``.
    Two queries, plus one per route source.
    """
    from accounts.customers.models import Customer
    from visits.geo import order_route

    now = _start_of(day)
    monday = day - timedelta(days=day.weekday())
    idle_since = now - timedelta(days=settings.CRM["ROUTE_IDLE_DAYS"])
    renewal_months = {day.month, (day + timedelta(days=settings.CRM["RENEWAL_REMINDER_DAYS"])).month}
    # This week's key-account shortlist, read through the customer's side of the relation: the visit log's
    # selectors stay below the follow-up (visits/key_accounts/ imports them, not the other way round).
    shortlisted = set(
        Customer.objects.filter(
            key_account_entries__salesperson=salesperson, key_account_entries__week=monday
        ).values_list("pk", flat=True)
    )
    sources = sorted(ROUTE_SOURCES.values(), key=lambda source: source.urgency)
    registered = {source.name: set(source.customer_ids(salesperson=salesperson, day=day)) for source in sources}
    awaited = set().union(*registered.values())
    visited_this_week = Exists(
        Visit.objects.filter(salesperson=salesperson, customer=OuterRef("pk"), visited_on__gte=monday)
    )
    visited_ever = Exists(Visit.objects.filter(customer=OuterRef("pk")))
    visited_today = Exists(Visit.objects.filter(salesperson=salesperson, customer=OuterRef("pk"), visited_on=day))
    due = (
        Q(status=Customer.Status.KEY_ACCOUNT, visited_this_week=False)
        | Q(pk__in=shortlisted, visited_this_week=False)
        | Q(pk__in=awaited, visited_ever=False)
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
        for source in sources:
            if customer.pk in registered[source.name]:
                return source.name
        if customer.renewal_month in renewal_months:
            return "renewal"
        return "idle"

    urgency = {"key_account": 0, "renewal": 2, "idle": 3} | {source.name: source.urgency for source in sources}
    chosen = sorted(rows, key=lambda customer: urgency[reason_of(customer)])[: settings.CRM["ROUTE_MAX_STOPS"]]
    by_pk = {customer.pk: customer for customer in chosen}
    ordered = order_route([(c.pk, c.latitude, c.longitude) for c in chosen], start=start)
    return [
        RouteCandidate(
            customer=by_pk[pk],
            reason=reason_of(by_pk[pk]),
            distance_from_previous_m=leg,
            visited_today=by_pk[pk].visited_today,
        )
        for pk, leg in ordered
    ]


def visits_making_stop() -> QuerySet[Visit]:
    """The visits that make a planned stop visited, for a ``RouteStop`` queryset (``Exists``): the plan's
    salesperson at the stop's customer on the plan's day, of any kind. The one definition: the route pages,
    My day, the week plan and plan against visits all read it."""
    return Visit.objects.filter(
        salesperson=OuterRef("plan__salesperson"), customer=OuterRef("customer"), visited_on=OuterRef("plan__day")
    )


def route_plan_of(*, salesperson: User, day: date):
    """The salesperson's saved plan for ``day`` with its stops (each with ``visited``), or None."""
    return RoutePlan.objects.filter(salesperson=salesperson, day=day).prefetch_related(_stops_with_visited()).first()


def _stops_with_visited() -> Prefetch:
    visited = visits_making_stop()
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
        .filter(Exists(visits_making_stop()))
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

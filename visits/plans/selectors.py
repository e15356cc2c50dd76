"""Reads of the plan: the week plan, a day's plan in route order, plan against visits.

A stop is visited when the plan's salesperson logged a visit to its customer that day
(``visits.selectors.visits_making_stop``); on leave when that day is one of the salesperson's leave (often
approved after the week was planned: nobody missed it); missed when its day has passed without a visit;
open otherwise.
Missed is computed when read, never written by a job. Each read is a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from crm.errors import NotFound
from crm.models import User
from visits.calendar import working_days_between
from visits.geo import navigation_links
from visits.models import Leave, RouteStop, Visit
from visits.plans.services import day_label, plan_window
from visits.selectors import visits_making_stop


class StopStatus:
    VISITED = "visited"
    MISSED = "missed"
    ON_LEAVE = "on_leave"
    OPEN = "open"

    LABELS = {VISITED: _("Visited"), MISSED: _("Missed"), ON_LEAVE: _("On leave"), OPEN: _("To visit")}


def stop_day_on_leave() -> Exists:
    """The stop's day is one of its salesperson's days of leave (for a RouteStop queryset)."""
    return Exists(
        Leave.objects.filter(
            salesperson=OuterRef("plan__salesperson"),
            start_day__lte=OuterRef("plan__day"),
            end_day__gte=OuterRef("plan__day"),
        )
    )


def stops_with_status(queryset: QuerySet[RouteStop], *, today: date) -> QuerySet[RouteStop]:
    """``visited`` and ``status`` (visited; on leave; missed: its day has passed without a visit; open) on
    each stop."""
    return queryset.annotate(visited=Exists(visits_making_stop()), on_leave=stop_day_on_leave()).annotate(
        status=Case(
            When(visited=True, then=Value(StopStatus.VISITED)),
            When(on_leave=True, then=Value(StopStatus.ON_LEAVE)),
            When(plan__day__lt=today, then=Value(StopStatus.MISSED)),
            default=Value(StopStatus.OPEN),
            output_field=CharField(),
        )
    )


@dataclass
class PlannedStop:
    """A stop as the pages show it: the stop (with its customer), its status, the phone's navigation links."""

    stop: RouteStop

    @property
    def status(self) -> str:
        return self.stop.status  # type: ignore[attr-defined]  # annotated by stops_with_status

    @property
    def status_label(self):
        return StopStatus.LABELS[self.status]

    @property
    def links(self) -> dict[str, str] | None:
        customer = self.stop.customer
        if customer.latitude is None or customer.longitude is None:
            return None
        return navigation_links(customer.latitude, customer.longitude, customer.unit_name)


def _planned_stops(*, salesperson: User, days: tuple[date, date], today: date) -> list[PlannedStop]:
    """The salesperson's stops of ``days`` in day and route order. A stop of today or later whose customer the
    salesperson no longer sees (gone to a colleague's territory) is left out; a past one stays, as the history
    of their own work."""
    current = Q(plan__day__lt=today) | Q(customer__in=Customer.objects.visible_to(salesperson).values("pk"))
    rows = (
        stops_with_status(
            RouteStop.objects.filter(current, plan__salesperson=salesperson, plan__day__range=days), today=today
        )
        .select_related("plan", "customer")
        .only(
            "pk",
            "position",
            "note",
            "reason",
            "distance_from_previous_m",
            "plan__id",
            "plan__day",
            "plan__salesperson_id",
            "customer__id",
            "customer__unit_name",
            "customer__district",
            "customer__address",
            "customer__intent",
            "customer__latitude",
            "customer__longitude",
        )
    )
    return [PlannedStop(stop) for stop in rows.order_by("plan__day", "position")]


# --- a day's plan ---------------------------------------------------------------------------------


@dataclass
class DayPlan:
    """One day's stops: those still to visit in route order first, then the visited (and missed) ones."""

    day: date
    stops: list[PlannedStop]

    @property
    def to_visit(self) -> list[PlannedStop]:
        return [stop for stop in self.stops if stop.status == StopStatus.OPEN]

    @property
    def done(self) -> list[PlannedStop]:
        return [stop for stop in self.stops if stop.status != StopStatus.OPEN]

    @property
    def in_order(self) -> list[PlannedStop]:
        return self.to_visit + self.done

    @property
    def visited_count(self) -> int:
        return sum(stop.status == StopStatus.VISITED for stop in self.stops)


def day_plan(*, salesperson: User, day: date, today: date) -> DayPlan:
    """The salesperson's plan of ``day``: one query."""
    return DayPlan(day=day, stops=_planned_stops(salesperson=salesperson, days=(day, day), today=today))


# --- the week plan --------------------------------------------------------------------------------


@dataclass
class PlanDay:
    """A column of the week plan (a section on a phone)."""

    day: date
    is_working: bool
    on_leave: bool
    plannable: bool
    is_today: bool
    stops: list[PlannedStop] = field(default_factory=list)

    @property
    def label(self) -> str:
        return day_label(self.day)


def plan_days(*, salesperson: User | None, first: date, last: date, today: date) -> list[PlanDay]:
    """The days from ``first`` to ``last`` with whether each is a working day, a day of leave, plannable.
    Two queries (one without a salesperson)."""
    working = set(working_days_between(first, last))
    leave: list[tuple[date, date]] = []
    if salesperson is not None:
        leave = list(
            Leave.objects.filter(salesperson=salesperson, start_day__lte=last, end_day__gte=first).values_list(
                "start_day", "end_day"
            )
        )
    window = plan_window(today=today)
    days = []
    day = first
    while day <= last:
        days.append(
            PlanDay(
                day=day,
                is_working=day in working,
                on_leave=any(start <= day <= end for start, end in leave),
                plannable=window[0] <= day <= window[1],
                is_today=day == today,
            )
        )
        day += timedelta(days=1)
    return days


def week_plan(*, salesperson: User, week: date, today: date) -> list[PlanDay]:
    """The seven days of the week starting ``week`` (a Monday), each with its stops in route order. Three
    queries whatever the number of stops."""
    days = plan_days(salesperson=salesperson, first=week, last=week + timedelta(days=6), today=today)
    by_day = {plan_day.day: plan_day for plan_day in days}
    for stop in _planned_stops(salesperson=salesperson, days=(days[0].day, days[-1].day), today=today):
        by_day[stop.stop.plan.day].stops.append(stop)
    return days


def plannable_days(*, today: date) -> list[PlanDay]:
    """The days a stop may be planned on, for the day pickers: one query."""
    first, last = plan_window(today=today)
    return plan_days(salesperson=None, first=first, last=last, today=today)


def default_plan_day(days: Sequence[PlanDay]) -> date | None:
    """What a day picker starts on: the first working day after today (tomorrow's plan is made today)."""
    later = [plan_day for plan_day in days if not plan_day.is_today]
    for plan_day in later:
        if plan_day.is_working:
            return plan_day.day
    return later[0].day if later else (days[0].day if days else None)


# --- plan against visits --------------------------------------------------------------------------


def salespeople_in_view(*, user: User) -> QuerySet[User]:
    """Whose plans ``user`` may compare with their visits: a salesperson their own, a manager their teams'
    salespeople, the admin every salesperson; others nobody."""
    people = User.objects.filter(role=User.Role.SALESPERSON, is_active=True).order_by("username")
    if user.sees_everything:
        return people
    if user.is_manager:
        return people.filter(team__manager=user)
    if user.is_salesperson:
        return people.filter(pk=user.pk)
    return people.none()


@dataclass
class PlanCounts:
    planned: int = 0
    made: int = 0  # planned stops visited that day
    missed: int = 0  # planned stops whose day passed without a visit (not on leave)
    on_leave: int = 0  # planned stops not visited on a day of the salesperson's leave
    unplanned: int = 0  # visits that day to customers not planned that day

    @property
    def open(self) -> int:
        """Planned stops of today or later not visited yet (and not on a day of leave)."""
        return self.planned - self.made - self.missed - self.on_leave

    def add(self, other: PlanCounts) -> None:
        self.planned += other.planned
        self.made += other.made
        self.missed += other.missed
        self.on_leave += other.on_leave
        self.unplanned += other.unplanned


@dataclass
class PersonWeek:
    salesperson: User
    days: list[tuple[date, PlanCounts]]
    total: PlanCounts


def unplanned_visits() -> QuerySet[Visit]:
    """Visits to a customer that the salesperson had not planned that day."""
    planned = RouteStop.objects.filter(
        plan__salesperson=OuterRef("salesperson"), plan__day=OuterRef("visited_on"), customer=OuterRef("customer")
    )
    return Visit.objects.exclude(Exists(planned))


def plan_against_visits(*, people: Sequence[User], week: date, today: date) -> list[PersonWeek]:
    """For each person and each day of the week starting ``week``: stops planned, made as planned, missed,
    and visits made off the plan. Two grouped queries whatever the number of people, days or stops."""
    ids = [person.pk for person in people]
    last = week + timedelta(days=6)
    counts: dict[tuple[int, date], PlanCounts] = {}
    visited = Q(Exists(visits_making_stop()))
    on_leave = Q(stop_day_on_leave())
    stop_rows = (
        RouteStop.objects.filter(plan__salesperson__in=ids, plan__day__range=(week, last))
        .values("plan__salesperson", "plan__day")
        .annotate(
            planned=Count("id"),
            made=Count("id", filter=visited),
            missed=Count("id", filter=~visited & ~on_leave & Q(plan__day__lt=today)),
            on_leave=Count("id", filter=~visited & on_leave),
        )
        .order_by()
    )
    for row in stop_rows:
        counts[(row["plan__salesperson"], row["plan__day"])] = PlanCounts(
            planned=row["planned"], made=row["made"], missed=row["missed"], on_leave=row["on_leave"]
        )
    visit_rows = (
        unplanned_visits()
        .filter(salesperson__in=ids, visited_on__range=(week, last))
        .values("salesperson", "visited_on")
        .annotate(count=Count("id"))
        .order_by()
    )
    for visit_row in visit_rows:
        key = (visit_row["salesperson"], visit_row["visited_on"])
        counts.setdefault(key, PlanCounts()).unplanned = visit_row["count"]
    weeks = []
    for person in people:
        days = []
        total = PlanCounts()
        for offset in range(7):
            day = week + timedelta(days=offset)
            day_counts = counts.get((person.pk, day), PlanCounts())
            total.add(day_counts)
            days.append((day, day_counts))
        weeks.append(PersonWeek(salesperson=person, days=days, total=total))
    return weeks


@dataclass
class PersonDay:
    salesperson: User
    day: date
    plan: DayPlan
    unplanned: list[Visit]

    @property
    def counts(self) -> PlanCounts:
        return PlanCounts(
            planned=len(self.plan.stops),
            made=self.plan.visited_count,
            missed=sum(stop.status == StopStatus.MISSED for stop in self.plan.stops),
            on_leave=sum(stop.status == StopStatus.ON_LEAVE for stop in self.plan.stops),
            unplanned=len(self.unplanned),
        )


def person_day(*, user: User, salesperson_id: int, day: date, today: date) -> PersonDay:
    """One person's day for the drill-down: the plan with each stop's status and the visits off the plan.
    A person outside ``user``'s view does not exist for them (404). Three queries."""
    salesperson = salespeople_in_view(user=user).filter(pk=salesperson_id).first()
    if salesperson is None:
        raise NotFound(_("No salesperson matches the given query."))
    unplanned = list(
        unplanned_visits()
        .filter(salesperson=salesperson, visited_on=day)
        .select_related("customer")
        .only("pk", "kind", "visited_at", "visited_on", "intent", "customer__id", "customer__unit_name")
        .order_by("visited_at", "pk")
    )
    return PersonDay(
        salesperson=salesperson,
        day=day,
        plan=day_plan(salesperson=salesperson, day=day, today=today),
        unplanned=unplanned,
    )

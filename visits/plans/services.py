"""Writes of the plan: a salesperson's planned stops per day (``RoutePlan`` + ``RouteStop``), kept in route order.

The week plan is the plans of the days of a week; today's route (``save_route_plan``) is today's plan saved
at once. Every change re-orders the day (``visits.geo.order_route``), so a stop's ``position`` is always its
place on the shortest route found. A past day's plan is kept as it was: it is what the visits are measured
against (missed stops are computed, never written).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.customers.models import Customer
from crm.dates import week_start
from crm.errors import ApplicationError, NotFound, NotPermitted
from crm.models import User
from territories.models import Territory
from territories.services import WorkPreview
from visits.calendar import is_working_day
from visits.geo import order_route
from visits.models import Leave, RoutePlan, RouteStop
from visits.services import clean_phone_position

NOTE_MAX_LENGTH = RouteStop._meta.get_field("note").max_length or 200
# Positions are renumbered in two steps (out of the way, then 1..n) so that the unique (plan, position)
# holds after every statement, on every database.
_RENUMBER_OFFSET = 1000


def max_stops_per_day() -> int:
    return settings.CRM["ROUTE_MAX_STOPS"] * 2


def plan_window(*, today: date | None = None) -> tuple[date, date]:
    """The days a salesperson may plan: today to the end of next week."""
    today = today or timezone.localdate()
    return today, week_start(today) + timedelta(days=13)


def day_label(day: date) -> str:
    """“Wed 11-25”, in the user's language."""
    return f"{formats.date_format(day, 'D')} {day:%m-%d}"


@dataclass
class PlanChange:
    """What a change did: the stop as it is now, and what the salesperson should know (a day off, leave)."""

    stop: RouteStop
    warnings: list[str] = field(default_factory=list)


def _refuse_unless_salesperson(user: User) -> None:
    if not user.is_salesperson:
        raise NotPermitted(_("Only salespeople plan visits."))


def _check_plannable(day: date) -> None:
    first, last = plan_window()
    if day < first:
        raise ApplicationError(
            _("%(day)s has passed: plan today or a later day.") % {"day": day_label(day)},
            extra={"code": "day_past"},
        )
    if day > last:
        raise ApplicationError(
            _("Plan up to the end of next week (%(last)s).") % {"last": day_label(last)},
            extra={"code": "day_too_far"},
        )


def _warnings_for(*, salesperson: User, day: date) -> list[str]:
    warnings = []
    if not is_working_day(day):
        warnings.append(_("%(day)s is not a working day.") % {"day": day_label(day)})
    if Leave.objects.filter(salesperson=salesperson, start_day__lte=day, end_day__gte=day).exists():
        warnings.append(_("You are on leave on %(day)s.") % {"day": day_label(day)})
    return warnings


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Write at most %(limit)d characters (this has %(count)d).")
                % {"limit": NOTE_MAX_LENGTH, "count": len(note)}
            }
        )
    return note


def _locked_plan(*, salesperson: User, day: date) -> RoutePlan:
    """The salesperson's plan of ``day``, created if need be, locked until the end of the transaction
    (two changes of one day at once re-order one after the other)."""
    plan, _created = RoutePlan.objects.get_or_create(salesperson=salesperson, day=day)
    return RoutePlan.objects.select_for_update().get(pk=plan.pk)


def _own_stop(*, salesperson: User, stop_id: int) -> RouteStop:
    """The salesperson's own stop, locked with its plan; a stop of anyone else does not exist for them."""
    _refuse_unless_salesperson(salesperson)
    stop = (
        RouteStop.objects.select_related("plan", "customer")
        .filter(pk=stop_id, plan__salesperson=salesperson)
        .select_for_update(of=("self", "plan"))
        .first()
    )
    if stop is None:
        raise NotFound(_("No planned visit matches the given query."))
    if stop.plan.day < timezone.localdate():
        raise ApplicationError(
            _("The plan of %(day)s is kept as it was: the visits of that day are measured against it.")
            % {"day": day_label(stop.plan.day)},
            extra={"code": "day_past"},
        )
    return stop


def _check_room(*, plan: RoutePlan, customer: Customer) -> None:
    if plan.stops.filter(customer=customer).exists():
        raise ApplicationError(
            _("%(customer)s is already planned on %(day)s.")
            % {"customer": customer.unit_name, "day": day_label(plan.day)},
            extra={"code": "already_planned"},
        )
    if plan.stops.count() >= max_stops_per_day():
        raise ApplicationError(
            _("%(day)s has %(count)d stops, the most for one day.")
            % {"day": day_label(plan.day), "count": max_stops_per_day()},
            extra={"code": "day_full"},
        )


def _next_position(plan: RoutePlan) -> int:
    return (plan.stops.aggregate(last=Max("position"))["last"] or 0) + 1


def reorder_plan(*, plan: RoutePlan) -> None:
    """Put the plan's stops in route order from its start point (the phone's position when today's route was
    saved), stops without a location last in the order they had; store each leg's length. Idempotent."""
    stops = list(
        plan.stops.select_related("customer")
        .only("pk", "position", "customer__latitude", "customer__longitude")
        .order_by("position")
    )
    if not stops:
        return
    start = (
        (float(plan.start_latitude), float(plan.start_longitude))
        if plan.start_latitude is not None and plan.start_longitude is not None
        else None
    )
    ordered = order_route([(stop.pk, stop.customer.latitude, stop.customer.longitude) for stop in stops], start=start)
    by_pk = {stop.pk: stop for stop in stops}
    for position, (pk, leg) in enumerate(ordered, start=1):
        by_pk[pk].position = position
        by_pk[pk].distance_from_previous_m = leg
    plan.stops.update(position=F("position") + _RENUMBER_OFFSET)
    RouteStop.objects.bulk_update(stops, ["position", "distance_from_previous_m"])


def _drop_if_empty(plan: RoutePlan) -> None:
    if not plan.stops.exists():
        plan.delete()


@transaction.atomic
def add_to_plan(*, salesperson: User, customer_id: int, day: date, note: str = "") -> PlanChange:
    """Plan a visit to a customer the salesperson sees on ``day`` (today to the end of next week).

    Refused: a past day or one beyond next week, a customer already planned that day (told, not doubled),
    a full day. A day off or a day of leave is allowed with a warning. The day is re-ordered.
    """
    _refuse_unless_salesperson(salesperson)
    customer = Customer.objects.visible_to(salesperson).filter(pk=customer_id).only("pk", "unit_name").first()
    if customer is None:
        raise NotFound(_("No customer matches the given query."))
    _check_plannable(day)
    note = _clean_note(note)
    plan = _locked_plan(salesperson=salesperson, day=day)
    _check_room(plan=plan, customer=customer)
    stop = RouteStop.objects.create(plan=plan, customer=customer, position=_next_position(plan), note=note)
    reorder_plan(plan=plan)
    stop.refresh_from_db()
    return PlanChange(stop=stop, warnings=_warnings_for(salesperson=salesperson, day=day))


@transaction.atomic
def move_stop(*, salesperson: User, stop_id: int, day: date) -> PlanChange:
    """Move one of the salesperson's stops (of today or later) to another day, under the same rules as
    adding it there; both days are re-ordered, and a day left without stops has no plan any more."""
    stop = _own_stop(salesperson=salesperson, stop_id=stop_id)
    if stop.plan.day == day:
        return PlanChange(stop=stop)
    _check_plannable(day)
    source = stop.plan
    target = _locked_plan(salesperson=salesperson, day=day)
    _check_room(plan=target, customer=stop.customer)
    stop.plan = target
    stop.position = _next_position(target)
    stop.save(update_fields=["plan", "position"])
    reorder_plan(plan=target)
    reorder_plan(plan=source)
    _drop_if_empty(source)
    stop.refresh_from_db()
    return PlanChange(stop=stop, warnings=_warnings_for(salesperson=salesperson, day=day))


@transaction.atomic
def remove_stop(*, salesperson: User, stop_id: int) -> date:
    """Take one of the salesperson's stops (of today or later) off the plan; returns its day."""
    stop = _own_stop(salesperson=salesperson, stop_id=stop_id)
    plan = stop.plan
    stop.delete()
    reorder_plan(plan=plan)
    _drop_if_empty(plan)
    return plan.day


@transaction.atomic
def update_stop_note(*, salesperson: User, stop_id: int, note: str) -> RouteStop:
    """Set the purpose of one of the salesperson's stops (of today or later)."""
    stop = _own_stop(salesperson=salesperson, stop_id=stop_id)
    stop.note = _clean_note(note)
    stop.save(update_fields=["note"])
    return stop


@transaction.atomic
def save_route_plan(
    *,
    salesperson: User,
    day: date,
    customer_ids: Sequence[int],
    reasons: Mapping[int, str] | None = None,
    start_latitude: Decimal | float | str | None = None,
    start_longitude: Decimal | float | str | None = None,
) -> RoutePlan:
    """Save (or replace) the salesperson's plan for ``day`` at once (today's route): the stops in route order
    from the start point (the phone's position, else the shorter way through).

    Every stop must be a customer the salesperson sees (else NotFound). One plan per day: saving again
    replaces its stops; a customer planned before keeps its purpose.
    """
    _refuse_unless_salesperson(salesperson)
    customer_ids = list(dict.fromkeys(int(pk) for pk in customer_ids))
    if not customer_ids:
        raise ApplicationError(_("Choose at least one customer to visit."))
    if len(customer_ids) > max_stops_per_day():
        raise ApplicationError(_("Too many stops for one day."))
    _check_plannable(day)
    visible = set(Customer.objects.visible_to(salesperson).filter(pk__in=customer_ids).values_list("pk", flat=True))
    if len(visible) != len(customer_ids):
        raise NotFound(_("No customer matches the given query."))
    start_lat, start_lon, _accuracy = clean_phone_position(start_latitude, start_longitude, None)
    plan = _locked_plan(salesperson=salesperson, day=day)
    plan.start_latitude, plan.start_longitude = start_lat, start_lon
    plan.save()
    notes = dict(plan.stops.values_list("customer_id", "note"))
    plan.stops.all().delete()
    reasons = reasons or {}
    RouteStop.objects.bulk_create(
        [
            RouteStop(
                plan=plan,
                customer_id=pk,
                position=index,
                reason=reasons.get(pk, RouteStop.Reason.CHOSEN),
                note=notes.get(pk, ""),
            )
            for index, pk in enumerate(customer_ids, start=1)
        ]
    )
    reorder_plan(plan=plan)
    return plan


# --- planned visits when a territory changes hands -------------------------------------------------------


def _planned_visits_moving(*, territory: Territory, to_user: User, at: datetime):
    return RouteStop.objects.filter(
        customer__territory=territory, customer__pooled_at__isnull=True, plan__day__gte=timezone.localdate(at)
    ).exclude(plan__salesperson=to_user)


def move_planned_visits_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover for territory reassignment: the planned visits (route stops from today on) that others
    planned to the territory's customers go to the new owner's route plan of the same day (made when they have
    none), after their own stops and keeping their reason and purpose; a customer already in that plan is not doubled.
    Both the new owner's plans and the old ones are put back in route order. Returns how many stops left the old
    plans. A release moves none: the stops wait (hidden, as their customers are) for the next owner."""
    stops = list(
        _planned_visits_moving(territory=territory, to_user=to_user, at=at)
        .select_related("plan")
        .order_by("plan__day", "plan_id", "position")
    )
    if not stops:
        return 0
    days = sorted({stop.plan.day for stop in stops})
    plans = {plan.day: plan for plan in RoutePlan.objects.select_for_update().filter(salesperson=to_user, day__in=days)}
    for day in days:
        if day not in plans:
            plans[day] = RoutePlan.objects.create(salesperson=to_user, day=day)
    present = RouteStop.objects.filter(plan__in=list(plans.values()))
    taken = set(present.values_list("plan_id", "customer_id"))
    last: dict[int, int] = dict(present.values("plan_id").annotate(last=Max("position")).values_list("plan_id", "last"))
    added = []
    for stop in stops:
        plan = plans[stop.plan.day]
        if (plan.pk, stop.customer_id) in taken:
            continue
        taken.add((plan.pk, stop.customer_id))
        last[plan.pk] = last.get(plan.pk, 0) + 1
        added.append(
            RouteStop(
                plan=plan, customer_id=stop.customer_id, position=last[plan.pk], reason=stop.reason, note=stop.note
            )
        )
    old_plans = {stop.plan for stop in stops}
    RouteStop.objects.filter(pk__in=[stop.pk for stop in stops]).delete()
    RouteStop.objects.bulk_create(added)
    for plan in [*plans.values(), *old_plans]:
        reorder_plan(plan=plan)
        _drop_if_empty(plan)
    return len(stops)


def preview_planned_visits_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    """What ``move_planned_visits_of_territory`` would move now, the first ``limit`` as "day customer"."""
    if to_user is None:
        return WorkPreview(count=0)
    stops = _planned_visits_moving(territory=territory, to_user=to_user, at=at)
    sample = stops.order_by("plan__day", "position", "pk").values_list("plan__day", "customer__unit_name")[:limit]
    return WorkPreview(count=stops.count(), sample=tuple(f"{day:%Y-%m-%d} {unit}" for day, unit in sample))

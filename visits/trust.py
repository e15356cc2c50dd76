"""Location trust and the repeat guard of visits.

- A check-in farther from the customer than the team's radius needs a reason (FarCheckInNeedsReason).
- The same customer and kind of visit again within the team's window is a repeat (RepeatVisit): the
  salesperson updates the visit already logged (update_visit) instead of adding another.
- The manager's review flags what does not look like a real visit at the door (trust_flags), from
  columns stored at record time, so the team list computes them without a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.errors import Conflict
from crm.models import Team, User
from visits.geo import haversine_m
from visits.models import Visit

# Kinds done at the customer's door: only these are judged by where the phone was (a phone call or the
# customer's visit to the office is logged from anywhere).
AT_CUSTOMER_KINDS = (Visit.Kind.FIRST, Visit.Kind.SECOND, Visit.Kind.JOINT)
# A browser fix is never better than a metre or so; 0 m comes from a mocked or spoofed position.
MIN_BELIEVABLE_ACCURACY_M = 1
# Faster than this between two check-ins of one day is not a drive through the city...
IMPOSSIBLE_SPEED_KMH = 120
# ...unless the two are this close, where GPS jitter between two fixes a minute apart would trigger it.
MIN_TRAVEL_FLAG_M = 2_000
# A speed is stored as a whole number; two check-ins kilometres apart in the same second get this.
SPEED_CAP_KMH = 99_999
FAR_REASON_MAX_LENGTH = 300


# --- the team's settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustSettings:
    radius_m: int
    repeat_window: timedelta


def trust_settings_for(salesperson: User) -> TrustSettings:
    """The salesperson's team's radius and repeat window (no team, or no radius set: the branch default)."""
    default_radius = settings.CRM["CHECK_IN_RADIUS_M"]
    row = None
    if salesperson.team_id:
        row = (
            Team.objects.filter(pk=salesperson.team_id)
            .values_list("check_in_radius_m", "repeat_visit_window_minutes")
            .first()
        )
    radius, window = row if row is not None else (None, 30)
    return TrustSettings(radius_m=radius or default_radius, repeat_window=timedelta(minutes=window))


# --- how a distance reads ------------------------------------------------------------------------------


def distance_text(meters: int | float) -> str:
    """120 m, 1.2 km, 18.6 km: metres near the customer, kilometres beyond."""
    if meters < 1000:
        return _("%(distance)d m") % {"distance": round(meters)}
    return _("%(distance)s km") % {"distance": f"{meters / 1000:.1f}"}


def saved_message(visit: Visit, *, set_location: bool) -> str:
    """What the salesperson reads once the visit is stored: where they were against the customer."""
    customer = visit.customer
    if visit.latitude is None:
        return _("Visit to %(customer)s logged, with no position from the phone.") % {"customer": customer}
    if set_location:
        return _("Visit to %(customer)s logged. The customer's location was not known yet: this check-in sets it.") % {
            "customer": customer
        }
    if visit.distance_m is None:
        return _("Visit to %(customer)s logged. The customer's location is not known yet.") % {"customer": customer}
    return _("Visit to %(customer)s logged, %(distance)s from the customer.") % {
        "customer": customer,
        "distance": distance_text(visit.distance_m),
    }


def gave_customer_position(visit: Visit) -> bool:
    """The customer's position is still the one this check-in gave it (the first precise check-in at a
    customer without any): its salesperson may say it was not at the customer."""
    customer = visit.customer
    return (
        visit.verified
        and visit.distance_m == 0
        and visit.latitude is not None
        and customer.location_source == customer.LocationSource.CHECK_IN
        and (customer.latitude, customer.longitude) == (visit.latitude, visit.longitude)
    )


# --- far check-ins -------------------------------------------------------------------------------------


class FarCheckInNeedsReason(ValidationError):
    """A check-in beyond the team's radius without a reason: nothing is stored; ask why and send again."""

    code = "far_reason_required"

    def __init__(self, *, distance_m: int, radius_m: int, customer_name: str) -> None:
        message = _(
            "You are %(distance)s from %(customer)s (the team's radius is %(radius)s). "
            "Say why you are checking in from here."
        ) % {"distance": distance_text(distance_m), "customer": customer_name, "radius": distance_text(radius_m)}
        super().__init__({"far_reason": ValidationError(message, code=self.code)})
        self.message_text = message
        self.distance_m = distance_m
        self.radius_m = radius_m
        self.customer_name = customer_name

    def details(self) -> dict:
        """What the API and the offline sync add to the refusal, so a phone can ask for the reason."""
        return {
            "code": self.code,
            "field": "far_reason",
            "distance_m": self.distance_m,
            "radius_m": self.radius_m,
            "customer_name": self.customer_name,
        }


def is_far(*, distance_m: int, accuracy_m: int | None, radius_m: int) -> bool:
    """Far when even the most favourable reading (distance minus the fix's accuracy) is beyond the radius."""
    return distance_m - (accuracy_m or 0) > radius_m


def clean_far_reason(far_reason: str | None) -> str:
    far_reason = (far_reason or "").strip()
    if len(far_reason) > FAR_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "far_reason": _("Keep the reason under %(count)d characters.") % {"count": FAR_REASON_MAX_LENGTH},
            }
        )
    return far_reason


def require_far_reason(*, visit: Visit, radius_m: int, far_reason: str) -> None:
    """Refuse a far check-in at the door without a reason (phone calls and office visits are not judged)."""
    if visit.kind in AT_CUSTOMER_KINDS and visit.far_from_customer and not far_reason:
        assert visit.distance_m is not None  # far_from_customer is only ever set with the distance it judges
        raise FarCheckInNeedsReason(
            distance_m=visit.distance_m, radius_m=radius_m, customer_name=visit.customer.unit_name
        )


# --- the repeat guard ----------------------------------------------------------------------------------


class RepeatVisit(Conflict):
    """The same customer and kind again within the team's window: update that visit instead."""

    code = "repeat_visit"

    def __init__(self, *, visit: Visit, customer_name: str) -> None:
        at = timezone.localtime(visit.visited_at)
        message = _("You logged a %(kind)s to %(customer)s at %(time)s. Update that visit instead?") % {
            "kind": visit.get_kind_display().lower(),
            "customer": customer_name,
            "time": at.strftime("%H:%M"),
        }
        self.visit_id = visit.pk
        self.visited_at = at
        self.time_text = at.strftime("%H:%M")
        super().__init__(message, extra={"code": self.code, "visit": visit.pk, "visited_at": at.isoformat()})


def guard_repeat(*, salesperson: User, customer_id: int, kind: str, visited_at: datetime, window: timedelta) -> None:
    """Raise RepeatVisit when the salesperson logged this kind of visit to this customer within ``window``
    of ``visited_at`` (before or after: a visit synced late counts the same), on the same day: the way out
    is to update that visit, and update_visit takes today's only. Callers hold the customer's row lock, so
    two submits at once with different client ids cannot both pass."""
    if window <= timedelta(0):
        return
    earlier = (
        Visit.objects.filter(
            salesperson=salesperson,
            customer_id=customer_id,
            kind=kind,
            visited_on=timezone.localdate(visited_at),
            visited_at__gt=visited_at - window,
            visited_at__lt=visited_at + window,
        )
        .select_related("customer")
        .order_by("-visited_at", "-pk")
        .first()
    )
    if earlier is not None:
        raise RepeatVisit(visit=earlier, customer_name=earlier.customer.unit_name)


# --- the kind of visit, from the history ----------------------------------------------------------------


def _visited_before():
    # A phone call is not a visit: the first time at the door is still the first visit.
    return Visit.objects.filter(customer_id=OuterRef("pk")).exclude(kind=Visit.Kind.PHONE)


def _just_logged(salesperson: User):
    """The salesperson's visits within the team's repeat window, newest first (not calls: a call just made
    does not make the visit at the door a repeat of it)."""
    since = timezone.now() - trust_settings_for(salesperson).repeat_window
    return (
        Visit.objects.filter(salesperson_id=salesperson.pk, visited_at__gte=since)
        .exclude(kind=Visit.Kind.PHONE)
        .order_by("-visited_at", "-pk")
    )


def default_visit_kind(customer_id: int, salesperson: User | None = None) -> str:
    """First visit for a customer nobody has visited yet, else second visit. With the salesperson: the
    kind of the visit they logged to this customer within the repeat window, if any, so that saving the
    same visit again asks to update it instead of counting a "second visit" a minute after the first."""
    if salesperson is not None:
        recent = _just_logged(salesperson).filter(customer_id=customer_id).values_list("kind", flat=True).first()
        if recent is not None:
            return recent
    visited = Visit.objects.filter(customer_id=customer_id).exclude(kind=Visit.Kind.PHONE).exists()
    return Visit.Kind.SECOND if visited else Visit.Kind.FIRST


def with_default_kind(customers: QuerySet, salesperson: User | None = None) -> QuerySet:
    """Customers annotated with ``visited_before`` and, for a salesperson, ``kind_just_logged`` (the kind
    default_visit_kind returns): one query for the whole list, not one per row."""
    customers = customers.annotate(visited_before=Exists(_visited_before()))
    if salesperson is not None:
        customers = customers.annotate(
            kind_just_logged=Subquery(_just_logged(salesperson).filter(customer_id=OuterRef("pk")).values("kind")[:1])
        )
    return customers


# --- travel between check-ins ---------------------------------------------------------------------------


def _travel(previous: Visit | None, visit: Visit) -> tuple[int | None, int | None]:
    if previous is None:
        return None, None
    # Both have a position: link_travel's caller and query ask for a latitude, and a position is both
    # coordinates or neither (record_visit's clean_phone_position).
    assert previous.latitude is not None and previous.longitude is not None
    assert visit.latitude is not None and visit.longitude is not None
    meters = haversine_m(previous.latitude, previous.longitude, visit.latitude, visit.longitude)
    seconds = (visit.visited_at - previous.visited_at).total_seconds()
    speed = SPEED_CAP_KMH if seconds <= 0 else min(SPEED_CAP_KMH, round(meters / 1000 / (seconds / 3600)))
    return meters, speed


def link_travel(visit: Visit) -> None:
    """Link a new check-in with a position to the previous one of the salesperson's day, and the next one
    (a visit synced late slots in between) to it; each gets the distance and speed from its previous."""
    if visit.latitude is None:
        return
    day = Visit.objects.filter(
        salesperson_id=visit.salesperson_id, visited_on=visit.visited_on, latitude__isnull=False
    ).exclude(pk=visit.pk)
    before = Q(visited_at__lt=visit.visited_at) | Q(visited_at=visit.visited_at, pk__lt=visit.pk)
    previous = day.filter(before).order_by("-visited_at", "-pk").first()
    following = day.exclude(before).order_by("visited_at", "pk").first()
    visit.previous_check_in = previous
    visit.distance_from_previous_m, visit.travel_speed_kmh = _travel(previous, visit)
    visit.save(update_fields=["previous_check_in", "distance_from_previous_m", "travel_speed_kmh"])
    if following is not None:
        following.previous_check_in = visit
        following.distance_from_previous_m, following.travel_speed_kmh = _travel(visit, following)
        following.save(update_fields=["previous_check_in", "distance_from_previous_m", "travel_speed_kmh"])


# --- the manager's review ---------------------------------------------------------------------------------


def _impossible_travel() -> Q:
    return Q(travel_speed_kmh__gt=IMPOSSIBLE_SPEED_KMH, distance_from_previous_m__gte=MIN_TRAVEL_FLAG_M)


def flagged_q() -> Q:
    """Visits the review flags, as one condition on stored columns (the list's "flagged" filter)."""
    return (
        Q(far_from_customer=True, kind__in=AT_CUSTOMER_KINDS)
        | Q(latitude__isnull=True, kind__in=AT_CUSTOMER_KINDS)
        | Q(accuracy_m__lt=MIN_BELIEVABLE_ACCURACY_M)
        | _impossible_travel()
    )


def with_trust(visits: QuerySet) -> QuerySet:
    """What trust_flags reads, joined in the list's one query: the team's radius and the previous check-in's time."""
    return visits.annotate(
        team_radius_m=F("salesperson__team__check_in_radius_m"),
        previous_check_in_at=F("previous_check_in__visited_at"),
    )


@dataclass(frozen=True)
class TrustFlag:
    code: str
    text: str


def trust_flags(visit: Visit) -> list[TrustFlag]:
    """Why the manager should look at this visit, each flag with its reason in words."""
    flags = []
    at_door = visit.kind in AT_CUSTOMER_KINDS
    if at_door and visit.far_from_customer and visit.distance_m is not None:
        radius = getattr(visit, "team_radius_m", None) or settings.CRM["CHECK_IN_RADIUS_M"]
        text = _("%(distance)s from the customer, beyond %(radius)s.") % {
            "distance": distance_text(visit.distance_m),
            "radius": distance_text(radius),
        }
        if visit.far_reason:
            text = f"{text} {_('Reason given: %(reason)s') % {'reason': visit.far_reason}}"
        flags.append(TrustFlag("far", text))
    if at_door and visit.latitude is None:
        flags.append(TrustFlag("no_position", _("No position from the phone.")))
    if visit.accuracy_m is not None and visit.accuracy_m < MIN_BELIEVABLE_ACCURACY_M:
        flags.append(
            TrustFlag(
                "accuracy", _("Accuracy %(accuracy)d m is not a real phone fix.") % {"accuracy": visit.accuracy_m}
            )
        )
    if (
        visit.travel_speed_kmh is not None
        and visit.distance_from_previous_m is not None
        and visit.travel_speed_kmh > IMPOSSIBLE_SPEED_KMH
        and visit.distance_from_previous_m >= MIN_TRAVEL_FLAG_M
    ):
        previous_at = getattr(visit, "previous_check_in_at", None)
        if previous_at is None and visit.previous_check_in_id:
            previous = visit.previous_check_in
            assert previous is not None  # its id is set (SET_NULL clears the id when the row goes)
            previous_at = previous.visited_at
        minutes = round((visit.visited_at - previous_at).total_seconds() / 60) if previous_at else 0
        flags.append(
            TrustFlag(
                "travel",
                _("%(distance)s from the previous check-in at %(time)s, %(minutes)d min earlier: %(speed)d km/h.")
                % {
                    "distance": distance_text(visit.distance_from_previous_m),
                    "time": timezone.localtime(previous_at).strftime("%H:%M") if previous_at else "?",
                    "minutes": minutes,
                    "speed": visit.travel_speed_kmh,
                },
            )
        )
    return flags

"""Writes of the visits app: visits and their ratings, form submissions, the quota check, the assessment."""

from __future__ import annotations

import logging
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import JSONField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.customers.locks import lock_customer
from accounts.customers.models import Customer
from accounts.customers.services import (
    clear_customer_location,
    record_customer_activity,
    set_customer_location,
    set_customer_rating,
)
from crm.approvals.services import request_approval
from crm.bounds import check_date_in_window
from crm.coordinates import InvalidPosition, parse_position
from crm.errors import ApplicationError, NotFound, NotPermitted
from crm.history import record_change_by
from crm.locks import lock_job
from crm.models import Approval, Team, User
from crm.services import Message, Note, notify, notify_many
from visits.calendar import is_working_day, next_working_day
from visits.geo import haversine_m
from visits.inputs import VisitInput, as_list, text_of, whole_number
from visits.models import (
    Assessment,
    FormAmendment,
    FormSubmission,
    Leave,
    Material,
    Obstacle,
    QuotaOverride,
    QuotaShortfall,
    TalkingPoint,
    Visit,
    WorkingDay,
)
from visits.permissions import can_review_shortfall
from visits.photos import PhotoUpload, prepare_photos, store_photos
from visits.querysets import CURRENT_INTENT_ORDER
from visits.selectors import quota_results_for, weekly_visit_counts, weekly_working_days_present
from visits.trust import (
    FarCheckInNeedsReason,
    RepeatVisit,
    clean_far_reason,
    distance_text,
    guard_repeat,
    is_far,
    link_travel,
    require_far_reason,
    trust_settings_for,
)

logger = logging.getLogger(__name__)

MAX_PHOTOS_PER_VISIT = 5
# A phone's clock may run a little ahead of the server's; beyond this a visit time is "in the future".
CLOCK_SKEW = timedelta(minutes=5)
# A browser fix worse than this is not a position (the phone knows only the country or the city).
MAX_ACCURACY_M = 20_000
# Daily forms are due before the morning meeting; weekly ones on Friday evening.
DAILY_FORMS_DUE = time(8, 30)
WEEKLY_FORMS_DUE = time(18, 0)


# --- visits -------------------------------------------------------------------------------------


def _clean_choices(values: Sequence[str], allowed: list[str], field: str) -> list[str]:
    values = list(dict.fromkeys(values))  # order kept, duplicates dropped
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationError({field: _("Unknown choice: %(value)s.") % {"value": ", ".join(unknown)}})
    return values


def clean_phone_position(
    latitude: Decimal | float | str | None,
    longitude: Decimal | float | str | None,
    accuracy_m: float | str | None,
) -> tuple[Decimal | None, Decimal | None, int | None]:
    """Both coordinates or neither, on the globe, with a believable accuracy; else a clear refusal."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None, None
    message = _("The position from the phone is not valid (latitude, longitude or accuracy out of range).")
    try:
        lat, lon = parse_position(latitude, longitude)
        accuracy = None if accuracy_m is None or accuracy_m == "" else float(accuracy_m)
    except (InvalidPosition, ValueError, TypeError) as exc:
        raise ValidationError({"latitude": message}) from exc
    if accuracy is not None and (not math.isfinite(accuracy) or accuracy < 0 or accuracy > MAX_ACCURACY_M):
        raise ValidationError({"accuracy_m": message})
    return lat, lon, None if accuracy is None else round(accuracy)


# Higher apps follow a logged visit (campaigns: the caller of an open inquiry has been visited); they
# register here from their AppConfig.ready, so visits never imports them. Each follower is called with
# ``visit`` inside record_visit's transaction, once per new visit (never for a replayed one).
VISIT_FOLLOWERS: dict[str, Callable[..., Any]] = {}


def register_visit_follower(*, name: str, follow: Callable[..., Any]) -> None:
    """The same name twice keeps the first."""
    VISIT_FOLLOWERS.setdefault(name, follow)


@transaction.atomic
def record_visit(
    *,
    salesperson: User,
    customer_id: int,
    kind: str = Visit.Kind.FIRST,
    visited_at: datetime | None = None,
    materials: Sequence[str] = (),
    talking_points: Sequence[str] = (),
    notes: str = "",
    next_step: str = "",
    next_step_on: date | None = None,
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    accuracy_m: float | None = None,
    client_id: uuid.UUID | str | None = None,
    photos: Sequence[UploadedFile | PhotoUpload] = (),
    far_reason: str = "",
    joint_manager: User | None = None,
) -> Visit:
    """Log one visit, in one transaction: all of it is stored, or nothing. Every door (the page, the API,
    offline sync, a joint visit from the key-account pages) comes through here.

    The customer must be visible to the salesperson (else NotFound, as for a customer that does not
    exist). ``visited_at`` defaults to now and may not be in the future; ``visited_on`` is its local
    date. A position needs both coordinates and a believable accuracy; with the customer's known
    location it gives ``distance_m``, and ``far_from_customer`` is set when even the most favourable
    reading (distance minus accuracy) is beyond the team's radius (visits.trust): such a check-in at
    the door needs ``far_reason`` (else FarCheckInNeedsReason, nothing stored). The same customer and
    kind again within the team's window is refused as RepeatVisit (update that visit instead).
    A joint visit is made with ``joint_manager`` (default: the team's manager).
    Idempotent per (salesperson, client_id): a retried or double-tapped submit returns the visit
    stored the first time (with ``replayed = True``) and changes nothing.

    The steps: the guards (who, a replay, the customer), the visit checked in memory, stored under the
    customer's lock, then followed (photos, travel, activity, the registered followers, notices).
    """
    if not salesperson.is_salesperson:
        raise NotPermitted(_("Only salespeople log visits."))
    client_id = _parse_client_id(client_id)
    replayed = _replayed_visit(salesperson=salesperson, client_id=client_id)
    if replayed is not None:
        return replayed
    customer = Customer.objects.visible_to(salesperson).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No customer matches the given query."))
    now = timezone.now()
    checked = _checked_visit(
        salesperson=salesperson,
        customer=customer,
        now=now,
        kind=kind,
        visited_at=visited_at,
        materials=materials,
        talking_points=talking_points,
        notes=notes,
        next_step=next_step,
        next_step_on=next_step_on,
        position=(latitude, longitude, accuracy_m),
        client_id=client_id,
        photos=photos,
        far_reason=far_reason,
        joint_manager=joint_manager,
    )
    stored = _store_visit(checked)
    if stored.replayed:
        return stored
    _follow_visit(visit=stored, prepared_photos=checked.photos, received_at=now)
    return stored


def _parse_client_id(client_id: uuid.UUID | str | None) -> uuid.UUID | None:
    if client_id in (None, ""):
        return None
    try:
        return uuid.UUID(str(client_id))
    except ValueError as exc:
        raise ValidationError({"client_id": _("The client id is not a valid UUID.")}) from exc


def _replayed_visit(*, salesperson: User, client_id: uuid.UUID | None) -> Visit | None:
    """The visit this client id stored already (a retried or double-tapped submit), marked replayed."""
    if client_id is None:
        return None
    existing = Visit.objects.filter(salesperson=salesperson, client_id=client_id).first()
    if existing is not None:
        existing.replayed = True
    return existing


class _CheckedVisit(NamedTuple):
    """A visit ready to store: every rule that needs no lock holds; what storing it still needs."""

    visit: Visit
    photos: list
    radius_m: int
    repeat_window: timedelta
    far_reason: str


def _checked_visit(
    *,
    salesperson: User,
    customer: Customer,
    now: datetime,
    kind: str,
    visited_at: datetime | None,
    materials: Sequence[str],
    talking_points: Sequence[str],
    notes: str,
    next_step: str,
    next_step_on: date | None,
    position: tuple,
    client_id: uuid.UUID | None,
    photos: Sequence[UploadedFile | PhotoUpload],
    far_reason: str,
    joint_manager: User | None,
) -> _CheckedVisit:
    """The visit as it would be stored, every rule that needs no lock checked (nothing written yet)."""
    visited_at = visited_at or now
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + CLOCK_SKEW:
        raise ValidationError({"visited_at": _("A visit cannot be logged in the future.")})
    visited_on = timezone.localdate(visited_at)
    if next_step_on is not None and next_step_on < visited_on:
        raise ValidationError({"next_step_on": _("The next step cannot be before the visit.")})
    if kind not in Visit.Kind.values:
        raise ValidationError({"kind": _("Unknown choice: %(value)s.") % {"value": kind}})
    latitude, longitude, accuracy_m = clean_phone_position(*position)
    far_reason = clean_far_reason(far_reason)
    trust = trust_settings_for(salesperson)
    if len(photos) > MAX_PHOTOS_PER_VISIT:
        raise ValidationError({"photos": _("At most %(count)d photos per visit.") % {"count": MAX_PHOTOS_PER_VISIT}})
    prepared_photos = prepare_photos(photos, visited_at=visited_at)  # refuses a bad file before anything is stored

    visit = Visit(
        salesperson=salesperson,
        customer=customer,
        kind=kind,
        visited_at=visited_at,
        visited_on=visited_on,
        materials=_clean_choices(materials, Material.values, "materials"),
        talking_points=_clean_choices(talking_points, TalkingPoint.values, "talking_points"),
        notes=notes.strip(),
        next_step=next_step.strip(),
        next_step_on=next_step_on,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        client_id=client_id,
    )
    if joint_manager is not None:
        visit.joint_manager = joint_manager
    elif kind == Visit.Kind.JOINT and salesperson.team_id:
        visit.joint_manager_id = _team_manager_id(salesperson)
    radius = trust.radius_m
    precise = accuracy_m is not None and accuracy_m <= radius
    visit.sets_location = False
    if latitude is not None and customer.latitude is not None and customer.longitude is not None:
        assert longitude is not None  # clean_phone_position gives both coordinates or neither
        visit.distance_m = haversine_m(latitude, longitude, customer.latitude, customer.longitude)
        visit.far_from_customer = is_far(distance_m=visit.distance_m, accuracy_m=accuracy_m, radius_m=radius)
        visit.verified = precise and visit.distance_m <= radius
    elif latitude is not None and precise:
        # The customer's location is not known yet: the first precise check-in sets it.
        visit.distance_m = 0
        visit.verified = True
        visit.sets_location = True
    visit.far_reason = far_reason if visit.far_from_customer else ""
    # client_id was parsed above; its uniqueness is the database's to decide (the IntegrityError
    # in _store_visit): checked here, a resend arriving while the first is being stored would be
    # refused as "already exists" instead of answered with the stored visit.
    visit.full_clean(exclude=["visited_on", "client_id"])
    return _CheckedVisit(visit, prepared_photos, radius, trust.repeat_window, far_reason)


def _store_visit(checked: _CheckedVisit) -> Visit:
    """Store the checked visit under the customer's lock: the visit itself, or the one a resend
    with the same client id stored first (``replayed``). The repeat guard runs here."""
    visit = checked.visit
    salesperson, client_id = visit.salesperson, visit.client_id
    lock_customer(customer_id=visit.customer_id)  # the repeat guard's read and this insert, one at a time
    # A resend that waited on the lock while the first send was stored is that visit, not a repeat of it.
    replayed = _replayed_visit(salesperson=salesperson, client_id=client_id)
    if replayed is not None:
        return replayed
    guard_repeat(
        salesperson=salesperson,
        customer_id=visit.customer_id,
        kind=visit.kind,
        visited_at=visit.visited_at,
        window=checked.repeat_window,
    )
    # After the repeat guard: a repeat is updated, not stored, so its distance needs no reason.
    require_far_reason(visit=visit, radius_m=checked.radius_m, far_reason=checked.far_reason)
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # The same submit arrived twice at once: the other request stored it first (its commit is
        # what the insert waited for, so this read sees it).
        replayed = _replayed_visit(salesperson=salesperson, client_id=client_id)
        if replayed is None:
            raise
        return replayed
    visit.replayed = False
    return visit


def _follow_visit(*, visit: Visit, prepared_photos: list, received_at: datetime) -> None:
    """What a new visit sets off, inside its transaction: its photos, the travel link, the customer's
    activity, the followers registered by higher apps, the far check-in notice, the customer's location."""
    store_photos(visit=visit, photos=prepared_photos, received_at=received_at)
    link_travel(visit)
    record_customer_activity(customer_id=visit.customer_id, at=visit.visited_at)
    for follow in VISIT_FOLLOWERS.values():
        follow(visit=visit)
    if visit.far_from_customer:
        _notify_far_check_in(visit)
    if visit.sets_location:
        # Set only with a precise position, both of whose coordinates clean_phone_position gave. The customer's
        # door never lets a check-in replace a position (a pin, the address found, another check-in): one
        # set meanwhile keeps it, and the visit then says nothing about setting it.
        assert visit.latitude is not None and visit.longitude is not None
        visit.sets_location = set_customer_location(
            customer_id=visit.customer_id,
            latitude=visit.latitude,
            longitude=visit.longitude,
            source=Customer.LocationSource.CHECK_IN,
            changed_by=visit.salesperson,
            reason=_("First check-in at the customer"),
        )


@transaction.atomic
def disown_check_in_position(*, salesperson: User, visit_id: int) -> Visit:
    """The salesperson says the check-in that gave its customer a position was not at the customer.

    The customer's position is forgotten (its address is looked up again when a geocoder is set up) and
    the visit is no longer a verified check-in: it has no distance to a position that was never the
    customer's. Only one's own visit (another's, or one that does not exist: NotFound), and only while the
    customer's position is still the one this check-in gave (else ApplicationError, nothing changes).
    """
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=visit_id, salesperson=salesperson)
        .first()
    )
    if visit is None:
        raise NotFound(_("No visit matches the given query."))
    cleared = visit.latitude is not None and _forget_check_in_position(visit)
    if not cleared:
        raise ApplicationError(_("The customer's position does not come from this check-in any more: nothing to undo."))
    visit.verified = False
    visit.distance_m = None
    visit.save(update_fields=["verified", "distance_m"])
    return visit


def _forget_check_in_position(visit: Visit) -> bool:
    """Clear the customer's position if it is still exactly the one this check-in gave it."""
    if not (visit.verified and visit.distance_m == 0):
        return False
    return clear_customer_location(
        customer_id=visit.customer_id,
        source=Customer.LocationSource.CHECK_IN,
        latitude=visit.latitude,
        longitude=visit.longitude,
        changed_by=visit.salesperson,
        reason=_("The check-in was not at the customer"),
    )


@transaction.atomic
def update_visit(
    *,
    salesperson: User,
    visit_id: int,
    materials: Sequence[str] = (),
    talking_points: Sequence[str] = (),
    notes: str = "",
    next_step: str = "",
    next_step_on: date | None = None,
    photos: Sequence[UploadedFile | PhotoUpload] = (),
) -> Visit:
    """Add what a second submit says to a visit logged earlier today, instead of counting a second visit.

    Only one's own visits of today (another's, or one that does not exist: NotFound). Materials and
    points covered are the union; notes are kept and the new ones added on a new line (the same
    text again adds nothing, so a re-sent update changes nothing); a next step given replaces the old
    one; photos are added up to the visit's limit. The visit's time, kind and position stay.
    """
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=visit_id, salesperson=salesperson)
        .first()
    )
    if visit is None:
        raise NotFound(_("No visit matches the given query."))
    if visit.visited_on != timezone.localdate():
        raise ApplicationError(_("Only today's visits can be updated; log a new visit instead."))
    if len(photos) + visit.photos.count() > MAX_PHOTOS_PER_VISIT:
        raise ValidationError({"photos": _("At most %(count)d photos per visit.") % {"count": MAX_PHOTOS_PER_VISIT}})
    if next_step_on is not None and next_step_on < visit.visited_on:
        raise ValidationError({"next_step_on": _("The next step cannot be before the visit.")})
    prepared_photos = prepare_photos(photos, visited_at=timezone.now())  # refuses a bad file before anything changes
    visit.materials = list(dict.fromkeys([*visit.materials, *_clean_choices(materials, Material.values, "materials")]))
    visit.talking_points = list(
        dict.fromkeys([*visit.talking_points, *_clean_choices(talking_points, TalkingPoint.values, "talking_points")])
    )
    notes = notes.strip()
    if notes and notes not in visit.notes:
        visit.notes = notes if not visit.notes or visit.notes in notes else f"{visit.notes}\n{notes}"
    if next_step.strip():
        visit.next_step = next_step.strip()
    if next_step_on is not None:
        visit.next_step_on = next_step_on
    visit.full_clean(exclude=["visited_on", "client_id", "previous_check_in"])
    visit.save(update_fields=["materials", "talking_points", "notes", "next_step", "next_step_on"])
    # Stamped like the visit's first photos: the time they reached the server, the place, who and whom.
    store_photos(visit=visit, photos=prepared_photos, received_at=timezone.now())
    return visit


def _team_manager_id(salesperson: User) -> int | None:
    """Who the salesperson's team reports to (no team, or a team without a manager: nobody)."""
    if salesperson.team_id is None:
        return None
    return Team.objects.filter(pk=salesperson.team_id).values_list("manager_id", flat=True).first()


def _notify_far_check_in(visit: Visit) -> None:
    """Tell the team's manager, in the app and by e-mail, that a check-in was far from the customer."""
    salesperson = visit.salesperson
    assert visit.distance_m is not None  # far_from_customer is only ever set with the distance it judges
    manager_id = _team_manager_id(salesperson)
    if manager_id is None:
        return
    notify(
        recipient=User(pk=manager_id),
        kind="far_check_in",
        text=Message(
            gettext_noop("%(name)s checked in %(distance)s from %(customer)s. Reason given: %(reason)s"),
            {
                "name": salesperson,
                "distance": distance_text(visit.distance_m),
                "customer": visit.customer,
                "reason": visit.far_reason,
            },
        ),
        link=f"{reverse('visits:visit_list')}?far=true&salesperson={salesperson.pk}",
    )


@transaction.atomic
def rate_visit(
    *, visit_id: int, salesperson: User, intent: str, obstacles: Sequence[str] = (), obstacle_detail: str = ""
) -> Visit:
    """The end-of-day intent rating of one's own visit, with the obstacles met (multi-choice).

    Rating again replaces the rating of that visit. The customer's current intent becomes the
    rating of its latest rated visit by visit time (CURRENT_INTENT_ORDER), whenever the rating was
    made: rating an older visit, or one synced late, leaves a newer visit's rating current. Earlier
    ratings stay on their visits as the history. Ratings of one customer's visits queue up on the
    customer's row lock, so two at once still leave the newer visit's rating.
    """
    visit = Visit.objects.select_for_update().filter(pk=visit_id).first()
    if visit is None or visit.salesperson_id != salesperson.id:
        raise NotPermitted(_("You can only rate your own visits."))
    lock_customer(customer_id=visit.customer_id)
    if intent not in Customer.Intent.values:
        raise ValidationError({"intent": _("The rating must be A, B, C or D.")})
    obstacle_detail = obstacle_detail.strip()
    if len(obstacle_detail) > 300:
        raise ValidationError({"obstacle_detail": _("Keep the obstacle detail under 300 characters.")})
    visit.intent = intent
    visit.obstacles = _clean_choices(obstacles, Obstacle.values, "obstacles")
    visit.obstacle_detail = obstacle_detail
    visit.rated_at = timezone.now()
    visit.save(update_fields=["intent", "obstacles", "obstacle_detail", "rated_at"])
    # Read after the customer's lock: a rating committed meanwhile is seen (READ COMMITTED).
    current = (
        Visit.objects.rated()
        .filter(customer_id=visit.customer_id)
        .order_by(*CURRENT_INTENT_ORDER)
        .values_list("intent", "obstacles", "obstacle_detail")
        .first()
    )
    assert current is not None  # the visit just rated is one of them
    intent, obstacles, obstacle_detail = current
    set_customer_rating(
        customer_id=visit.customer_id, intent=intent, obstacles=obstacles, obstacle_detail=obstacle_detail
    )
    return visit


def refresh_current_intents(*, customer_ids: Sequence[int] | None = None) -> int:
    """Store on each customer (all, or those given) the rating of its latest rated visit by visit time
    with that visit's obstacles, "" and none when it has none: rate_visit's rule, for visits loaded in
    bulk (demo and large data sets) and for the customers rated before the obstacles were stored.

    Set-based (one UPDATE, a probe of visit_customer_timeline_idx per customer and column) and
    idempotent. Returns the number of customers written.
    """
    rated = Visit.objects.rated().filter(customer_id=OuterRef("pk")).order_by(*CURRENT_INTENT_ORDER)
    customers = Customer.objects.all() if customer_ids is None else Customer.objects.filter(pk__in=customer_ids)
    return customers.update(
        intent=Coalesce(Subquery(rated.values("intent")[:1]), Value("")),
        obstacles=Coalesce(Subquery(rated.values("obstacles")[:1]), Value([], output_field=JSONField())),
        obstacle_detail=Coalesce(Subquery(rated.values("obstacle_detail")[:1]), Value("")),
    )


# --- daily forms --------------------------------------------------------------------------------


def form_period(*, salesperson: User, day: date) -> tuple[date, date, datetime]:
    """The submission period containing ``day`` under the salesperson's team mode, and when it is due.

    Daily: the day itself, due at 08:30 on the next working day (before the morning meeting).
    Weekly: Monday to Sunday, due on that Friday at 18:00.
    """
    mode = (
        Team.objects.filter(pk=salesperson.team_id).values_list("form_submission", flat=True).first()
        if salesperson.team_id is not None
        else None  # no team: daily
    )
    if mode == Team.FormSubmission.WEEKLY:
        start = day - timedelta(days=day.weekday())
        due = timezone.make_aware(datetime.combine(start + timedelta(days=4), WEEKLY_FORMS_DUE))
        return start, start + timedelta(days=6), due
    due = timezone.make_aware(datetime.combine(next_working_day(day), DAILY_FORMS_DUE))
    return day, day, due


@transaction.atomic
def submit_forms(*, salesperson: User, day: date | None = None, at: datetime | None = None) -> FormSubmission:
    """Hand in the registration forms of the period containing ``day`` (default: today).

    Late when ``at`` (default now) is after the due time. Idempotent: the period's submission is
    stored once (unique per salesperson and period); submitting again returns it unchanged.
    Refused while a visit of the period is unrated (the rating is part of the form): the message
    names them, and nothing is stored. A visit logged after the submission amends it
    (``amend_submitted_forms``).
    """
    if not salesperson.is_salesperson:
        raise NotPermitted(_("Only salespeople submit forms."))
    at = at or timezone.now()
    day = day or timezone.localdate(at)
    if day > timezone.localdate(at):
        raise ApplicationError(_("Forms cannot be submitted for a day that has not come yet."))
    start, end, due = form_period(salesperson=salesperson, day=day)
    lock_forms_of(salesperson)
    existing = FormSubmission.objects.filter(salesperson=salesperson, period_start=start).first()
    if existing is not None:
        return existing
    refuse_unrated_visits(salesperson=salesperson, start=start, end=end)
    submission = FormSubmission(
        salesperson=salesperson,
        period_start=start,
        period_end=end,
        visit_count=Visit.objects.filter(salesperson=salesperson, visited_on__range=(start, end)).count(),
        submitted_at=at,
        due_at=due,
        late=at > due,
    )
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        return FormSubmission.objects.get(salesperson=salesperson, period_start=start)
    return submission


# How many unrated visits the refusal names; the rest are counted.
UNRATED_NAMED = 5


def lock_forms_of(salesperson: User) -> None:
    """Serialise a submission with the visits logged meanwhile (the salesperson's row lock): a visit
    committed before the submission is in its count, one committed after it amends it; never neither."""
    User.objects.select_for_update().filter(pk=salesperson.pk).values_list("pk", flat=True).first()


def refuse_unrated_visits(*, salesperson: User, start: date, end: date) -> None:
    """Refuse (ApplicationError naming the first UNRATED_NAMED) while a visit from ``start`` to ``end`` is
    unrated: the rating is part of the forms and of the daily report (visits.reports), which both ask here."""
    unrated = list(
        Visit.objects.filter(salesperson=salesperson, visited_on__range=(start, end), intent="")
        .order_by("visited_at", "pk")
        .values_list("customer__unit_name", "visited_at")
    )
    if not unrated:
        return
    # A day's visits show their time; a week's, their day and time.
    time_format = "%H:%M" if start == end else "%m-%d %H:%M"
    named = ", ".join(
        f"{name} ({timezone.localtime(visited_at).strftime(time_format)})"
        for name, visited_at in unrated[:UNRATED_NAMED]
    )
    more = len(unrated) - UNRATED_NAMED
    if more > 0:
        named += " " + _("and %(count)d more") % {"count": more}
    raise ApplicationError(_("Rate these visits first: %(visits)s.") % {"visits": named})


def amend_submitted_forms(*, visit: Visit) -> FormAmendment | None:
    """A visit logged in a period whose forms were already submitted amends that submission: one
    FormAmendment row (the manager sees which visit, and when) and the manager is told in the app.

    A follower of record_visit (registered in VisitsConfig.ready): it runs inside the visit's
    transaction, once per new visit, whatever the door (page, API, offline sync). Idempotent: the
    row is unique per visit, so a second call adds and notifies nothing. Returns the row, or None
    when the period was not submitted (the visit is simply part of the forms still to submit).
    Rating a visit after the submission is not an amendment: ratings may be revised any time, and
    each keeps its rated_at.
    """
    lock_forms_of(visit.salesperson)
    submission = (
        FormSubmission.objects.filter(
            salesperson_id=visit.salesperson_id, period_start__lte=visit.visited_on, period_end__gte=visit.visited_on
        )
        .order_by("-period_start")
        .first()
    )
    if submission is None:
        return None
    amendment, created = FormAmendment.objects.get_or_create(
        visit=visit, defaults={"submission": submission, "added_at": timezone.now()}
    )
    if created:
        _notify_forms_amended(submission=submission, visit=visit)
    return amendment


def _notify_forms_amended(*, submission: FormSubmission, visit: Visit) -> None:
    salesperson = visit.salesperson
    manager_id = _team_manager_id(salesperson)
    if manager_id is None:
        return
    notify(
        recipient=User(pk=manager_id),
        kind="forms_amended",
        text=Message(
            gettext_noop(
                "%(name)s added a visit to %(customer)s (%(time)s) to the forms already submitted for %(day)s."
            ),
            {
                "name": salesperson,
                "customer": visit.customer.unit_name,
                "time": timezone.localtime(visit.visited_at).strftime("%m-%d %H:%M"),
                "day": visit.visited_on.isoformat(),
            },
        ),
        link=f"{reverse('visits:submission_list')}?day={visit.visited_on.isoformat()}",
    )


# --- the visit quota ----------------------------------------------------------------------------


@transaction.atomic
def check_visit_quotas(*, day: date) -> int:
    """Bring the shortfalls of ``day`` in line with the visits, leave and calendar as they are now;
    return how many shortfalls are new.

    A counted salesperson below quota gets one shortfall (notified). A re-run corrects the day: a
    shortfall that no longer holds (visits logged late now meet the quota, leave or a holiday
    entered afterwards, no longer counted) is withdrawn — kept, with when and why, and the
    salesperson told once; one that still holds keeps its review and gets the current figures; a
    withdrawn one that holds again is reopened and told. Set-based: one query computes required and
    actual visits for everyone. Idempotent: the unique (salesperson, day) constraint and the job
    lock mean a second run, even a concurrent one, creates, withdraws and notifies nothing.
    """
    lock_job(name="check_visit_quotas", period=day.isoformat())
    # Row locks: an explanation or a review saved meanwhile waits, so neither is overwritten.
    existing = {
        shortfall.salesperson_id: shortfall for shortfall in QuotaShortfall.objects.select_for_update().filter(day=day)
    }
    if not is_working_day(day):
        withdrawn = _withdraw_shortfalls(day=day, existing=existing, results={}, working_day=False)
        logger.info("Visit-quota check for %s: not a working day, %d withdrawn", day.isoformat(), withdrawn)
        return 0
    results = {
        salesperson_id: (required, actual)
        for salesperson_id, required, actual in quota_results_for(day=day).values_list("id", "required", "actual")
    }
    shortfalls = [
        QuotaShortfall(salesperson_id=salesperson_id, day=day, required=required, actual=actual)
        for salesperson_id, (required, actual) in results.items()
        if actual < required and salesperson_id not in existing
    ]
    QuotaShortfall.objects.bulk_create(shortfalls, ignore_conflicts=True)
    _notify_shortfalls(shortfalls, day=day)
    withdrawn = _withdraw_shortfalls(day=day, existing=existing, results=results, working_day=True)
    reopened = _update_shortfalls_that_hold(day=day, existing=existing, results=results)
    logger.info(
        "Visit-quota check for %s: %d shortfalls created, %d withdrawn, %d reopened",
        day.isoformat(),
        len(shortfalls),
        withdrawn,
        reopened,
    )
    return len(shortfalls)


def recheck_days_with_open_shortfalls(*, since: date, before: date) -> int:
    """Run the quota check again for each day from ``since`` up to (not including) ``before`` that
    still has a shortfall not withdrawn; returns how many days were re-checked.

    Days never checked are left alone (no shortfalls appear for them now). Each day is its own
    transaction under the check's job lock, so this is as idempotent as the check itself.
    """
    days = list(
        QuotaShortfall.objects.filter(day__gte=since, day__lt=before)
        .exclude(status=QuotaShortfall.Review.WITHDRAWN)
        .order_by("day")
        .values_list("day", flat=True)
        .distinct()
    )
    for day in days:
        check_visit_quotas(day=day)
    return len(days)


def _withdraw_shortfalls(
    *, day: date, existing: dict[int, QuotaShortfall], results: dict[int, tuple[int, int]], working_day: bool
) -> int:
    """Withdraw the day's shortfalls that no longer hold under ``results`` (salesperson id ->
    (required, actual) of those counted that day) and tell each salesperson once."""
    now = timezone.now()
    missing = [
        salesperson_id
        for salesperson_id, shortfall in existing.items()
        if salesperson_id not in results and shortfall.status != QuotaShortfall.Review.WITHDRAWN
    ]
    on_leave = (
        set(
            Leave.objects.filter(salesperson_id__in=missing, start_day__lte=day, end_day__gte=day).values_list(
                "salesperson_id", flat=True
            )
        )
        if missing and working_day
        else set()
    )
    withdrawn = []
    for salesperson_id, shortfall in existing.items():
        if shortfall.status == QuotaShortfall.Review.WITHDRAWN:
            continue
        counted = results.get(salesperson_id)  # (required, actual); None: not counted that day
        actual = None if counted is None else counted[1]
        if not working_day:
            reason = QuotaShortfall.Withdrawal.NOT_WORKING_DAY
        elif counted is None:
            reason = (
                QuotaShortfall.Withdrawal.LEAVE if salesperson_id in on_leave else QuotaShortfall.Withdrawal.NOT_COUNTED
            )
        elif counted[1] >= counted[0]:  # actual >= required
            reason = QuotaShortfall.Withdrawal.QUOTA_MET
        else:
            continue
        shortfall.status = QuotaShortfall.Review.WITHDRAWN
        shortfall.withdrawn_at = now
        shortfall.withdrawal_reason = reason
        shortfall.counted_at_withdrawal = actual
        withdrawn.append(shortfall)
    QuotaShortfall.objects.bulk_update(
        withdrawn, ["status", "withdrawn_at", "withdrawal_reason", "counted_at_withdrawal"]
    )
    link = reverse("visits:shortfall_list")
    notify_many(
        notes=[
            Note(
                recipient_id=shortfall.salesperson_id,
                kind="quota_shortfall_withdrawn",
                text=Message(
                    gettext_noop("%(day)s: the shortfall is withdrawn: %(reason)s. Nothing to explain."),
                    # Lazy: "why" in the recipient's language too.
                    {"day": day.isoformat(), "reason": lazy(lambda row=shortfall: row.withdrawal_text, str)()},
                ),
                link=link,
            )
            for shortfall in withdrawn
        ]
    )
    return len(withdrawn)


def _update_shortfalls_that_hold(
    *, day: date, existing: dict[int, QuotaShortfall], results: dict[int, tuple[int, int]]
) -> int:
    """Shortfalls that still hold get the current figures (nobody is told); withdrawn ones that hold
    again are reopened (to explain, or to review when explained) and told. Returns how many reopened."""
    changed, reopened = [], []
    for salesperson_id, shortfall in existing.items():
        counted = results.get(salesperson_id)  # (required, actual); None: not counted that day
        if counted is None:
            continue
        required, actual = counted
        if actual >= required:
            continue
        if shortfall.status == QuotaShortfall.Review.WITHDRAWN:
            shortfall.status = (
                QuotaShortfall.Review.AWAITING_REVIEW
                if shortfall.explanation
                else QuotaShortfall.Review.AWAITING_EXPLANATION
            )
            shortfall.withdrawn_at = None
            shortfall.withdrawal_reason = ""
            shortfall.counted_at_withdrawal = None
            reopened.append(shortfall)
        elif (shortfall.required, shortfall.actual) == (required, actual):
            continue
        shortfall.required, shortfall.actual = required, actual
        changed.append(shortfall)
    QuotaShortfall.objects.bulk_update(
        changed, ["status", "required", "actual", "withdrawn_at", "withdrawal_reason", "counted_at_withdrawal"]
    )
    _notify_shortfalls(reopened, day=day)
    return len(reopened)


def _notify_shortfalls(shortfalls: list[QuotaShortfall], *, day: date) -> None:
    link = reverse("visits:shortfall_list")
    notify_many(
        notes=[
            Note(
                recipient_id=shortfall.salesperson_id,
                kind="quota_shortfall",
                text=Message(
                    gettext_noop("%(day)s: %(actual)d of %(required)d visits. Please explain the shortfall."),
                    {"day": day.isoformat(), "actual": shortfall.actual, "required": shortfall.required},
                ),
                link=link,
            )
            for shortfall in shortfalls
        ]
    )


@transaction.atomic
def assess_visit_counts(*, week: date) -> int:
    """Flag, in each team, the salespeople with the fewest visits per working day present in each of
    the N weeks up to ``week``.

    N is settings.CRM["ASSESSMENT_CONSECUTIVE_WEEKS"]. Visits are those counted for the quota;
    working days present leave out holidays, leave and a new starter's first days. In a week, only
    members present at least one day are compared, at least two are needed, and when they all have
    the same rate nobody is the fewest. The weekly figures (visits, working days present, rate, the
    team's lowest and highest rate) are kept as evidence. Idempotent: one assessment per
    salesperson and week (unique constraint and job lock). Returns how many were created.
    """
    weeks_running = settings.CRM["ASSESSMENT_CONSECUTIVE_WEEKS"]
    first_week = week - timedelta(weeks=weeks_running - 1)
    lock_job(name="assess_visit_counts", period=week.isoformat())
    people = list(
        User.objects.filter(role=User.Role.SALESPERSON, is_active=True, team__isnull=False).values_list(
            "id", "team_id", "date_joined"
        )
    )
    counts = weekly_visit_counts(first_week=first_week, last_week=week)
    present = weekly_working_days_present(
        salespeople=[(salesperson_id, joined) for salesperson_id, _team, joined in people],
        first_week=first_week,
        last_week=week,
    )
    weeks = [first_week + timedelta(weeks=n) for n in range(weeks_running)]

    teams: dict[int, list[int]] = defaultdict(list)
    for salesperson_id, team_id, _joined in people:
        teams[team_id].append(salesperson_id)

    already = set(Assessment.objects.filter(week=week).values_list("salesperson_id", flat=True))
    assessments = []
    for members in teams.values():
        evidence = _weekly_rates(members=members, weeks=weeks, counts=counts, present=present)
        for member in members:
            if member in already or not all(figures["fewest"] for figures in evidence[member]):
                continue
            assessments.append(
                Assessment(
                    salesperson_id=member,
                    week=week,
                    consecutive_weeks=weeks_running,
                    evidence=[
                        {key: value for key, value in figures.items() if key != "fewest"}
                        for figures in evidence[member]
                    ],
                )
            )
    Assessment.objects.bulk_create(assessments, ignore_conflicts=True)
    logger.info("Weekly assessment for the week of %s: %d flagged", week.isoformat(), len(assessments))
    return len(assessments)


def _rate_text(rate: Fraction | None) -> str | None:
    if rate is None:
        return None
    return str((Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _weekly_rates(
    *,
    members: list[int],
    weeks: list[date],
    counts: dict[int, dict[date, int]],
    present: dict[int, dict[date, int]],
) -> dict[int, list[dict]]:
    """Per member, per week: visits, working days present, the rate (exact, compared as fractions),
    the team's lowest and highest rate, and whether the member is the fewest that week."""
    figures: dict[int, list[dict]] = {member: [] for member in members}
    for monday in weeks:
        rates = {
            member: Fraction(counts.get(member, {}).get(monday, 0), present[member][monday])
            for member in members
            if present.get(member, {}).get(monday, 0) > 0
        }
        lowest = min(rates.values()) if len(rates) >= 2 else None
        highest = max(rates.values()) if len(rates) >= 2 else None
        for member in members:
            rate = rates.get(member)
            figures[member].append(
                {
                    "week": monday.isoformat(),
                    "visits": counts.get(member, {}).get(monday, 0),
                    "working_days": present.get(member, {}).get(monday, 0),
                    "rate": _rate_text(rate),
                    "team_lowest_rate": _rate_text(lowest),
                    "team_highest_rate": _rate_text(highest),
                    # lowest and highest are both set or both None (two rates or more)
                    "fewest": rate is not None
                    and lowest is not None
                    and highest is not None
                    and rate == lowest
                    and lowest < highest,
                }
            )
    return figures


@transaction.atomic
def explain_shortfall(*, shortfall: QuotaShortfall, salesperson: User, explanation: str) -> QuotaShortfall:
    """The salesperson's written explanation; it goes to the manager for review.

    Only the salesperson concerned may explain, and only until the manager has decided.
    """
    shortfall = QuotaShortfall.objects.select_for_update().get(pk=shortfall.pk)
    if shortfall.salesperson_id != salesperson.id:
        raise NotPermitted(_("Only the salesperson concerned can explain a shortfall."))
    if shortfall.status == QuotaShortfall.Review.WITHDRAWN:
        raise ApplicationError(_("This shortfall was withdrawn: there is nothing to explain."))
    if shortfall.status in (QuotaShortfall.Review.ACCEPTED, QuotaShortfall.Review.REJECTED):
        raise ApplicationError(_("This shortfall has already been reviewed."))
    explanation = explanation.strip()
    if len(explanation) < 4:
        raise ApplicationError(_("Please write a few words on why the quota was not met."))
    shortfall.explanation = explanation
    shortfall.explained_at = timezone.now()
    shortfall.status = QuotaShortfall.Review.AWAITING_REVIEW
    shortfall.save(update_fields=["explanation", "explained_at", "status"])
    manager = _team_manager_id(salesperson)
    if manager:
        notify(
            recipient=User(pk=manager),
            kind="shortfall_explained",
            text=Message(
                gettext_noop("%(name)s explained the shortfall of %(day)s."),
                {"name": salesperson, "day": shortfall.day},
            ),
            link=reverse("visits:shortfall_list"),
        )
    return shortfall


class ReviewDecision:
    ACCEPT = "accept"
    REJECT = "reject"


@transaction.atomic
def review_shortfall(*, shortfall: QuotaShortfall, manager: User, decision: str, note: str = "") -> QuotaShortfall:
    """The manager accepts or rejects the explanation. Only the salesperson's team manager (or admin).

    ``decision`` is "accept" or "reject"; anything else is refused and changes nothing.
    """
    shortfall = (
        QuotaShortfall.objects.select_for_update(of=("self",)).select_related("salesperson__team").get(pk=shortfall.pk)
    )
    if not can_review_shortfall(user=manager, shortfall=shortfall):
        raise NotPermitted(_("Only the salesperson's manager can review this shortfall."))
    if decision not in (ReviewDecision.ACCEPT, ReviewDecision.REJECT):
        raise ApplicationError(_("Choose to accept or to reject."))
    accept = decision == ReviewDecision.ACCEPT
    if shortfall.status == QuotaShortfall.Review.WITHDRAWN:
        raise ApplicationError(_("This shortfall was withdrawn: there is nothing to review."))
    if shortfall.status != QuotaShortfall.Review.AWAITING_REVIEW:
        raise ApplicationError(_("There is no explanation to review yet."))
    if not accept and not note.strip():
        raise ApplicationError(_("Say why the explanation is rejected."))
    shortfall.status = QuotaShortfall.Review.ACCEPTED if accept else QuotaShortfall.Review.REJECTED
    shortfall.reviewed_by = manager
    shortfall.reviewed_at = timezone.now()
    shortfall.review_note = note.strip()
    shortfall.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    notify(
        recipient=shortfall.salesperson,
        kind="shortfall_reviewed",
        text=Message(
            gettext_noop("Your explanation for %(day)s was accepted.")
            if accept
            else gettext_noop("Your explanation for %(day)s was rejected."),
            {"day": shortfall.day},
        ),
        link=reverse("visits:shortfall_list"),
    )
    return shortfall


# --- offline capture: the sync of entries queued on the phone -----------------------------------

MAX_SYNC_ITEMS = 50


class SyncStatus:
    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    INVALID = "invalid"


# The entry's free-text fields: each must arrive as text (or be left out), never as a list or object.
SYNC_TEXT_FIELDS = ("kind", "notes", "next_step", "intent", "obstacle_detail", "far_reason")


def _sync_input(item: dict) -> dict:
    """The entry read by the one visit input (visits.inputs), as the form and the API are: record_visit's
    arguments, or its ValidationError. A next step too long for the form is cut, not refused: the phone
    cannot be asked to shorten it any more."""
    data = dict(item)
    if isinstance(data.get("next_step"), str):
        data["next_step"] = data["next_step"][:200]
    return VisitInput.read(data)


def _offline_customer_refusal(*, salesperson: User, item: dict) -> dict | None:
    """Point ``item`` at the customer its ``customer_client_id`` became; or why it cannot be logged yet."""
    from visits.offline_customers import receipt_customer, routed_elsewhere_text

    customer = receipt_customer(salesperson=salesperson, client_id=item.get("customer_client_id"))
    if customer is None:
        # Never a visit without its customer: it waits on the phone until the customer is stored.
        return {
            "status": SyncStatus.CONFLICT,
            "reason": "customer_not_registered",
            "messages": [_("Its new customer is not registered yet.")],
        }
    if customer.owner_id != salesperson.pk:
        return {
            "status": SyncStatus.CONFLICT,
            "reason": "routed_elsewhere",
            "messages": [routed_elsewhere_text(customer)],
        }
    item["customer"] = customer.pk
    item["customer_version"] = None  # the phone never had a copy of it to be stale
    return None


def _sync_one(*, salesperson: User, item: dict, photos: Sequence[UploadedFile]) -> dict:
    raw_id = item.get("client_id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        # Without it the phone cannot match the answer to its entry, nor a resend to the stored visit.
        return {
            "client_id": None,
            "status": SyncStatus.INVALID,
            "messages": [_("The client id is missing: every entry needs one.")],
        }
    try:
        client_id = uuid.UUID(str(raw_id))
    except ValueError:
        return {
            "client_id": raw_id,
            "status": SyncStatus.INVALID,
            "messages": [_("The client id is not a valid UUID.")],
        }
    result: dict = {"client_id": str(client_id)}
    try:
        text = {field: text_of(item, field) for field in SYNC_TEXT_FIELDS}
    except ValidationError as error:
        return result | {"status": SyncStatus.INVALID, "messages": error.messages}
    existing = Visit.objects.filter(salesperson=salesperson, client_id=client_id).values_list("pk", flat=True).first()
    if existing is not None:
        return result | {"status": SyncStatus.DUPLICATE, "visit": existing}
    if item.get("customer_client_id") not in (None, ""):
        # A customer registered on the phone too: it is logged against what that registration became.
        refusal = _offline_customer_refusal(salesperson=salesperson, item=item)
        if refusal is not None:
            return result | refusal
    customer_id = whole_number(item.get("customer"))
    if customer_id is None:
        return result | {"status": SyncStatus.INVALID, "messages": [_("Choose a customer.")]}
    customer = Customer.objects.visible_to(salesperson).filter(pk=customer_id).values("unit_name", "version").first()
    if customer is None:
        return result | {
            "status": SyncStatus.CONFLICT,
            "reason": "out_of_scope",
            "messages": [_("This customer is no longer yours (reassigned or returned to the pool). Ask your manager.")],
        }
    seen = item.get("customer_version")
    if seen not in (None, "") and str(seen) != str(customer["version"]) and not item.get("accept_changes"):
        return result | {
            "status": SyncStatus.CONFLICT,
            "reason": "customer_changed",
            "customer_version": customer["version"],
            "customer_name": customer["unit_name"],
            "messages": [
                _("%(customer)s was changed by someone else since your copy. Check it, then send again.")
                % {"customer": customer["unit_name"]}
            ],
        }
    if item.get("update_visit") not in (None, ""):
        return result | _sync_update(salesperson=salesperson, item=item, photos=photos)
    try:
        with transaction.atomic():
            visit = record_visit(
                salesperson=salesperson, **(_sync_input(item) | {"client_id": client_id, "photos": photos})
            )
            if text["intent"] and not visit.replayed:
                rate_visit(
                    visit_id=visit.pk,
                    salesperson=salesperson,
                    intent=text["intent"],
                    obstacles=as_list(item.get("obstacles")),
                    obstacle_detail=text["obstacle_detail"],
                )
    except FarCheckInNeedsReason as error:
        # The phone asks the salesperson why, then sends the entry again with ``far_reason``.
        return result | _far_conflict(error)
    except RepeatVisit as error:
        # The phone offers to update that visit: the entry again with ``update_visit`` = the visit's id.
        return result | _repeat_conflict(error)
    except ValidationError as error:
        return result | {"status": SyncStatus.INVALID, "messages": error.messages}
    except ApplicationError as error:
        return result | {"status": SyncStatus.INVALID, "messages": [str(error.message)]}
    status = SyncStatus.DUPLICATE if visit.replayed else SyncStatus.CREATED
    return result | {
        "status": status,
        "visit": visit.pk,
        "distance_m": visit.distance_m,
        "far_from_customer": visit.far_from_customer,
        "verified": visit.verified,
    }


def sync_offline_work(
    *,
    salesperson: User,
    customers: Sequence[dict] = (),
    items: Sequence[dict] = (),
    photos: Mapping[str, Sequence[UploadedFile]] | None = None,
) -> dict[str, list[dict]]:
    """What a phone queued without signal, in one request: the customers it registered first
    (``visits.offline_customers``), then the visits, which may name one of those customers by its
    ``customer_client_id``. Customers and visits each answer one result per entry, in order."""
    from visits.offline_customers import sync_offline_customer

    if not salesperson.is_salesperson:
        raise NotPermitted(_("Only salespeople log visits."))
    if len(customers) > MAX_SYNC_ITEMS:
        raise ApplicationError(_("Send at most %(count)d entries at a time.") % {"count": MAX_SYNC_ITEMS})
    customer_results = [sync_offline_customer(salesperson=salesperson, entry=entry) for entry in customers]
    return {"customers": customer_results, "results": sync_visits(salesperson=salesperson, items=items, photos=photos)}


def _far_conflict(error: FarCheckInNeedsReason) -> dict:
    return {
        "status": SyncStatus.CONFLICT,
        "reason": error.code,
        "messages": [error.message_text],
        "field": "far_reason",
        "distance_m": error.distance_m,
        "radius_m": error.radius_m,
    }


def _repeat_conflict(error: RepeatVisit) -> dict:
    return {
        "status": SyncStatus.CONFLICT,
        "reason": error.code,
        "messages": [str(error.message)],
        "visit": error.visit_id,
        "visited_at": error.visited_at.isoformat(),
    }


def _sync_update(*, salesperson: User, item: dict, photos: Sequence[UploadedFile]) -> dict:
    """An entry the salesperson chose to merge into the visit it repeats (``update_visit``: its id)."""
    visit_id = whole_number(item.get("update_visit"))
    if visit_id is None:
        return {"status": SyncStatus.INVALID, "messages": [_("The visit to update is not valid.")]}
    try:
        with transaction.atomic():
            entry = _sync_input(item)
            visit = update_visit(
                salesperson=salesperson,
                visit_id=visit_id,
                materials=entry["materials"],
                talking_points=entry["talking_points"],
                notes=entry["notes"],
                next_step=entry["next_step"],
                next_step_on=entry["next_step_on"],
                photos=photos,
            )
    except NotFound:
        return {"status": SyncStatus.INVALID, "messages": [_("The visit to update is not valid.")]}
    except ValidationError as error:
        return {"status": SyncStatus.INVALID, "messages": error.messages}
    except ApplicationError as error:
        return {"status": SyncStatus.INVALID, "messages": [str(error.message)]}
    return {"status": SyncStatus.UPDATED, "visit": visit.pk}


def sync_visits(
    *, salesperson: User, items: Sequence[dict], photos: Mapping[str, Sequence[UploadedFile]] | None = None
) -> list[dict]:
    """Store visits queued on a phone while it had no signal; one result per item, in order.

    Each item is what the visit form sends (plus ``customer_version`` seen on the phone, and an
    optional ``intent`` rated offline), and goes through ``record_visit``: the same scope and checks.
    Each item is its own transaction, so one refused entry does not lose the others. Results:
    ``created``; ``updated`` (an entry with ``update_visit`` merged into that visit of today);
    ``duplicate`` (this client_id is already stored: a replayed batch creates nothing);
    ``conflict`` (the customer is out of scope now, or was changed since the phone's copy, or the
    check-in is far and needs ``far_reason``, or it repeats a visit (``visit``: its id) — never
    dropped, the phone shows it); ``invalid`` with the messages, which name the field (an entry
    without a client id, or whose kind, notes, next step, intent or obstacle detail is not text, is
    refused whole; nothing of it is stored).
    """
    if not salesperson.is_salesperson:
        raise NotPermitted(_("Only salespeople log visits."))
    if len(items) > MAX_SYNC_ITEMS:
        raise ApplicationError(_("Send at most %(count)d entries at a time.") % {"count": MAX_SYNC_ITEMS})
    photos = photos or {}
    results = []
    for item in items:
        if not isinstance(item, dict):
            results.append({"client_id": None, "status": SyncStatus.INVALID, "messages": [_("Not a visit entry.")]})
            continue
        results.append(_sync_one(salesperson=salesperson, item=item, photos=photos.get(str(item.get("client_id")), ())))
    logger.info(
        "Visit sync for %s: %s",
        salesperson.username,
        ", ".join(f"{result['status']}" for result in results) or "empty",
    )
    return results


# --- the admin's settings: the working-day calendar and personal quotas ----------------------------------------

MAX_DAILY_MINIMUM = 100


def _day_in_window(day: date) -> None:
    message = check_date_in_window(day)
    if message:
        raise ValidationError({"day": message})


@transaction.atomic
def set_working_day(*, day: date, is_working: bool, changed_by: User, note: str = "") -> WorkingDay | None:
    """Make ``day`` a working day or a day off in the calendar the quota reads (``visits.calendar``).

    A weekday made working or a weekend day made off is the usual week: an exception stored for it is removed
    and None returned. Otherwise the exception is stored (a public holiday on a weekday, a make-up working day
    调休 on a weekend) with ``note``. Recorded with who in the calendar's history. Days already checked for
    quota are re-checked by the daily job within ``CRM_QUOTA_RECHECK_DAYS``.
    """
    _day_in_window(day)
    note = note.strip()
    exception = WorkingDay.objects.select_for_update().filter(day=day).first()
    if is_working == (day.weekday() < 5):
        if exception is not None:
            record_change_by(exception, changed_by)
            exception.delete()
        return None
    exception = exception or WorkingDay(day=day)
    exception.is_working, exception.note = is_working, note
    exception.full_clean()
    record_change_by(exception, changed_by)
    exception.save()
    return exception


@transaction.atomic
def set_quota_override(
    *, salesperson: User, daily_minimum: int, valid_from: date, changed_by: User, reason: str = ""
) -> QuotaOverride:
    """A salesperson's own daily visit minimum from ``valid_from`` on, replacing the team's until the next one
    starts; the same start day again replaces it. Recorded with who."""
    if not salesperson.is_salesperson:
        raise ValidationError({"salesperson": _("Only a salesperson has a visit quota.")})
    if not 0 <= daily_minimum <= MAX_DAILY_MINIMUM:
        raise ValidationError(
            {"daily_minimum": _("Enter a minimum from 0 to %(most)d visits.") % {"most": MAX_DAILY_MINIMUM}}
        )
    message = check_date_in_window(valid_from)
    if message:
        raise ValidationError({"valid_from": message})
    override = QuotaOverride.objects.select_for_update().filter(
        salesperson=salesperson, valid_from=valid_from
    ).first() or QuotaOverride(salesperson=salesperson, valid_from=valid_from)
    override.daily_minimum, override.reason = daily_minimum, reason.strip()
    override.full_clean(validate_unique=False)  # one per start day: found above, replaced
    record_change_by(override, changed_by)
    override.save()
    return override


@transaction.atomic
def remove_quota_override(*, override_id: int, changed_by: User) -> None:
    """The salesperson goes back to the team's minimum (or their earlier personal one) from that day on."""
    override = QuotaOverride.objects.select_for_update().filter(pk=override_id).first()
    if override is None:
        raise NotFound
    record_change_by(override, changed_by)
    override.delete()


# --- leave 请假, asked for and approved through crm.approvals -----------------------------------------

LEAVE_APPROVAL = "leave"
LONGEST_LEAVE_DAYS = 31
# Leave may be asked for a few days back (a sick day reported late), not for long ago.
LEAVE_ASKED_LATE_DAYS = 7


def request_leave(*, salesperson: User, start_day: date, end_day: date, reason: str = "") -> Approval:
    """Ask the team manager for leave from ``start_day`` to ``end_day`` (both included). Refused with a
    message, nothing stored: a range that ends before it starts, longer than LONGEST_LEAVE_DAYS, more than
    LEAVE_ASKED_LATE_DAYS in the past, or overlapping leave already granted or asked for."""
    if not salesperson.is_salesperson:
        raise NotPermitted
    if end_day < start_day:
        raise ValidationError(_("The last day of leave cannot be before the first."), code="order")
    if (end_day - start_day).days + 1 > LONGEST_LEAVE_DAYS:
        raise ValidationError(
            _("Leave can be asked for at most %(days)d days at a time.") % {"days": LONGEST_LEAVE_DAYS}, code="long"
        )
    if start_day < timezone.localdate() - timedelta(days=LEAVE_ASKED_LATE_DAYS):
        raise ValidationError(
            _("Leave can be asked for at most %(days)d days back.") % {"days": LEAVE_ASKED_LATE_DAYS}, code="late"
        )
    granted = Leave.objects.filter(salesperson=salesperson, start_day__lte=end_day, end_day__gte=start_day).first()
    if granted is not None:
        raise ValidationError(
            _("You are already on leave from %(start)s to %(end)s.")
            % {"start": granted.start_day.isoformat(), "end": granted.end_day.isoformat()},
            code="overlap",
        )
    for asked in Approval.objects.filter(
        kind=LEAVE_APPROVAL, requester=salesperson, state=Approval.State.PENDING
    ).values_list("payload", flat=True):
        if asked.get("start_day", "") <= end_day.isoformat() and asked.get("end_day", "") >= start_day.isoformat():
            raise ValidationError(
                _("You have already asked for leave from %(start)s to %(end)s; it waits for approval.")
                % {"start": asked["start_day"], "end": asked["end_day"]},
                code="asked",
            )
    reason = reason.strip()[:200]
    days = start_day.isoformat() if start_day == end_day else f"{start_day.isoformat()} – {end_day.isoformat()}"
    return request_approval(
        kind=LEAVE_APPROVAL,
        requester=salesperson,
        summary=f"{days} {reason}".strip(),
        payload={"start_day": start_day.isoformat(), "end_day": end_day.isoformat(), "reason": reason},
    )


@transaction.atomic
def record_leave(*, salesperson_id: int, start_day: date, end_day: date, reason: str = "") -> Leave:
    """Enter leave in the quota calendar: from now on no shortfall is raised for those days and the
    assessment leaves them out; a shortfall already raised for one of them is withdrawn (the day's
    quota check runs again, as idempotent as ever)."""
    leave = Leave.objects.create(salesperson_id=salesperson_id, start_day=start_day, end_day=end_day, reason=reason)
    days = (
        QuotaShortfall.objects.filter(salesperson_id=salesperson_id, day__gte=start_day, day__lte=end_day)
        .exclude(status=QuotaShortfall.Review.WITHDRAWN)
        .order_by("day")
        .values_list("day", flat=True)
    )
    for day in list(days):
        check_visit_quotas(day=day)
    return leave


def apply_approved_leave(approval: Approval) -> None:
    """The leave kind's effect (crm.approvals calls it inside the deciding transaction)."""
    record_leave(
        salesperson_id=approval.requester_id,
        start_day=date.fromisoformat(approval.payload["start_day"]),
        end_day=date.fromisoformat(approval.payload["end_day"]),
        reason=approval.payload.get("reason", ""),
    )

"""Writes of the follow-up 业务跟进: the Monday key-account shortlist, its plans and outcomes, joint visits.

Views, the API, the management command and the Celery task all call these functions.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.customers.locks import lock_customer
from accounts.customers.models import Customer
from crm.dates import week_start
from crm.errors import ApplicationError, Conflict, NotPermitted
from crm.history import record_change_by
from crm.locks import lock_job
from crm.models import User
from crm.services import Message, Note, notify, notify_many
from territories.models import Territory, TerritoryAssignment
from territories.services import WorkPreview
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.key_accounts.selectors import follow_up_visits
from visits.models import Obstacle, Visit
from visits.querysets import CURRENT_INTENT_ORDER
from visits.services import record_visit

logger = logging.getLogger(__name__)


class StaleEntry(Conflict):
    default_message = gettext_lazy(
        "Someone else saved this shortlist entry after you opened it. Reload it and make your changes again."
    )


class EntryClosed(ApplicationError):
    default_message = gettext_lazy("This entry is already marked won or lost.")


class NotYourManager(NotPermitted):
    default_message = gettext_lazy("You can only ask your own manager for a joint visit.")


class RequestNotOpen(ApplicationError):
    default_message = gettext_lazy("This request has already been answered or closed.")


# --- the Monday job --------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _latest_rating(field: str, *, customer_ref: str, before: datetime) -> Subquery:
    """One column of the visit that decided the customer's current intent at ``before``: its
    latest visit by visit time among those rated before then (the customer list's rule)."""
    rated = (
        Visit.objects.rated(before=before)
        .filter(customer=OuterRef(customer_ref))
        .order_by(*CURRENT_INTENT_ORDER)
        .values(field)[:1]
    )
    return Subquery(rated)


def _current_owners() -> dict[int, int]:
    """Each territory's owner now (one open assignment per territory), in one query."""
    return dict(TerritoryAssignment.objects.current().values_list("territory_id", "salesperson_id"))


def _salesperson_now(*, territory_id: int | None, holder_id: int | None, owners: dict[int, int]) -> int | None:
    """The territory's current owner, else the customer's holder: who should follow the customer up now."""
    owner = owners.get(territory_id) if territory_id is not None else None
    return owner or holder_id


def _deciding_ratings(*, week: date):
    """The visits whose rating is their customer's current intent at Monday 00:00, a shortlist intent rated in
    the look-back window, of a customer still followed up (not pooled, neither a customer nor lost yet)."""
    cutoff = _start_of(week)
    since = _start_of(week - timedelta(days=settings.CRM["KEY_ACCOUNT_LOOKBACK_DAYS"]))
    intents = settings.CRM["KEY_ACCOUNT_INTENTS"]
    return (
        Visit.objects.deciding_current_intent(before=cutoff)
        .filter(rated_at__gte=since, intent__in=intents)
        .filter(customer__pooled_at__isnull=True)
        .exclude(customer__status__in=[Customer.Status.CUSTOMER, Customer.Status.LOST])
        .order_by()
    )


def _rated_candidates(*, week: date, owners: dict[int, int]) -> list[dict[str, Any]]:
    """Customers whose current intent at Monday 00:00 is a shortlist intent, rated in the look-back window.

    The current intent follows the customer list's rule: the rating of the customer's latest rated
    visit by visit time (ratings made from Monday 00:00 on wait for next week). That deciding
    rating must have been made in the look-back window: one made exactly LOOKBACK_DAYS days before
    the Monday counts, one day earlier does not; a fresh rating of an older visit changes nothing.
    Set-based: the window's shortlist-intent ratings, each kept only if no visit of its customer
    rated before Monday is later by visit time (one anti-join), so at most one row per customer.
    At 200,000 customers and 2,000,000 visits: 1.2-1.6 s, as the window function by rating time (1.2-1.3 s).
    """
    latest = _deciding_ratings(week=week).values(
        "customer_id",
        "intent",
        "rated_at",
        "obstacles",
        "obstacle_detail",
        "customer__territory_id",
        "customer__owner_id",
    )
    candidates = []
    for row in latest:
        salesperson = _salesperson_now(
            territory_id=row["customer__territory_id"], holder_id=row["customer__owner_id"], owners=owners
        )
        if salesperson is not None:
            candidates.append(
                {
                    "pk": row["customer_id"],
                    "salesperson_now": salesperson,
                    "latest_intent": row["intent"],
                    "latest_rated_at": row["rated_at"],
                    "latest_obstacles": row["obstacles"],
                    "latest_obstacle_detail": row["obstacle_detail"],
                }
            )
    return candidates


def _entries_to_carry(*, week: date):
    """Last week's entries neither won nor lost, whose customer is still followable and not downgraded,
    with ``visited``: a follow-up visit was logged from that Monday on."""
    cutoff = _start_of(week)
    intents = settings.CRM["KEY_ACCOUNT_INTENTS"]
    return (
        KeyAccountEntry.objects.filter(week=week - timedelta(weeks=1))
        .exclude(outcome__in=KeyAccountEntry.CLOSED_OUTCOMES)
        .filter(
            customer__pooled_at__isnull=True,
            customer__status__in=[Customer.Status.PROSPECT, Customer.Status.KEY_ACCOUNT],
        )
        # one probe of visit_customer_intent_idx per entry
        .annotate(latest_intent=_latest_rating("intent", customer_ref="customer_id", before=cutoff))
        # A rating downgraded below the shortlist intents takes the customer off; no rating keeps it.
        .filter(Q(latest_intent__in=intents) | Q(latest_intent__isnull=True))
        .annotate(visited=Exists(follow_up_visits()))
        .order_by()
    )


def _carried_candidates(*, week: date, owners: dict[int, int]) -> list[dict[str, Any]]:
    """Last week's entries neither won nor lost, whose customer is still followable and not downgraded.
    ``made``: its second visit was made (a follow-up visit logged, or the outcome says so)."""
    entries = _entries_to_carry(week=week).values(
        "pk",
        "outcome",
        "visited",
        "customer_id",
        "intent",
        "rated_at",
        "obstacles",
        "obstacle_detail",
        "prepared_answer",
        "planned_on",
        "customer__territory_id",
        "customer__owner_id",
    )
    candidates = []
    for values in entries:
        # A plain dict: the row is reshaped here, and django-stubs types a .values() row as a closed TypedDict.
        row: dict[str, Any] = dict(values)
        visited, outcome = row.pop("visited"), row.pop("outcome")
        row["made"] = visited or outcome == KeyAccountEntry.Outcome.SECOND_VISIT_DONE
        row["salesperson_now"] = _salesperson_now(
            territory_id=row.pop("customer__territory_id"), holder_id=row.pop("customer__owner_id"), owners=owners
        )
        if row["salesperson_now"] is not None:
            candidates.append(row)
    return candidates


def _as_codes(value: Any, *, valid: frozenset[str] = frozenset(Obstacle.values)) -> list[str]:
    # ``valid`` is built once: Obstacle.values makes a new list on every call (54,000 calls a Monday).
    return [code for code in (value or []) if code in valid]


@transaction.atomic
def build_shortlists(*, week: date) -> int:
    """Build every salesperson's key-account shortlist for the week starting Monday ``week``.

    Set-based: two queries find the candidates for all salespeople at once (customers whose current
    intent, by the customer list's rule, is a shortlist intent rated in the window; and last week's
    open entries), one bulk insert writes them.
    Each entry goes to the customer's current owner (territory's current assignment, read once,
    else the holder), so a customer
    reassigned before the job lands on the new owner's list. Intent and obstacles come from the
    visit that decides the current intent; a carried entry keeps its prepared answer and planned date.

    Idempotent: a customer already on any list for the week is skipped, and the unique
    (salesperson, week, customer) constraint backs that up; an interrupted run rolls back and a
    rerun gives the result of one clean run. Returns the number of entries created.
    """
    if week.weekday() != 0:
        raise ValueError("week must be a Monday")
    lock_job(name="build_key_account_shortlists", period=week.isoformat())
    if connection.vendor == "postgresql":
        counts = _insert_shortlists(week=week)
    else:
        counts = _build_shortlists_in_python(week=week)
    _notify_new_shortlists(counts, week=week)
    created = sum(counts.values())
    logger.info("Key-account shortlists for the week of %s: %d entries created", week.isoformat(), created)
    return created


def _build_shortlists_in_python(*, week: date) -> dict[int, int]:
    """SQLite: the candidates read into Python, merged there, one bulk insert. New entries per salesperson."""
    entries: dict[int, KeyAccountEntry] = {}
    owners = _current_owners()
    if settings.CRM["KEY_ACCOUNT_CARRY_OVER"]:
        for row in _carried_candidates(week=week, owners=owners):
            entries[row["customer_id"]] = KeyAccountEntry(
                week=week,
                salesperson_id=row["salesperson_now"],
                customer_id=row["customer_id"],
                origin=KeyAccountEntry.Origin.CARRIED,
                carried_from_id=row["pk"],
                intent=row["intent"],
                rated_at=row["rated_at"],
                obstacles=_as_codes(row["obstacles"]),
                obstacle_detail=row["obstacle_detail"],
                prepared_answer=row["prepared_answer"],
                # A plan carried out is not carried: its date would read as a visit still due.
                planned_on=None if row["made"] else row["planned_on"],
            )
    for row in _rated_candidates(week=week, owners=owners):
        carried = entries.get(row["pk"])
        entry = KeyAccountEntry(
            week=week,
            salesperson_id=row["salesperson_now"],
            customer_id=row["pk"],
            intent=row["latest_intent"],
            rated_at=row["latest_rated_at"],
            obstacles=_as_codes(row["latest_obstacles"]),
            obstacle_detail=(row["latest_obstacle_detail"] or "")[:300],
        )
        if carried is not None:
            # A fresh rating refreshes what the customer said; the plan made for them stays.
            entry.origin = KeyAccountEntry.Origin.CARRIED
            entry.carried_from_id = carried.carried_from_id
            entry.prepared_answer = carried.prepared_answer
            entry.planned_on = carried.planned_on
        entries[row["pk"]] = entry

    already = set(KeyAccountEntry.objects.filter(week=week).values_list("customer_id", flat=True))
    new_entries = [entry for customer_id, entry in sorted(entries.items()) if customer_id not in already]
    KeyAccountEntry.objects.bulk_create(new_entries, batch_size=1000, ignore_conflicts=True)
    counts: dict[int, int] = {}
    for entry in new_entries:
        counts[entry.salesperson_id] = counts.get(entry.salesperson_id, 0) + 1
    return counts


def _insert_shortlists(*, week: date) -> dict[int, int]:
    """PostgreSQL: the same entries as ``_build_shortlists_in_python`` in one ``INSERT … SELECT`` (issue #24):
    no candidate travels to Python and back (tens of thousands of rows a Monday at the large data set).

    The candidates are the same querysets (``_deciding_ratings``, ``_entries_to_carry``), compiled; the merge
    is a full join on the customer: a fresh rating gives intent, date and obstacles, a carried entry keeps
    its prepared answer and its planned date (none if its second visit was made) and marks the entry carried.
    The salesperson is the territory's current owner, else the holder; obstacles keep the known codes only,
    in their order. A customer already on a list for the week is skipped (and the unique constraint backs
    that up). Returns the new entries per salesperson, for the notifications.
    """
    owners = TerritoryAssignment.objects.current().values("territory_id", "salesperson_id")
    rated = _deciding_ratings(week=week).values(
        r_customer=F("customer_id"),
        r_intent=F("intent"),
        r_rated_at=F("rated_at"),
        r_obstacles=F("obstacles"),
        r_detail=F("obstacle_detail"),
        r_territory=F("customer__territory_id"),
        r_holder=F("customer__owner_id"),
    )
    carry = settings.CRM["KEY_ACCOUNT_CARRY_OVER"]
    carried = _entries_to_carry(week=week).values(
        c_pk=F("pk"),
        c_made=ExpressionWrapper(
            Q(visited=True) | Q(outcome=KeyAccountEntry.Outcome.SECOND_VISIT_DONE), output_field=BooleanField()
        ),
        c_customer=F("customer_id"),
        c_intent=F("intent"),
        c_rated_at=F("rated_at"),
        c_obstacles=F("obstacles"),
        c_detail=F("obstacle_detail"),
        c_answer=F("prepared_answer"),
        c_planned_on=F("planned_on"),
        c_territory=F("customer__territory_id"),
        c_holder=F("customer__owner_id"),
    )
    owners_sql, owners_params = owners.query.sql_with_params()
    rated_sql, rated_params = rated.query.sql_with_params()
    carried_sql, carried_params = carried.query.sql_with_params()
    if not carry:
        carried_sql = f"SELECT * FROM ({carried_sql}) AS every_entry WHERE false"  # noqa: S608 - compiled by Django
    table = KeyAccountEntry._meta.db_table
    # The SQL below is made of querysets compiled by Django and the model's table name; every value is a parameter.
    known = (
        "COALESCE((SELECT jsonb_agg(code ORDER BY place) FROM jsonb_array_elements_text("
        "CASE WHEN jsonb_typeof({0}) = 'array' THEN {0} ELSE '[]'::jsonb END) WITH ORDINALITY AS o(code, place) "
        "WHERE code = ANY(%s)), '[]'::jsonb)"
    )
    valid = list(Obstacle.values)
    sql = f"""
        WITH owners AS ({owners_sql}),
        rated AS (
            SELECT rated.*, COALESCE(owner.salesperson_id, rated.r_holder) AS r_salesperson
            FROM ({rated_sql}) AS rated LEFT JOIN owners AS owner ON owner.territory_id = rated.r_territory
        ),
        carried AS (
            SELECT DISTINCT ON (entry.c_customer) entry.*,
                COALESCE(owner.salesperson_id, entry.c_holder) AS c_salesperson
            FROM ({carried_sql}) AS entry LEFT JOIN owners AS owner ON owner.territory_id = entry.c_territory
            ORDER BY entry.c_customer, entry.c_pk DESC
        ),
        merged AS (
            SELECT
                COALESCE(rated.r_customer, carried.c_customer) AS customer_id,
                COALESCE(rated.r_salesperson, carried.c_salesperson) AS salesperson_id,
                CASE WHEN carried.c_pk IS NULL THEN %s ELSE %s END AS origin,
                carried.c_pk AS carried_from_id,
                CASE WHEN rated.r_customer IS NULL THEN carried.c_intent ELSE rated.r_intent END AS intent,
                CASE WHEN rated.r_customer IS NULL THEN carried.c_rated_at ELSE rated.r_rated_at END AS rated_at,
                CASE WHEN rated.r_customer IS NULL THEN {known.format("carried.c_obstacles")}
                    ELSE {known.format("rated.r_obstacles")} END AS obstacles,
                CASE WHEN rated.r_customer IS NULL THEN carried.c_detail
                    ELSE LEFT(COALESCE(rated.r_detail, ''), 300) END AS obstacle_detail,
                COALESCE(carried.c_answer, '') AS prepared_answer,
                CASE WHEN carried.c_made THEN NULL ELSE carried.c_planned_on END AS planned_on
            FROM (SELECT * FROM rated WHERE r_salesperson IS NOT NULL) AS rated
            FULL JOIN (SELECT * FROM carried WHERE c_salesperson IS NOT NULL) AS carried
                ON carried.c_customer = rated.r_customer
        ),
        inserted AS (
            INSERT INTO {table} (
                created_at, updated_at, week, salesperson_id, customer_id, origin, carried_from_id, intent,
                rated_at, obstacles, obstacle_detail, prepared_answer, planned_on, outcome, outcome_note,
                outcome_at, version
            )
            SELECT %s, %s, %s, salesperson_id, customer_id, origin, carried_from_id, intent, rated_at, obstacles,
                obstacle_detail, prepared_answer, planned_on, %s, '', NULL, 1
            FROM merged
            WHERE NOT EXISTS (SELECT 1 FROM {table} AS already WHERE already.week = %s
                AND already.customer_id = merged.customer_id)
            ORDER BY customer_id
            ON CONFLICT DO NOTHING
            RETURNING salesperson_id
        )
        SELECT salesperson_id, COUNT(*) FROM inserted GROUP BY salesperson_id
    """  # noqa: S608
    now = timezone.now()
    params = [
        *owners_params,
        *rated_params,
        *carried_params,
        KeyAccountEntry.Origin.RATING,
        KeyAccountEntry.Origin.CARRIED,
        valid,
        valid,
        now,
        now,
        week,
        KeyAccountEntry.Outcome.OPEN,
        week,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _notify_new_shortlists(counts: dict[int, int], *, week: date) -> None:
    """One notification per salesperson with new entries (``counts``: how many each)."""
    link = reverse("key_accounts:my_week")
    notify_many(
        notes=(
            Note(
                recipient_id=salesperson_id,
                kind="key_account_shortlist",
                text=Message(
                    gettext_noop("Your key-account shortlist for the week of %(week)s: %(count)d customer."),
                    {"week": week.isoformat(), "count": count},
                    plural="Your key-account shortlist for the week of %(week)s: %(count)d customers.",
                    count=count,
                ),
                link=link,
            )
            for salesperson_id, count in counts.items()
        )
    )


# --- the plan and the outcome of an entry ----------------------------------------------------------


def _key_accounts_moving(*, territory: Territory, to_user: User, at: datetime):
    week = week_start(timezone.localdate(at))
    already = KeyAccountEntry.objects.filter(week__gte=week, salesperson=to_user).values("customer_id")
    return (
        KeyAccountEntry.objects.filter(
            customer__territory=territory, week__gte=week, outcome=KeyAccountEntry.Outcome.OPEN
        )
        .exclude(salesperson=to_user)
        .exclude(customer_id__in=already)
    )


def move_key_accounts_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover for territory reassignment: this week's open key-account entries of the
    territory's customers go to the new owner, who now prepares the second visits. Decided entries
    (won, lost) and earlier weeks stay with whoever worked them. An entry the new owner already has
    for the same customer and week is not doubled (one entry per salesperson, week and customer)."""
    return _key_accounts_moving(territory=territory, to_user=to_user, at=at).update(
        salesperson=to_user, version=F("version") + 1, updated_at=at
    )


def preview_key_accounts_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    """What ``move_key_accounts_of_territory`` would move now, the first ``limit`` as "customer (week)".
    A release moves none: entries wait for the next owner."""
    if to_user is None:
        return WorkPreview(count=0)
    entries = _key_accounts_moving(territory=territory, to_user=to_user, at=at)
    sample = entries.order_by("week", "customer__unit_name", "pk").values_list("customer__unit_name", "week")[:limit]
    return WorkPreview(count=entries.count(), sample=tuple(f"{unit} ({week:%Y-%m-%d})" for unit, week in sample))


def _lock_entry(*, entry_id: int, user: User) -> KeyAccountEntry:
    entry = (
        KeyAccountEntry.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=entry_id)
    )
    return entry


@transaction.atomic
def update_key_account_plan(
    *,
    entry_id: int,
    user: User,
    version: int,
    obstacles: list[str],
    obstacle_detail: str = "",
    prepared_answer: str = "",
    planned_on: date | None = None,
) -> KeyAccountEntry:
    """Save the obstacles, the answer prepared and the planned date; refused if someone saved since."""
    entry = _lock_entry(entry_id=entry_id, user=user)
    if entry.version != version:
        raise StaleEntry
    unknown = [code for code in obstacles if code not in Obstacle.values]
    if unknown:
        raise ValidationError({"obstacles": _("Unknown obstacle: %(code)s") % {"code": ", ".join(unknown)}})
    entry.obstacles = list(dict.fromkeys(obstacles))
    entry.obstacle_detail = obstacle_detail
    entry.prepared_answer = prepared_answer
    entry.planned_on = planned_on
    entry.version += 1
    entry.full_clean(exclude=["salesperson", "customer", "carried_from"])
    entry.save()
    return entry


def deal_form_url(*, customer_id: int) -> str | None:
    """Where a won customer's deal is entered, or None until the deals pages exist (issue 7's seam)."""
    from django.urls import NoReverseMatch

    try:
        return f"{reverse('accounts:deal_create')}?customer={customer_id}"
    except NoReverseMatch:
        return None


@transaction.atomic
def record_key_account_outcome(*, entry_id: int, user: User, outcome: str, note: str = "") -> KeyAccountEntry:
    """Record what came of a shortlist entry.

    Won moves the customer to "customer" status and lost to "lost" (both with the customer's
    history and a new version, so open customer forms are refused). A closed entry cannot change.
    """
    if outcome not in KeyAccountEntry.Outcome.values or outcome == KeyAccountEntry.Outcome.OPEN:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    entry = _lock_entry(entry_id=entry_id, user=user)
    if entry.is_closed:
        raise EntryClosed
    entry.outcome = outcome
    entry.outcome_note = note[:300]
    entry.outcome_at = timezone.now()
    entry.version += 1
    entry.save()
    status_of_outcome: dict[str, str] = {
        KeyAccountEntry.Outcome.WON: Customer.Status.CUSTOMER,
        KeyAccountEntry.Outcome.LOST: Customer.Status.LOST,
    }
    new_status = status_of_outcome.get(outcome)
    if new_status is not None:
        customer = lock_customer(customer_id=entry.customer_id)
        if customer.status != new_status:
            customer.status = new_status
            customer.version += 1
            record_change_by(
                customer, user, reason=_("Key-account outcome: %(outcome)s") % {"outcome": entry.get_outcome_display()}
            )
            customer.save()
    return entry


# --- joint visits 陪同拜访 and office invitations ----------------------------------------------------


@transaction.atomic
def request_joint_visit(
    *,
    salesperson: User,
    customer: Customer,
    manager: User,
    mode: str = JointVisitRequest.Mode.JOINT_VISIT,
    reason: str,
    proposed_at: datetime,
    alternative_at: datetime | None = None,
    entry: KeyAccountEntry | None = None,
) -> JointVisitRequest:
    """A salesperson asks their own manager for help with a customer they follow; the manager is told."""
    if not salesperson.is_salesperson or salesperson.team is None or salesperson.team.manager_id != manager.pk:
        raise NotYourManager
    if not Customer.objects.visible_to(salesperson).filter(pk=customer.pk).exists():
        raise NotPermitted
    if entry is not None and (entry.customer_id != customer.pk or entry.salesperson_id != salesperson.pk):
        raise ValidationError({"entry": _("This shortlist entry is for another customer.")})
    request = JointVisitRequest(
        salesperson=salesperson,
        customer=customer,
        manager=manager,
        mode=mode,
        reason=reason,
        proposed_at=proposed_at,
        alternative_at=alternative_at,
        entry=entry,
    )
    request.full_clean()
    request.save()
    notify(
        recipient=manager,
        kind="joint_visit_request",
        text=Message(
            gettext_noop("%(salesperson)s asks for your help with %(customer)s: %(mode)s"),
            {"salesperson": salesperson, "customer": customer, "mode": JointVisitRequest.Mode(request.mode).label},
        ),
        link=request.get_absolute_url(),
    )
    return request


def _lock_request(*, request_id: int, user: User) -> JointVisitRequest:
    return (
        JointVisitRequest.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("customer", "salesperson", "manager")
        .get(pk=request_id)
    )


class Answer:
    ACCEPT = "accept"
    DECLINE = "decline"
    OTHER_TIME = "other_time"
    ALL = (ACCEPT, DECLINE, OTHER_TIME)


@transaction.atomic
def answer_joint_visit(
    *, request_id: int, manager: User, answer: str, time_chosen: datetime | None = None, note: str = ""
) -> JointVisitRequest:
    """The manager accepts (at the time chosen, else the first proposed), declines, or proposes another time."""
    request = _lock_request(request_id=request_id, user=manager)
    if request.manager_id != manager.pk:
        raise NotPermitted
    if request.status != JointVisitRequest.Status.PENDING:
        raise RequestNotOpen
    if answer == Answer.ACCEPT:
        request.status = JointVisitRequest.Status.ACCEPTED
        request.scheduled_at = time_chosen or request.proposed_at
        message = gettext_noop("%(manager)s accepted the %(mode)s for %(customer)s on %(at)s.")
    elif answer == Answer.DECLINE:
        request.status = JointVisitRequest.Status.DECLINED
        message = gettext_noop("%(manager)s declined the %(mode)s for %(customer)s.")
    elif answer == Answer.OTHER_TIME:
        if time_chosen is None:
            raise ValidationError({"time_chosen": _("Give the time you propose.")})
        request.status = JointVisitRequest.Status.OTHER_TIME
        request.manager_proposed_at = time_chosen
        message = gettext_noop("%(manager)s proposes another time for the %(mode)s for %(customer)s: %(at)s.")
    else:
        raise ValidationError({"answer": _("Choose an answer.")})
    request.response_note = note[:300]
    request.responded_at = timezone.now()
    request.save()
    at = request.scheduled_at or request.manager_proposed_at
    notify(
        recipient=request.salesperson,
        kind="joint_visit_answer",
        text=Message(
            message,
            {
                "manager": manager,
                "mode": JointVisitRequest.Mode(request.mode).label,
                "customer": request.customer,
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "",
            },
        ),
        link=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def accept_manager_time(*, request_id: int, salesperson: User) -> JointVisitRequest:
    """The salesperson takes the time the manager proposed; the request is then accepted."""
    request = _lock_request(request_id=request_id, user=salesperson)
    if request.salesperson_id != salesperson.pk:
        raise NotPermitted
    if request.status != JointVisitRequest.Status.OTHER_TIME:
        raise RequestNotOpen
    request.status = JointVisitRequest.Status.ACCEPTED
    request.scheduled_at = request.manager_proposed_at
    request.save()
    notify(
        recipient=request.manager,
        kind="joint_visit_answer",
        text=Message(
            gettext_noop("%(salesperson)s agreed to your time for %(customer)s."),
            {"salesperson": salesperson, "customer": request.customer},
        ),
        link=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def cancel_joint_visit(*, request_id: int, salesperson: User) -> JointVisitRequest:
    request = _lock_request(request_id=request_id, user=salesperson)
    if request.salesperson_id != salesperson.pk:
        raise NotPermitted
    if not request.is_open:
        raise RequestNotOpen
    request.status = JointVisitRequest.Status.CANCELLED
    request.save()
    return request


@transaction.atomic
def log_joint_visit(*, request_id: int, user: User, visited_at: datetime, notes: str = "") -> Visit:
    """Log the accepted joint visit (or the customer's office visit) as one visit with both people.

    The visit is the salesperson's, with the manager as ``joint_manager``, logged through
    visits.services.record_visit like any other (its rules, followers and counts); a shortlist entry
    the request came from is marked "second visit done" if it was still open.
    """
    request = _lock_request(request_id=request_id, user=user)
    if user.pk not in (request.salesperson_id, request.manager_id):
        raise NotPermitted
    if request.status != JointVisitRequest.Status.ACCEPTED:
        raise RequestNotOpen
    kind = Visit.Kind.OFFICE if request.mode == JointVisitRequest.Mode.OFFICE else Visit.Kind.JOINT
    visit = record_visit(
        salesperson=request.salesperson,
        customer_id=request.customer_id,
        kind=kind,
        visited_at=visited_at,
        notes=notes,
        joint_manager=request.manager,
    )
    request.status = JointVisitRequest.Status.DONE
    request.visit = visit
    request.save()
    if request.entry_id is not None:
        KeyAccountEntry.objects.filter(pk=request.entry_id, outcome=KeyAccountEntry.Outcome.OPEN).update(
            outcome=KeyAccountEntry.Outcome.SECOND_VISIT_DONE, outcome_at=timezone.now(), version=F("version") + 1
        )
    return visit

"""Reads of the follow-up 业务跟进: a salesperson's week, the Monday meeting, progress counts.

Every read starts from ``visible_to``; every function runs a fixed number of queries whatever the
number of entries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.functional import Promise

from crm.dates import local_today
from crm.models import User
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.models import Obstacle, Visit

# Visits that count as the follow-up of a shortlist entry.
FOLLOW_UP_KINDS = (Visit.Kind.SECOND, Visit.Kind.JOINT, Visit.Kind.OFFICE)


def follow_up_visits(*, customer_ref: str = "customer_id", week_ref: str = "week") -> QuerySet[Visit]:
    """Second, joint or office visits to the entry's customer from the entry's Monday on: its follow-up."""
    return Visit.objects.filter(
        customer=OuterRef(customer_ref),
        kind__in=FOLLOW_UP_KINDS,
        visited_on__gte=OuterRef(week_ref),
    )


def _with_follow_up(entries: QuerySet[KeyAccountEntry]) -> QuerySet[KeyAccountEntry]:
    return entries.annotate(has_follow_up=Exists(follow_up_visits()))


def customers_followed_up(*, since: date, until: date | None = None) -> QuerySet[Visit, int]:
    """The customers with a second, joint or office visit from ``since`` on (before ``until`` if given).

    Uncorrelated, so that ``customer_id IN (…)`` is worked out once and hashed (PostgreSQL) from
    ``visit_kind_day_customer_idx`` alone, instead of one probe into each customer's visits per entry: the
    Monday meeting and the morning meeting count a team's or the whole company's week of entries (54,000 at
    the large data set, 4.7 s as an EXISTS per entry, issue #24)."""
    visits = Visit.objects.filter(kind__in=FOLLOW_UP_KINDS, visited_on__gte=since)
    if until is not None:
        visits = visits.filter(visited_on__lt=until)
    return visits.order_by().values_list("customer_id", flat=True)


# The meeting's order: by salesperson, then planned date (unplanned last), then id.
MEETING_ORDER = (
    "salesperson__last_name",
    "salesperson__first_name",
    "salesperson_id",
    F("planned_on").asc(nulls_last=True),
    "id",
)


def entries_for_week(*, viewer: User, week: date, today: date | None = None) -> QuerySet[KeyAccountEntry]:
    """The week's entries the viewer sees, with ``has_follow_up`` and ``card_state`` (the Monday meeting and its
    export): the same follow-up as ``follow_up_visits`` (every entry of the list has the same week), as a set."""
    entries = KeyAccountEntry.objects.visible_to(viewer).filter(week=week)
    entries = entries.annotate(
        has_follow_up=Case(
            When(customer_id__in=customers_followed_up(since=week), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    return (
        with_card_state(entries, today=today or local_today())
        .select_related("customer", "salesperson")
        .order_by(*MEETING_ORDER)
    )


def with_card_state(entries: QuerySet[KeyAccountEntry], *, today: date) -> QuerySet[KeyAccountEntry]:
    """Annotate ``card_state``, the one thing an entry's card says (entries annotated ``has_follow_up``):

    - "won", "lost": closed;
    - "done": the second visit is made (a follow-up visit logged, or the outcome says so);
    - "postponed";
    - "due": its planned second visit is today or past;
    - "planned": planned for later;
    - "unplanned": no second visit planned yet.

    The first that holds wins, so a card never says "due" of a visit already made, nor asks for a plan once
    the visit is made or the entry closed."""
    Outcome = KeyAccountEntry.Outcome
    return entries.annotate(
        card_state=Case(
            When(outcome__in=KeyAccountEntry.CLOSED_OUTCOMES, then=F("outcome")),
            When(Q(has_follow_up=True) | Q(outcome=Outcome.SECOND_VISIT_DONE), then=Value("done")),
            When(outcome=Outcome.POSTPONED, then=Value("postponed")),
            When(planned_on__lte=today, then=Value("due")),
            When(planned_on__isnull=False, then=Value("planned")),
            default=Value("unplanned"),
            output_field=CharField(),
        )
    )


def my_week(*, salesperson: User, week: date, today: date | None = None) -> QuerySet[KeyAccountEntry]:
    """The salesperson's shortlist, due second visits first, then the rest by planned date, closed entries last."""
    today = today or local_today()
    entries = _with_follow_up(
        KeyAccountEntry.objects.visible_to(salesperson).filter(week=week, salesperson=salesperson)
    )
    return (
        with_card_state(entries, today=today)
        .select_related("customer")
        .annotate(
            rank=Case(
                When(card_state="due", then=Value(0)),
                When(outcome__in=KeyAccountEntry.CLOSED_OUTCOMES, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", F("planned_on").asc(nulls_last=True), "intent", "id")
    )


def outcome_counts(*, viewer: User, week: date) -> dict[str, int]:
    """One query: entries, second visits that happened in the week, won, lost, postponed, open."""
    entries = KeyAccountEntry.objects.visible_to(viewer).filter(week=week)
    # as a set rather than an EXISTS per entry (customers_followed_up): the admin's dashboard counts every entry
    followed = Q(customer_id__in=customers_followed_up(since=week, until=week + timedelta(days=7)))
    Outcome = KeyAccountEntry.Outcome
    return entries.aggregate(
        entries=Count("id"),
        second_visits=Count("id", filter=followed | Q(outcome=Outcome.SECOND_VISIT_DONE)),
        won=Count("id", filter=Q(outcome=Outcome.WON)),
        lost=Count("id", filter=Q(outcome=Outcome.LOST)),
        postponed=Count("id", filter=Q(outcome=Outcome.POSTPONED)),
        open=Count("id", filter=Q(outcome=Outcome.OPEN)),
    )


def pending_joint_visits(*, viewer: User) -> QuerySet[JointVisitRequest]:
    return (
        JointVisitRequest.objects.visible_to(viewer)
        .open()
        .select_related("customer", "salesperson", "manager")
        .order_by("proposed_at", "id")
    )


def key_account_progress(*, viewer: User, week: date) -> dict[str, int]:
    """This week's key accounts in numbers, for the morning meeting: entries, second visits done,
    won, lost, pending joint visits. Two queries."""
    counts = outcome_counts(viewer=viewer, week=week)
    return {
        "entries": counts["entries"],
        "second_visits": counts["second_visits"],
        "won": counts["won"],
        "lost": counts["lost"],
        "pending_joint_visits": pending_joint_visits(viewer=viewer).count(),
    }


# The Monday meeting shows this many cards per salesperson; the rest of someone's shortlist on demand
# ("show all"). A shortlist is a handful of key accounts in a real week; at 200 salespeople with 270 entries each
# (the large data set, issue #24) the page rendered 2,750 cards (1 MB, 6 s) for one manager.
MEETING_CARDS_PER_PERSON = 10


@dataclass
class SalespersonShortlist:
    """A salesperson's week in the Monday meeting: their figures over the whole shortlist and the cards shown
    (the first ``MEETING_CARDS_PER_PERSON`` by planned date, or all of them when asked)."""

    salesperson: User
    entries: list[KeyAccountEntry] = field(default_factory=list)
    count: int = 0
    due: int = 0
    done: int = 0
    won: int = 0
    lost: int = 0

    @property
    def more(self) -> int:
        """How many of the shortlist's cards are not shown."""
        return self.count - len(self.entries)


@dataclass(frozen=True)
class MondaySection:
    """A part of the Monday meeting page a higher app adds (``register_monday_section``)."""

    name: str
    order: int
    template: str
    context: Callable[..., dict[str, Any]]


MONDAY_SECTIONS: dict[str, MondaySection] = {}


def register_monday_section(*, name: str, order: int, template: str, context: Callable[..., dict[str, Any]]) -> None:
    """Called from a higher app's ``AppConfig.ready`` (visits never imports it): ``context(viewer=, week=)``
    returns what ``template`` shows, read within the viewer's scope in a fixed number of queries. The same
    name twice keeps the first."""
    MONDAY_SECTIONS.setdefault(name, MondaySection(name=name, order=order, template=template, context=context))


def monday_sections(*, viewer: User, week: date) -> list[tuple[str, dict[str, Any]]]:
    """The registered sections in their order, each as (template, context)."""
    return [
        (section.template, section.context(viewer=viewer, week=week))
        for section in sorted(MONDAY_SECTIONS.values(), key=lambda section: (section.order, section.name))
    ]


@dataclass
class MondayMeeting:
    week: date
    shortlists: list[SalespersonShortlist]
    obstacle_counts: list[tuple[str, str | Promise, int]]  # the label translated when shown
    last_week: dict[str, int]
    pending_requests: list[JointVisitRequest]

    @property
    def entry_count(self) -> int:
        return sum(shortlist.count for shortlist in self.shortlists)


def team_salespeople(*, viewer: User) -> QuerySet[User]:
    people = User.objects.filter(role=User.Role.SALESPERSON, is_active=True)
    if viewer.sees_everything:
        return people
    if viewer.is_manager:
        return people.filter(team__manager=viewer)
    return people.filter(pk=viewer.pk)


def _shortlist_figures(entries: QuerySet[KeyAccountEntry]) -> dict[int, dict[str, int]]:
    """Per salesperson: entries, due, second visit done, won, lost (``card_state``), from one GROUP BY on
    (salesperson, card state), so that the card state and its follow-up set are worked out once per entry."""
    figures: dict[int, dict[str, int]] = {}
    rows = entries.order_by().values_list("salesperson_id", F("card_state")).annotate(n=Count("id"))
    for salesperson_id, state, n in rows:
        counts = figures.setdefault(salesperson_id, {"count": 0, "due": 0, "done": 0, "won": 0, "lost": 0})
        counts["count"] += n
        if state in counts:
            counts[state] += n
    return figures


def _first_cards(entries: QuerySet[KeyAccountEntry], *, per_person: int, today: date) -> QuerySet[KeyAccountEntry]:
    """Each salesperson's first ``per_person`` of ``entries`` in the meeting's order. The ranking reads the plain
    rows (the week's index); only the cards kept are annotated, their follow-up an EXISTS each (a few dozen
    probes rather than the week's follow-up set hashed again)."""
    ranked = (
        KeyAccountEntry.objects.filter(pk__in=entries.values("pk"))
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("salesperson_id")],
                order_by=[F("planned_on").asc(nulls_last=True), F("id").asc()],
            )
        )
        .filter(position__lte=per_person)
        .values("pk")
    )
    cards = _with_follow_up(KeyAccountEntry.objects.filter(pk__in=ranked))
    return with_card_state(cards, today=today).select_related("customer", "salesperson").order_by(*MEETING_ORDER)


def monday_meeting(*, viewer: User, week: date, show_all_of: int | None = None) -> MondayMeeting:
    """Every salesperson's shortlist for ``week``: their figures over the whole list and their first
    ``MEETING_CARDS_PER_PERSON`` cards (all of them for the salesperson ``show_all_of``); obstacles counted by
    type across the team, last week's outcomes and the open joint-visit requests. Seven or eight queries whatever the
    team's size, and a page whose size does not grow with the shortlists'."""
    people = list(team_salespeople(viewer=viewer).order_by("last_name", "first_name", "id"))
    by_person = {person.pk: SalespersonShortlist(salesperson=person) for person in people}
    figures = _shortlist_figures(entries_for_week(viewer=viewer, week=week))
    entries = entries_for_week(viewer=viewer, week=week)
    if show_all_of is not None:
        entries = entries.exclude(salesperson_id=show_all_of)
    cards = list(_first_cards(entries, per_person=MEETING_CARDS_PER_PERSON, today=local_today()))
    if show_all_of is not None:
        cards += salesperson_week(viewer=viewer, week=week, salesperson_id=show_all_of)
    for entry in cards:  # each salesperson's in the meeting's order
        shortlist = by_person.get(entry.salesperson_id)
        if shortlist is None:  # someone who left the team still has entries this week
            shortlist = by_person[entry.salesperson_id] = SalespersonShortlist(salesperson=entry.salesperson)
        shortlist.entries.append(entry)
    for salesperson_id, counts in figures.items():
        vars(by_person[salesperson_id]).update(counts)
    obstacles: Counter[str] = Counter(
        code
        for codes in entries_for_week(viewer=viewer, week=week).order_by().values_list("obstacles", flat=True)
        for code in codes
    )
    return MondayMeeting(
        week=week,
        shortlists=list(by_person.values()),
        obstacle_counts=[(code, label, obstacles[code]) for code, label in Obstacle.choices],
        last_week=outcome_counts(viewer=viewer, week=week - timedelta(weeks=1)),
        pending_requests=list(pending_joint_visits(viewer=viewer)),
    )


def salesperson_week(*, viewer: User, week: date, salesperson_id: int) -> list[KeyAccountEntry]:
    """All of one salesperson's entries of ``week`` that ``viewer`` sees, in the meeting's order."""
    return list(entries_for_week(viewer=viewer, week=week).filter(salesperson_id=salesperson_id))


def salesperson_shortlist(*, viewer: User, week: date, salesperson_id: int) -> SalespersonShortlist | None:
    """One salesperson's whole shortlist for the Monday meeting's "show N more" (one query): their cards and
    figures. None for someone ``viewer`` neither leads nor sees entries of."""
    entries = salesperson_week(viewer=viewer, week=week, salesperson_id=salesperson_id)
    salesperson: User | None = (
        entries[0].salesperson if entries else team_salespeople(viewer=viewer).filter(pk=salesperson_id).first()
    )
    if salesperson is None:
        return None
    states = Counter(entry.card_state for entry in entries)  # type: ignore[attr-defined]
    return SalespersonShortlist(
        salesperson=salesperson,
        entries=entries,
        count=len(entries),
        **{state: states[state] for state in ("due", "done", "won", "lost")},
    )


def obstacle_labels(codes: list[str]) -> list[str]:
    labels = dict(Obstacle.choices)
    return [str(labels.get(code, code)) for code in codes]

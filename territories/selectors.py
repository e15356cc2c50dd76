"""Reads of market planning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.functional import Promise

from crm.models import User
from territories.models import RoutingRule, Territory, TerritoryAssignment, TerritoryHandover


@dataclass(frozen=True)
class ConsoleQueue:
    """A queue of work waiting for the admin, shown with its count on the territory console. Registered
    by a higher app (accounts: the customers to be assigned) so that territories never imports it."""

    name: str
    label: Promise | str  # ngettext_lazy(singular, plural, "count") with %(count)d
    url_name: str
    count: Callable[..., int]  # count(user=...)


CONSOLE_QUEUES: dict[str, ConsoleQueue] = {}


def register_console_queue(*, name: str, label: Promise | str, url_name: str, count: Callable[..., int]) -> None:
    """Called from an app's ``AppConfig.ready``; the same name twice keeps the first."""
    CONSOLE_QUEUES.setdefault(name, ConsoleQueue(name=name, label=label, url_name=url_name, count=count))


def console_queues(*, user: User) -> list[tuple[str, str, int]]:
    """(text, url name, count) of each registered queue for ``user``: one query each."""
    rows = []
    for queue in CONSOLE_QUEUES.values():
        count = queue.count(user=user)
        rows.append((queue.label % {"count": count}, queue.url_name, count))
    return rows


def current_owner(*, territory: Territory | None, at: datetime | None = None) -> User | None:
    """Who owns ``territory`` now, or at the moment ``at``; None when nobody does."""
    if territory is None:
        return None
    assignments = TerritoryAssignment.objects.filter(territory=territory).select_related("salesperson")
    if at is None:
        assignment = assignments.current().first()
    else:
        assignment = (
            assignments.filter(started_at__lte=at).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at)).first()
        )
    return assignment.salesperson if assignment else None


def territories_with_owners(*, user: User) -> QuerySet[Territory]:
    """The tree in path order, each territory with ``current_assignments`` (0 or 1).

    Two queries whatever the size of the tree. The history of each territory is not loaded here:
    the console fetches it per territory when the admin opens it (``assignment_history``).
    """
    return (
        Territory.objects.visible_to(user)
        .select_related("channel_type")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=TerritoryAssignment.objects.current().select_related("salesperson"),
                to_attr="current_assignments",
            )
        )
        .order_by("path")
    )


def assignment_history(*, territory: Territory) -> QuerySet[TerritoryAssignment]:
    """Who owned ``territory`` from when to when, newest first, with the people joined."""
    return (
        TerritoryAssignment.objects.filter(territory=territory)
        .select_related("salesperson", "assigned_by")
        .order_by("-started_at", "-id")
    )


def handover_history(*, territory: Territory) -> QuerySet[TerritoryHandover]:
    """What moved each time ``territory`` changed hands, newest first, with the people joined."""
    return (
        TerritoryHandover.objects.filter(territory=territory)
        .select_related("from_salesperson", "to_salesperson", "changed_by")
        .order_by("-changed_at", "-id")
    )


def unowned_territories() -> QuerySet[Territory]:
    """Active channel territories nobody owns now."""
    owned = TerritoryAssignment.objects.current().filter(territory=OuterRef("pk"))
    return Territory.objects.filter(kind=Territory.Kind.CHANNEL, is_active=True).exclude(Exists(owned))


def territories_owned_by(*, salesperson: User) -> QuerySet[Territory]:
    return Territory.objects.filter(assignments__salesperson=salesperson, assignments__ended_at__isnull=True)


def assignable_salespeople() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.SALESPERSON, is_active=True).select_related("team").order_by("username")


def territory_of_salesperson_in_branch_of(
    *, salesperson: User, territory: Territory, channel_type_id: int | None = None
) -> Territory | None:
    """The territory ``salesperson`` owns now in the county branch of ``territory`` (``territory`` itself
    when they own it; a channel territory of ``channel_type_id`` first, then the first in tree order), or None.
    """
    scope = territory
    if territory.kind not in (Territory.Kind.BRANCH, Territory.Kind.CITY, Territory.Kind.COMPANY):
        scope = Territory.objects.filter(pk__in=territory.ancestor_ids, kind=Territory.Kind.BRANCH).first() or territory
    owned = list(
        Territory.objects.filter(
            path__startswith=scope.path,
            is_active=True,
            assignments__salesperson=salesperson,
            assignments__ended_at__isnull=True,
        ).order_by("path")
    )
    if territory in owned:
        return territory
    same_channel = [t for t in owned if channel_type_id is not None and t.channel_type_id == channel_type_id]
    candidates = same_channel or owned
    return candidates[0] if candidates else None


def routing_rules() -> QuerySet[RoutingRule]:
    """Every routing rule in the order ``route`` tries them (active ones; inactive ones after), with their
    territory and channel type."""
    return RoutingRule.objects.select_related("territory", "channel_type").order_by("-is_active", "priority", "id")

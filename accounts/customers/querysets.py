"""Who sees which customers, decided once (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models
from django.db.models import BooleanField, Exists, F, Func, OuterRef

from crm.querysets import model_of, related_model

if TYPE_CHECKING:
    from crm.models import User


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CustomerQuerySet:
        """Every page, API endpoint, export and search starts here; what is not in it answers 404.

        Admin: all. Salesperson: customers of the territories they own now, plus those they hold.
        Manager: customers whose territory's current owner, or whose holder, is in a team they manage.
        Info staff and anyone else: none (they use the duplicate lookup, which reveals no details).
        """
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson or user.is_manager:
            return self.filter(pk__in=visible_customer_ids(self, user))
        return self.none()

    def visible_slice(self, user: User, start: int, stop: int) -> CustomerQuerySet:
        """Rows ``start`` to ``stop`` of ``self``, in its order, among those ``user`` sees: a page of a list.

        ``self`` carries the list's filters and ordering but NOT the visibility (``visible_to`` keeps the count):
        each branch of the rule (held by the person or team; in a territory they own now) is filtered, ordered
        and cut at ``stop`` by itself, on an index in the list's order (customer_owner_created_idx,
        customer_territory_created_idx), and the page is taken from those few rows. ``pk IN (UNION)`` could
        only be sorted after joining every visible customer (a manager's 10,000) to read its date. The rows of
        the page are the rows of ``visible_to(user)[start:stop]``: every row in the first ``stop`` of the list
        is in the first ``stop`` of its branch. The primary key breaks ties, so that the order is total.
        """
        if not user.is_authenticated or not (user.sees_everything or user.is_salesperson or user.is_manager):
            return self.none()
        ordering = [*(self.query.order_by or model_of(self)._meta.ordering or [])]
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("-pk")
        ordered = self.order_by(*ordering)
        if user.sees_everything:
            return ordered[start:stop]
        if not connections[self.db].features.supports_slicing_ordering_in_compound:
            # SQLite cannot order or cut the parts of a UNION; at the embedded mode's sizes the plain form is fine.
            return ordered.visible_to(user)[start:stop]
        held, in_territory = self._branches(user, ordered)
        # "id = ANY(ARRAY(…))", not "id IN (…)": the few ids are read first, then their rows by primary key. With
        # IN, the planner expected too many to probe and hash-joined them to a scan of every customer (the
        # map's 2,001: a seq scan of 200,000 rows).
        ids = ArraySubquery(held[:stop].union(in_territory[:stop]))
        return ordered.filter(_equals_any(F("pk"), ids))[start:stop]

    def visible_count(self, user: User) -> int:
        """How many rows of ``self`` (filters, not the visibility) ``user`` sees: ``visible_to(user).count()``,
        with the filters inside each branch of the UNION, so that nothing joins the whole table to the ids
        (the planner hashed all 200,000 customers' ids to count a manager's 10,000)."""
        if not user.is_authenticated or not (user.sees_everything or user.is_salesperson or user.is_manager):
            return 0
        if user.sees_everything:
            return self.count()
        held, in_territory = self._branches(user, self.order_by())
        return held.union(in_territory).count()

    def _branches(self, user: User, rows: CustomerQuerySet) -> tuple[models.QuerySet, models.QuerySet]:
        """The ids of ``rows`` in each branch of the rule (``visible_customer_ids``)."""
        people, territories = _team_and_territories(user)
        return rows.filter(owner__in=people).values("pk"), rows.filter(territory__in=territories).values("pk")

    def in_territory_tree(self, territory) -> CustomerQuerySet:
        """Customers of ``territory`` and of every territory below it."""
        return self.filter(territory__path__startswith=territory.path)

    def prospects_held_by(self, user: User) -> CustomerQuerySet:
        return self.filter(owner=user, status=model_of(self).Status.PROSPECT)

    def prospect_counts_by_owner(self, owner_ids: list[int]) -> dict[int, int]:
        """``prospects_held_by`` counted for many people in one query: owner id → prospects (none: absent)."""
        return dict(
            self.filter(owner_id__in=owner_ids, status=model_of(self).Status.PROSPECT)
            .order_by()
            .values_list("owner_id")
            .annotate(held=models.Count("pk"))
            .values_list("owner_id", "held")
        )


def visible_customer_ids(customers: models.QuerySet, user: User):
    """Ids of the customers a salesperson or manager sees, as a UNION of two index scans.

    The same rows as ``Q(owner__in=team) | Exists(current assignment of the territory to the team)``:
    held by the person (their team), or in a territory they (their team) own now. PostgreSQL can only
    test that OR row by row, over every customer of the company (the manager's list counted 200,000 rows
    to show 20); each branch alone starts from an index (customer by holder, customer by territory), so
    the work grows with what the person sees. tests/accounts/customers/test_customer_visibility_union.py
    keeps the two forms equal.
    """
    people, territories = _team_and_territories(user)
    customers = model_of(customers).objects.order_by()
    held = customers.filter(owner__in=people).values("pk")
    in_territory = customers.filter(territory__in=territories).values("pk")
    return held.union(in_territory)


def _equals_any(value, array) -> Func:
    """``value = ANY(array)`` as a condition (PostgreSQL)."""
    return Func(value, array, template="%(expressions)s)", arg_joiner=" = ANY(", output_field=BooleanField())


def _team_and_territories(user: User) -> tuple[models.QuerySet, models.QuerySet]:
    """The rule's two keys, as subqueries: the people whose held customers ``user`` sees (themselves; a
    manager's teams' members), and the territories those people own now."""
    from crm.models import User
    from territories.models import TerritoryAssignment

    team = User.objects.filter(pk=user.pk) if user.is_salesperson else User.objects.filter(team__manager=user)
    people = team.values("pk")
    territories = TerritoryAssignment.objects.current().filter(salesperson__in=people).values("territory_id")
    return people, territories


def visible_customer(queryset: models.QuerySet, user: User):
    """Rows whose customer ``user`` sees. The customer model through the relation, not an import:
    the models import this module."""
    customer_model = related_model(queryset, "customer")
    return Exists(customer_model.objects.visible_to(user).filter(pk=OuterRef("customer_id")))

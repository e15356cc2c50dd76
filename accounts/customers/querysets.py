"""Who sees which customers, decided once (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef

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
    from crm.models import User
    from territories.models import TerritoryAssignment

    team = User.objects.filter(pk=user.pk) if user.is_salesperson else User.objects.filter(team__manager=user)
    people = team.values("pk")
    territories = TerritoryAssignment.objects.current().filter(salesperson__in=people).values("territory_id")
    customers = model_of(customers).objects.order_by()
    held = customers.filter(owner__in=people).values("pk")
    in_territory = customers.filter(territory__in=territories).values("pk")
    return held.union(in_territory)


def visible_customer(queryset: models.QuerySet, user: User):
    """Rows whose customer ``user`` sees. The customer model through the relation, not an import:
    the models import this module."""
    customer_model = related_model(queryset, "customer")
    return Exists(customer_model.objects.visible_to(user).filter(pk=OuterRef("customer_id")))

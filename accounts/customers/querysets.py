"""Who sees which customers, decided once (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

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
        from territories.models import TerritoryAssignment

        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        current = TerritoryAssignment.objects.current().filter(territory=OuterRef("territory"))
        if user.is_salesperson:
            return self.filter(Q(owner=user) | Exists(current.filter(salesperson=user)))
        if user.is_manager:
            # An IN over the team's ids (not a join through the holder to teams) is a filter PostgreSQL applies
            # while it reads an index, before sorting (nearby customers read the position index).
            from crm.models import User

            team = User.objects.filter(team__manager=user).values("pk")
            return self.filter(Q(owner__in=team) | Exists(current.filter(salesperson__team__manager=user)))
        return self.none()

    def in_territory_tree(self, territory) -> CustomerQuerySet:
        """Customers of ``territory`` and of every territory below it."""
        return self.filter(territory__path__startswith=territory.path)

    def prospects_held_by(self, user: User) -> CustomerQuerySet:
        return self.filter(owner=user, status=model_of(self).Status.PROSPECT)


def visible_customer(queryset: models.QuerySet, user: User):
    """Rows whose customer ``user`` sees. The customer model through the relation, not an import:
    the models import this module."""
    customer_model = related_model(queryset, "customer")
    return Exists(customer_model.objects.visible_to(user).filter(pk=OuterRef("customer_id")))

"""Who sees which customers, decided once (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError
from crm.querysets import PersonalRecordQuerySet, model_of, related_model

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
            return self.filter(Q(owner__team__manager=user) | Exists(current.filter(salesperson__team__manager=user)))
        return self.none()

    def in_territory_tree(self, territory) -> CustomerQuerySet:
        """Customers of ``territory`` and of every territory below it."""
        return self.filter(territory__path__startswith=territory.path)

    def prospects_held_by(self, user: User) -> CustomerQuerySet:
        return self.filter(owner=user, status=model_of(self).Status.PROSPECT)


def _visible_customer(queryset: models.QuerySet, user: User):
    """Rows whose customer ``user`` sees. The customer model through the relation, not an import:
    the models import this module."""
    customer_model = related_model(queryset, "customer")
    return Exists(customer_model.objects.visible_to(user).filter(pk=OuterRef("customer_id")))


class DealQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DealQuerySet:
        """Deals of the customers ``user`` sees, plus the deals credited to them (salesperson) or to their
        team (manager), so a person's own history stays visible after a territory moves. Info staff: none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson or user.is_manager:
            return self.filter(pk__in=_visible_deal_ids(self, user))
        return self.none()


def _visible_deal_ids(deals: DealQuerySet, user: User):
    """Ids of the deals a salesperson or manager sees, as a UNION of three index scans.

    The same rows as ``credited | Exists(Customer.objects.visible_to(user))``: credited to the person
    (their team), or of a customer held by them (their team), or of a customer in a territory they
    (their team) own now. PostgreSQL can only test that OR row by row: the receivables page checked
    each of the 100,000 ledger entries that way (2.9 s at the large data set); each branch alone
    starts from an index (deal by salesperson, customer by holder, customer by territory).
    tests/accounts/test_deal_visibility_union.py keeps the two forms equal.
    """
    from crm.models import User
    from territories.models import TerritoryAssignment

    team = User.objects.filter(pk=user.pk) if user.is_salesperson else User.objects.filter(team__manager=user)
    people = team.values("pk")
    territories = TerritoryAssignment.objects.current().filter(salesperson__in=people).values("territory_id")
    deals = model_of(deals).objects.order_by()
    credited = deals.filter(salesperson__in=people).values("pk")
    held = deals.filter(customer__owner__in=people).values("pk")
    in_territory = deals.filter(customer__territory__in=territories).values("pk")
    return credited.union(held, in_territory)


class AppendOnly(ApplicationError):
    default_message = _("Ledger entries cannot be changed or deleted. Post a reversing entry instead.")


class LedgerEntryQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LedgerEntryQuerySet:
        """The ledger follows the customer: entries of the customers ``user`` sees. Info staff: none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson or user.is_manager:
            return self.filter(_visible_customer(self, user))
        return self.none()

    def update(self, **kwargs):
        raise AppendOnly

    def delete(self):
        raise AppendOnly


class ShowcasePhotoQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ShowcasePhotoQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson or user.is_manager:
            return self.filter(_visible_customer(self, user))
        return self.none()


class KeyAccountEntryQuerySet(PersonalRecordQuerySet):
    """A salesperson's own shortlist entries; a manager their teams'."""


class JointVisitRequestQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> JointVisitRequestQuerySet:
        """Admin: all. Salesperson: the requests they made. Manager: those addressed to them or
        made by their teams' salespeople. Others: none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            return self.filter(salesperson=user)
        if user.is_manager:
            return self.filter(Q(manager=user) | Q(salesperson__team__manager=user))
        return self.none()

    def open(self) -> JointVisitRequestQuerySet:
        return self.filter(status__in=model_of(self).OPEN_STATUSES)


class MadeForCustomerQuerySet(models.QuerySet):
    """Records a salesperson makes for a customer (quotes, policy check-ups): those of the customers
    ``user`` sees, plus the ones a salesperson made (their own history). Info staff: none."""

    def visible_to(self, user: User) -> MadeForCustomerQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_salesperson:
            return self.filter(Q(created_by=user) | _visible_customer(self, user))
        if user.is_manager:
            return self.filter(_visible_customer(self, user))
        return self.none()


# The same rule for both; the names say which model each manager belongs to.
QuoteQuerySet = MadeForCustomerQuerySet
PolicyCheckupQuerySet = MadeForCustomerQuerySet

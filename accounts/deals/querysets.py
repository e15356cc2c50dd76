"""Who sees which deals, ledger entries and showcase photos; the ledger is append-only (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.customers.querysets import visible_customer, visible_customer_ids
from crm.errors import ApplicationError
from crm.querysets import model_of, related_model

if TYPE_CHECKING:
    from crm.models import User


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

    def seen_by(self, user: User) -> DealQuerySet:
        """``visible_to`` worked out now, once: one query reads the ids of the deals ``user`` sees and the
        queryset returned filters on that list. For a page that reads the deals several times (a list and its
        count, receivables' balances, overdue instalments and credits): each read then starts from the deals'
        primary key, sized by what the person sees, instead of running the UNION again, where PostgreSQL,
        which cannot estimate its size, hashed the whole company's deals (DESIGN.md §5)."""
        ids = self.ids_seen_by(user)
        return self.visible_to(user) if ids is None else self.filter(pk__in=ids)

    def ids_seen_by(self, user: User) -> list[int] | None:
        """The ids of the deals a salesperson or manager sees, read now (one query); None for anyone else
        (admin: every deal, no list worth reading; info staff and anonymous: ``visible_to`` answers none).
        A read of another table by deal (instalments) filters on this list itself, so PostgreSQL walks
        that table's deal index for these deals only instead of joining the company's rows (issue #24)."""
        if not user.is_authenticated or not (user.is_salesperson or user.is_manager) or user.sees_everything:
            return None
        return list(_visible_deal_ids(self, user).values_list("pk", flat=True))


def _visible_deal_ids(deals: DealQuerySet, user: User):
    """Ids of the deals a salesperson or manager sees, as a UNION of index scans.

    The same rows as ``credited | Exists(Customer.objects.visible_to(user))``: credited to the person
    (their team), or of a customer they (their team) see (``visible_customer_ids``: held by them, or in a
    territory they own now). PostgreSQL can only test that OR row by row: the receivables page checked
    each of the 100,000 ledger entries that way (2.9 s at the large data set); each branch alone
    starts from an index (deal by salesperson, customer by holder, customer by territory). The customers'
    two branches are one set before they meet the deals (issue #24): one join with the deals, not two.
    tests/accounts/deals/test_deal_visibility_union.py keeps the two forms equal.
    """
    from crm.models import User

    team = User.objects.filter(pk=user.pk) if user.is_salesperson else User.objects.filter(team__manager=user)
    deals = model_of(deals).objects.order_by()
    credited = deals.filter(salesperson__in=team.values("pk")).values("pk")
    customers = related_model(deals, "customer").objects.all()
    of_their_customers = deals.filter(customer__in=visible_customer_ids(customers, user)).values("pk")
    return credited.union(of_their_customers)


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
            return self.filter(visible_customer(self, user))
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
            return self.filter(visible_customer(self, user))
        return self.none()

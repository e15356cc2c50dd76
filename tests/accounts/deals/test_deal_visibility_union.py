"""Deal.objects.visible_to is a UNION of index scans (accounts/deals/querysets.py); it must keep the rule's rows.

The rule (DESIGN.md §4): a deal is seen by the salesperson credited (a manager: credited to their
team) and by whoever sees its customer (held by them or their team, or in a territory they or their
team own now). Every mix of credited person, holder and territory, including an ended assignment
and customers without either, is compared with that rule written as a plain OR.
"""

import itertools
from datetime import date

import pytest
from django.db.models import Q

from accounts.customers.querysets import visible_customer
from accounts.deals.models import Deal
from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory, ProductFactory


def _rule(user) -> set[int]:
    if user.sees_everything:
        return set(Deal.objects.values_list("pk", flat=True))
    if user.is_salesperson:
        credited = Q(salesperson=user)
    elif user.is_manager:
        credited = Q(salesperson__team__manager=user)
    else:
        return set()
    return set(Deal.objects.filter(credited | visible_customer(Deal.objects.all(), user)).values_list("pk", flat=True))


@pytest.fixture
def every_mix(owned_tree, people):
    # futian_smes has nobody; nanshan_smes moved from sales2 to sales3 (the ended row must not count).
    assign_territory(territory=owned_tree["nanshan_smes"], salesperson=people.sales3, assigned_by=people.admin)
    product = ProductFactory(code="motor")
    territories = [
        None,
        *(owned_tree[name] for name in ("nanshan_clubs", "nanshan_smes", "futian_clubs", "futian_smes")),
    ]
    holders = [None, people.sales1, people.sales2, people.sales3]
    credited = [people.sales1, people.sales2, people.sales3]
    for number, (territory, holder, salesperson) in enumerate(itertools.product(territories, holders, credited)):
        customer = CustomerFactory(territory=territory, owner=holder)
        Deal.objects.create(
            customer=customer,
            product=product,
            number=f"D{number}",
            amount=100,
            salesperson=salesperson,
            issued_on=date(2026, 11, 2),
        )
    return Deal.objects.count()


@pytest.mark.parametrize("who", ["sales1", "sales2", "sales3", "manager1", "manager2", "info1", "admin"])
def test_the_union_sees_exactly_the_rules_deals(people, every_mix, who):
    user = getattr(people, who)

    seen = set(Deal.objects.visible_to(user).values_list("pk", flat=True))

    assert every_mix == 5 * 4 * 3
    assert seen == _rule(user)
    assert 0 < len(seen) < every_mix or who in ("info1", "admin")


@pytest.mark.parametrize("who", ["sales1", "sales2", "sales3", "manager1", "manager2", "info1", "admin"])
def test_the_overdue_instalments_read_by_the_ids_are_the_rules(people, every_mix, who):
    """The receivables page reads the overdue instalments by the list of the deals' ids (issue #24): the same
    instalments as the rule's deals, a cancelled or returned deal's left out, a paid or future one left out."""
    from accounts.deals.models import Instalment
    from accounts.deals.selectors import deal_ids_seen_by, deals_seen_by, overdue_instalments

    today = date(2026, 12, 5)
    deals = list(Deal.objects.order_by("pk"))
    for n, deal in enumerate(deals):
        Instalment.objects.create(deal=deal, sequence=1, amount=100, collected=40, due_on=date(2026, 11, 20))
        Instalment.objects.create(deal=deal, sequence=2, amount=100, collected=100, due_on=date(2026, 11, 25))
        Instalment.objects.create(deal=deal, sequence=3, amount=100, due_on=date(2026, 12, 20))
        if n % 7 == 0:
            deal.status = (Deal.Status.CANCELLED, Deal.Status.RETURNED)[n % 2]
            deal.save(update_fields=["status"])
    user = getattr(people, who)
    rule = _rule(user)
    expected = set(
        Instalment.objects.filter(deal__in=rule, sequence=1)
        .exclude(deal__status__in=[Deal.Status.CANCELLED, Deal.Status.RETURNED])
        .values_list("pk", flat=True)
    )

    ids = deal_ids_seen_by(user=user)
    seen = deals_seen_by(user=user, ids=ids)
    by_ids = set(overdue_instalments(user=user, today=today, deals=seen, deal_ids=ids).values_list("pk", flat=True))
    by_deals = set(overdue_instalments(user=user, today=today, deals=seen).values_list("pk", flat=True))

    assert (ids is None) is (who in ("info1", "admin"))
    assert ids is None or set(ids) == rule
    assert by_ids == by_deals == expected
    assert 0 < len(expected) < len(deals) or who in ("info1", "admin")

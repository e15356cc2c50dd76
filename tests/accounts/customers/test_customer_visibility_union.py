"""Customer.objects.visible_to is a UNION of two index scans (accounts/customers/querysets.py, issue #24); it must
keep the rule's rows exactly.

The rule (DESIGN.md §4), written here as the plain OR it was before: a salesperson sees the customers they
hold and those in a territory they own now; a manager those held by their teams' people or in a territory
one of them owns now; the admin all; info staff none. Every mix of holder and territory is compared, with an
ended assignment (a territory moved on), a territory nobody owns, customers without either, a person who
moved to another team, a former salesperson who left (inactive, still holding customers), a manager of two
teams and a salesperson without a team.
"""

import itertools

import pytest
from django.db.models import Exists, OuterRef, Q

from accounts.customers.models import Customer
from crm.models import User
from territories.models import TerritoryAssignment
from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory
from tests.crm.factories import SalespersonFactory, TeamFactory


def _rule(user) -> set[int]:
    """The rule as it was written before the UNION (an OR tested row by row)."""
    if not user.is_authenticated:
        return set()
    if user.sees_everything:
        return set(Customer.objects.values_list("pk", flat=True))
    current = TerritoryAssignment.objects.current().filter(territory=OuterRef("territory"))
    if user.is_salesperson:
        condition = Q(owner=user) | Exists(current.filter(salesperson=user))
    elif user.is_manager:
        team = User.objects.filter(team__manager=user).values("pk")
        condition = Q(owner__in=team) | Exists(current.filter(salesperson__team__manager=user))
    else:
        return set()
    return set(Customer.objects.filter(condition).values_list("pk", flat=True))


@pytest.fixture
def every_mix(owned_tree, people):
    # nanshan_smes moved from sales2 to sales3 (sales2's ended assignment must not count); futian_smes has nobody.
    assign_territory(territory=owned_tree["nanshan_smes"], salesperson=people.sales3, assigned_by=people.admin)
    loner = SalespersonFactory(username="loner", team=None)
    leaver = SalespersonFactory(username="leaver", team=people.team_one)
    territories = [
        None,
        *(owned_tree[name] for name in ("nanshan_clubs", "nanshan_smes", "futian_clubs", "futian_smes")),
    ]
    holders = [None, people.sales1, people.sales2, people.sales3, loner, leaver]
    for territory, holder in itertools.product(territories, holders):
        CustomerFactory(territory=territory, owner=holder)
    # After the customers were made: sales2 moves to manager2's team, the leaver leaves (inactive, still
    # holding), and manager2 takes on a second team with one person holding nothing.
    people.sales2.team = people.team_two
    people.sales2.save(update_fields=["team"])
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    third = TeamFactory(name="三组", manager=people.manager2)
    SalespersonFactory(username="newcomer", team=third)
    return Customer.objects.count()


WHO = ["sales1", "sales2", "sales3", "manager1", "manager2", "info1", "admin"]


@pytest.mark.parametrize("who", WHO)
def test_the_union_sees_exactly_the_rules_customers(people, every_mix, who):
    user = getattr(people, who)

    seen = set(Customer.objects.visible_to(user).values_list("pk", flat=True))

    assert every_mix == 5 * 6
    assert seen == _rule(user)
    assert 0 < len(seen) < every_mix or who in ("info1", "admin")


def test_the_exact_ids_of_each_role(people, every_mix, owned_tree):
    """The rule's outcome spelt out, so the comparison above cannot pass by both sides being wrong."""

    def ids(**where):
        return set(Customer.objects.filter(**where).values_list("pk", flat=True))

    nanshan_clubs, nanshan_smes, futian_clubs = (
        owned_tree["nanshan_clubs"],
        owned_tree["nanshan_smes"],
        owned_tree["futian_clubs"],
    )
    seen = {who: set(Customer.objects.visible_to(getattr(people, who)).values_list("pk", flat=True)) for who in WHO}

    assert seen["sales1"] == ids(owner=people.sales1) | ids(territory=nanshan_clubs)
    # sales2 no longer owns nanshan_smes: only what they hold.
    assert seen["sales2"] == ids(owner=people.sales2)
    assert seen["sales3"] == ids(owner=people.sales3) | ids(territory=nanshan_smes) | ids(territory=futian_clubs)
    leaver = User.objects.get(username="leaver")
    # manager1: sales1 and the leaver (still in the team, inactive) and sales1's territory; sales2 moved away.
    assert seen["manager1"] == ids(owner=people.sales1) | ids(owner=leaver) | ids(territory=nanshan_clubs)
    assert seen["manager2"] == (
        ids(owner=people.sales2) | ids(owner=people.sales3) | ids(territory=nanshan_smes) | ids(territory=futian_clubs)
    )
    assert seen["info1"] == set()
    assert len(seen["admin"]) == every_mix


def test_a_territory_move_moves_what_each_side_sees(people, every_mix, owned_tree):
    futian_clubs = owned_tree["futian_clubs"]
    moving = set(Customer.objects.filter(territory=futian_clubs).values_list("pk", flat=True))
    assert moving <= set(Customer.objects.visible_to(people.sales3).values_list("pk", flat=True))

    assign_territory(territory=futian_clubs, salesperson=people.sales1, assigned_by=people.admin)

    for who in ("sales1", "sales3", "manager1", "manager2"):
        user = getattr(people, who)
        assert set(Customer.objects.visible_to(user).values_list("pk", flat=True)) == _rule(user), who
    assert moving <= set(Customer.objects.visible_to(people.manager1).values_list("pk", flat=True))
    held_by_sales3 = set(Customer.objects.filter(owner=people.sales3).values_list("pk", flat=True))
    assert set(Customer.objects.visible_to(people.sales3).values_list("pk", flat=True)) & moving == (
        moving & held_by_sales3
    )


def test_the_union_composes_with_filters_counts_and_related_rows(people, every_mix, owned_tree):
    """A page filters, counts and orders the visible customers; a related row's visibility goes through them."""

    user = people.manager2
    visible = Customer.objects.visible_to(user)

    assert visible.count() == len(_rule(user))
    assert set(visible.filter(territory=owned_tree["futian_clubs"]).values_list("pk", flat=True)) == set(
        Customer.objects.filter(territory=owned_tree["futian_clubs"]).values_list("pk", flat=True)
    )
    assert list(visible.order_by("-id").values_list("pk", flat=True)[:3]) == sorted(_rule(user), reverse=True)[:3]


# The customer list reads its page and its count by branch of the rule (CustomerQuerySet.visible_slice and
# visible_count, issue #24): each branch filtered, ordered and cut by itself. Their rows must be the rule's.


@pytest.fixture
def shuffled_dates(every_mix):
    """Registration dates out of id order, with ties (two registered in the same instant), and repeated
    names, so that a page in any order is only right if the ordering and its tie-break are kept."""
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() - timedelta(days=100)
    for position, pk in enumerate(Customer.objects.order_by("pk").values_list("pk", flat=True)):
        Customer.objects.filter(pk=pk).update(
            created_at=start + timedelta(hours=(position * 7) % 11),
            unit_name=f"客户{position % 4}",
            renewal_month=(position % 3) + 1,
        )
    return every_mix


ORDERINGS = [
    [],  # the model's: newest registered first
    ["unit_name"],
    ["-unit_name", "created_at"],
    ["renewal_month", "-pk"],
    ["created_at"],
]
SLICES = [(0, 4), (4, 8), (8, 12), (0, 25), (12, 13), (20, 40), (40, 45)]


def _expected(user, rows, ordering):
    """The page as visible_to cuts it: the rule's rows, in the list's order with the id as the last key."""
    ordering = ordering or ["-created_at", "-id"]
    if not {"pk", "-pk", "id", "-id"} & set(ordering):
        ordering = [*ordering, "-pk"]
    return list(rows.filter(pk__in=_rule(user)).order_by(*ordering).values_list("pk", flat=True))


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("ordering", ORDERINGS, ids=lambda ordering: ",".join(ordering) or "default")
def test_every_page_of_the_list_is_the_rules_page(people, shuffled_dates, who, ordering):
    user = getattr(people, who)
    rows = Customer.objects.order_by(*ordering) if ordering else Customer.objects.all()
    expected = _expected(user, Customer.objects.all(), ordering)

    for start, stop in SLICES:
        page = list(rows.visible_slice(user, start, stop).values_list("pk", flat=True))
        assert page == expected[start:stop], (start, stop)
    assert rows.visible_count(user) == len(expected) == len(_rule(user))


@pytest.mark.parametrize("who", ["sales1", "sales3", "manager1", "manager2", "admin"])
def test_a_filtered_page_and_count_are_the_rules(people, shuffled_dates, owned_tree, who):
    user = getattr(people, who)
    for filtered in (
        Customer.objects.filter(unit_name="客户1"),
        Customer.objects.filter(territory=owned_tree["nanshan_smes"]),
        Customer.objects.filter(territory__isnull=True),
        Customer.objects.filter(renewal_month=2).order_by("unit_name"),
    ):
        ordering = list(filtered.query.order_by)
        expected = _expected(user, filtered, ordering)
        assert list(filtered.visible_slice(user, 0, 25).values_list("pk", flat=True)) == expected[:25]
        assert list(filtered.visible_slice(user, 2, 5).values_list("pk", flat=True)) == expected[2:5]
        assert filtered.visible_count(user) == len(expected)


def test_the_sets_of_pages_are_the_rules_exact_ids(people, shuffled_dates):
    """Spelt out for one person, so that the comparisons above cannot pass by both sides being wrong."""
    user = people.manager1
    held = set(Customer.objects.filter(owner__team=people.team_one).values_list("pk", flat=True))
    seen = set(Customer.objects.all().visible_slice(user, 0, 100).values_list("pk", flat=True))

    assert held <= seen
    assert seen == set(Customer.objects.visible_to(user).values_list("pk", flat=True))
    assert Customer.objects.all().visible_count(user) == len(seen)
    assert Customer.objects.all().visible_slice(people.info1, 0, 25).count() == 0
    assert Customer.objects.all().visible_count(people.info1) == 0


@pytest.mark.parametrize("who", ["sales1", "sales3", "manager1", "manager2", "admin", "info1"])
def test_the_api_list_is_the_rules_list(people, shuffled_dates, who):
    """The API reads its page through the list page's paginator (``VisibleCustomerPaginator``): the rule's rows
    in the list's order, with a filter and an ordering too, and their count."""
    from rest_framework.test import APIClient

    user = getattr(people, who)
    api = APIClient()
    api.force_authenticate(user)

    listed = api.get("/api/customers/").json()
    expected = _expected(user, Customer.objects.all(), [])
    assert [row["id"] for row in listed["results"]] == expected
    assert listed["count"] == len(expected) == len(_rule(user))

    by_name = api.get("/api/customers/", {"ordering": "unit_name", "renewal_month": 2}).json()
    expected_by_name = _expected(user, Customer.objects.filter(renewal_month=2), ["unit_name"])
    assert [row["id"] for row in by_name["results"]] == expected_by_name
    assert by_name["count"] == len(expected_by_name)

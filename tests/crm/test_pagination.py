"""The capped paginator: exact up to the cap, "more than" past it, one COUNT and one SELECT a page."""

import pytest

from crm.models import User
from crm.pagination import CappedPaginator
from tests.crm.factories import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    SalespersonFactory.create_batch(11)
    return User.objects.order_by("pk")


def test_under_the_cap_it_is_djangos_paginator(people):
    paginator = CappedPaginator(people, 4, cap=20)

    page = paginator.get_page(3)

    assert (paginator.count, paginator.count_is_capped, paginator.num_pages) == (11, False, 3)
    assert (page.start_index(), page.end_index(), page.has_next(), page.has_previous()) == (9, 11, False, True)


def test_past_the_cap_it_counts_cap_plus_one_and_pages_on(people, django_assert_num_queries):
    paginator = CappedPaginator(people, 4, cap=5)
    ids = list(people.values_list("pk", flat=True))

    with django_assert_num_queries(2):  # the capped COUNT, then the page's rows (one more than shown)
        first = paginator.get_page(1)
        rows = list(first)
    last = paginator.get_page(3)

    assert (paginator.count, paginator.count_is_capped, paginator.num_pages) == (6, True, 2)
    assert [person.pk for person in rows] == ids[:4]
    assert (first.has_next(), first.next_page_number()) == (True, 2)
    assert [person.pk for person in last] == ids[8:]  # past the counted pages: still reachable
    assert (last.start_index(), last.end_index(), last.has_next()) == (9, 11, False)


@pytest.mark.parametrize(("number", "expected"), [("x", 1), ("0", 2), ("99", 2)])
def test_a_page_past_the_end_or_not_a_number_falls_back(people, number, expected):
    paginator = CappedPaginator(people, 4, cap=5)

    assert paginator.get_page(number).number == expected

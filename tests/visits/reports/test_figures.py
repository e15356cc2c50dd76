"""Issue 19 item 8: the report is written from the day: visits by kind, ratings, new customers, deals, quota."""

from datetime import timedelta
from decimal import Decimal

from tests.visits.factories import VisitFactory
from tests.visits.reports.conftest import WEDNESDAY, at
from visits.reports.figures import DayFigures
from visits.reports.selectors import day_figures, day_figures_of


def test_the_days_figures_come_from_its_visits_ratings_customers_deals_and_quota(a_day, staff, english):
    figures = day_figures_of(salesperson=staff.sales1, day=WEDNESDAY)

    assert figures == DayFigures(
        visits_by_kind={"first": 3, "second": 1, "joint": 1, "office": 1, "phone": 1},
        intent_counts={"A": 1, "B": 2, "C": 2, "D": 1},
        new_customers=2,
        deal_count=2,
        deal_amount=Decimal("19999.75"),
        quota_required=6,
        quota_counted=5,
    )
    assert (figures.visit_count, figures.rated_count, figures.shortfall) == (7, 6, 1)
    assert isinstance(figures.deal_amount, Decimal) and str(figures.deal_amount) == "19999.75"
    assert figures.kinds == [
        ("first", "First visit", 3),
        ("second", "Second visit", 1),
        ("joint", "Joint visit with the manager", 1),
        ("office", "Customer came to the office", 1),
        ("phone", "Phone call", 1),
    ]


def test_a_day_without_anything_has_zeros_and_the_quota_still_to_make(staff):
    figures = day_figures_of(salesperson=staff.sales3, day=WEDNESDAY)

    assert figures == DayFigures(
        visits_by_kind={"first": 0, "second": 0, "joint": 0, "office": 0, "phone": 0},
        intent_counts={"A": 0, "B": 0, "C": 0, "D": 0},
        new_customers=0,
        deal_count=0,
        deal_amount=Decimal("0.00"),
        quota_required=6,  # team two's quota
        quota_counted=0,
    )
    assert figures.shortfall == 6


def test_a_day_without_a_quota_says_so_and_has_no_shortfall(a_day, staff):
    saturday = WEDNESDAY + timedelta(days=3)
    VisitFactory(salesperson=staff.sales1, customer=a_day.customers[0], visited_at=at(saturday, 10))

    figures = day_figures_of(salesperson=staff.sales1, day=saturday)

    assert (figures.visit_count, figures.quota_required, figures.quota_counted, figures.shortfall) == (1, None, 0, 0)


def test_figures_for_many_people_cost_four_queries(a_day, staff, django_assert_num_queries):
    with django_assert_num_queries(4):
        one = day_figures(salesperson_ids=[staff.sales1.pk], day=WEDNESDAY)
    with django_assert_num_queries(4):
        three = day_figures(salesperson_ids=[staff.sales1.pk, staff.sales2.pk, staff.sales3.pk], day=WEDNESDAY)

    assert three[staff.sales1.pk] == one[staff.sales1.pk]
    assert (three[staff.sales2.pk].visit_count, three[staff.sales2.pk].deal_amount) == (1, Decimal("900.00"))
    assert three[staff.sales3.pk].visit_count == 0


def test_what_changed_since_the_submission_is_said_figure_by_figure(a_day, staff, english):
    submitted = day_figures_of(salesperson=staff.sales1, day=WEDNESDAY)
    VisitFactory(salesperson=staff.sales1, customer=a_day.customers[0], kind="second", visited_at=at(WEDNESDAY, 17))
    a_day.deals[1].amount = Decimal("8000.25")
    a_day.deals[1].save()

    now = day_figures_of(salesperson=staff.sales1, day=WEDNESDAY)

    assert now.changes_since(submitted) == [
        "visits 7 → 8",
        "deals 2 → 2 (¥19,999.75 → ¥20,000.75)",
        "quota 5/6 → 6/6",
    ]
    assert submitted.changes_since(submitted) == []

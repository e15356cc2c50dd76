"""Attainment from the ledger, projection, rank and rewards: the month page and the API."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.deals.services import create_deal, record_payment, record_return, reverse_entry
from performance.models import RewardRule
from performance.selectors import attainment, attainment_history
from performance.services import set_targets
from tests.accounts.factories import CustomerFactory, ProductFactory

D = Decimal
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def month_of_deals(owned_tree, people):
    """sales1: two orders (6,000 + 4,000), 1,000 returned, 3,000 paid; sales2: one order of 2,000, in November.
    sales1 also has an October order of 9,999 that must not count for November."""
    product = ProductFactory(name="商业车险", code="motor")
    mine = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    theirs = CustomerFactory(territory=owned_tree["nanshan_smes"], owner=people.sales2)

    def deal(customer, by, amount, issued_on, number):
        return create_deal(
            created_by=by, customer_id=customer.pk, product=product, number=number, amount=amount, issued_on=issued_on
        )

    first = deal(mine, people.sales1, "6000.00", date(2026, 11, 3), "P1")
    deal(mine, people.sales1, "4000.00", date(2026, 11, 10), "P2")
    deal(mine, people.sales1, "9999.00", date(2026, 10, 20), "P0")
    deal(theirs, people.sales2, "2000.00", date(2026, 11, 12), "P3")
    record_return(deal_id=first.pk, amount="1000.00", returned_on=date(2026, 11, 5), recorded_by=people.sales1)
    payment = record_payment(deal_id=first.pk, amount="3000.00", paid_on=date(2026, 11, 6), recorded_by=people.sales1)
    wrong = record_payment(deal_id=first.pk, amount="500.00", paid_on=date(2026, 11, 7), recorded_by=people.sales1)
    reverse_entry(entry_id=wrong.pk, reversed_by=people.manager1, reason="录错了", on=date(2026, 11, 8))
    set_targets(
        month=NOVEMBER,
        company_amount=D("20000"),
        salesperson_amounts={people.sales1.id: D("10000"), people.sales2.id: D("8000")},
    )
    RewardRule.objects.create(name="达标", min_attainment_percent=D("80"), bonus_rate_percent=D("2"))
    return payment


@pytest.mark.django_db
def test_issued_basis_nets_returns_and_ranks_by_percentage(month_of_deals, people, settings):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}

    result = attainment(viewer=people.manager1, month=NOVEMBER, today=date(2026, 12, 2))

    lines = {line.salesperson.username: line for line in result.lines}
    assert [line.salesperson.username for line in result.lines] == ["sales1", "sales2"]
    assert (lines["sales1"].attained, lines["sales1"].percent, lines["sales1"].rank) == (D("9000.00"), D("90.0"), 1)
    assert (lines["sales2"].attained, lines["sales2"].percent, lines["sales2"].rank) == (D("2000.00"), D("25.0"), 2)
    assert lines["sales1"].reward.bonus == D("180.00")  # 2 % of 9,000 at ≥ 80 %
    assert lines["sales2"].reward.rule is None
    assert lines["sales1"].projected == D("9000.00")  # November is over
    assert (result.target_total, result.attained_total, result.company_target) == (
        D("18000"),
        D("11000.00"),
        D("20000.00"),
    )


@pytest.mark.django_db
def test_collected_basis_counts_payments_less_reversals(month_of_deals, people, settings):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "collected"}

    lines = {line.salesperson.username: line for line in attainment(viewer=people.admin, month=NOVEMBER).lines}

    assert lines["sales1"].attained == D("3000.00")
    assert lines["sales2"].attained == D("0.00")
    assert lines["sales3"].attained == D("0.00")


@pytest.mark.django_db
def test_month_to_date_is_projected_over_the_working_days(month_of_deals, people, settings):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}

    # 13 November 2026 is the 10th of 21 working days in the month.
    line = attainment(viewer=people.sales1, month=NOVEMBER, today=date(2026, 11, 13)).lines[0]

    assert (line.salesperson, line.attained, line.projected) == (people.sales1, D("9000.00"), D("18900.00"))


@pytest.mark.django_db
def test_history_by_month(month_of_deals, people, settings):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}

    history = attainment_history(viewer=people.manager1, last_month=NOVEMBER, months=2)

    assert history == [(date(2026, 10, 1), D("0"), D("9999.00")), (NOVEMBER, D("18000.00"), D("11000.00"))]


@pytest.mark.django_db
def test_the_pages_and_api_show_the_same_figures(client, month_of_deals, people, settings):
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}
    client.force_login(people.manager1)

    page = client.get("/dashboard/attainment/?month=2026-11", HTTP_ACCEPT_LANGUAGE="zh-hans")
    api = client.get("/api/attainment/?month=2026-11-01").json()

    assert page.status_code == 200
    assert "¥9,000.00" in page.content.decode()
    assert [(row["username"], row["attained"], row["percent"], row["rank"]) for row in api["salespeople"]] == [
        ("sales1", "9000.00", "90.0", 1),
        ("sales2", "2000.00", "25.0", 2),
    ]
    client.force_login(people.sales2)
    mine = client.get("/dashboard/me/?month=2026-11")
    assert mine.status_code == 200
    assert mine.context["line"].rank == 2
    assert client.get("/api/attainment/?month=2026-11-01").status_code == 200
    assert [row["username"] for row in client.get("/api/attainment/?month=2026-11-01").json()["salespeople"]] == [
        "sales2"
    ]


@pytest.mark.django_db
def test_attainment_page_query_count_is_fixed(client, month_of_deals, people, django_assert_max_num_queries):
    client.force_login(people.admin)

    with django_assert_max_num_queries(14):
        client.get("/dashboard/attainment/?month=2026-11")


@pytest.mark.django_db
def test_nobody_with_nothing_is_ranked_and_the_pages_say_so(client, people, settings):
    """A month with no deal yet: nobody is "1st" with ¥0 (issue #21 item 6)."""
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}
    set_targets(month=NOVEMBER, company_amount=D("20000"), salesperson_amounts={people.sales1.id: D("10000")})

    result = attainment(viewer=people.admin, month=NOVEMBER, today=date(2026, 11, 2))

    assert {line.salesperson.username: line.rank for line in result.lines} == {
        "sales1": None,
        "sales2": None,
        "sales3": None,
    }
    client.force_login(people.sales1)
    mine = client.get("/dashboard/me/?month=2026-11", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span id="my-rank">— (nothing counted yet)</span>' in mine
    assert client.get("/api/attainment/?month=2026-11-01").json()["salespeople"][0]["rank"] is None
    client.force_login(people.manager1)
    page = client.get("/dashboard/attainment/?month=2026-11", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('<td class="rank">—</td>') == 2


@pytest.mark.django_db
def test_equal_figures_share_a_rank_and_the_next_one_skips(owned_tree, people, settings):
    """sales1 and sales3 each issue 5,000 against 10,000; sales2 issues 2,000 against 10,000: 1, 1, 3."""
    settings.CRM = {**settings.CRM, "ATTAINMENT_BASIS": "issued"}
    product = ProductFactory(name="商业车险", code="motor")
    for person, territory, amount in (
        (people.sales1, "nanshan_clubs", "5000.00"),
        (people.sales2, "nanshan_smes", "2000.00"),
        (people.sales3, "futian_clubs", "5000.00"),
    ):
        customer = CustomerFactory(territory=owned_tree[territory], owner=person)
        create_deal(
            created_by=person,
            customer_id=customer.pk,
            product=product,
            number=f"P-{person.username}",
            amount=amount,
            issued_on=date(2026, 11, 3),
        )
    set_targets(
        month=NOVEMBER,
        company_amount=D("30000"),
        salesperson_amounts={people.sales1.id: D("10000"), people.sales2.id: D("10000"), people.sales3.id: D("10000")},
    )

    lines = attainment(viewer=people.admin, month=NOVEMBER, today=date(2026, 12, 1)).lines

    assert [(line.salesperson.username, line.rank) for line in lines] == [("sales1", 1), ("sales3", 1), ("sales2", 3)]

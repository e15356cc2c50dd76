from datetime import date
from decimal import Decimal

import pytest
from simple_history.utils import get_history_model_for_model

from crm.errors import ApplicationError
from performance.models import RewardRule, SalesTarget
from performance.selectors import reward_for, target_breakdown
from performance.services import set_targets

NOVEMBER = date(2026, 11, 1)


@pytest.mark.django_db
def test_breakdown_shows_the_gap_between_total_and_parts(people):
    set_targets(
        month=NOVEMBER,
        company_amount=Decimal("100000.00"),
        salesperson_amounts={people.sales1.id: Decimal("40000.00"), people.sales2.id: Decimal("35000.50")},
    )

    breakdown = target_breakdown(month=NOVEMBER, viewer=people.admin)

    assert breakdown.company_amount == Decimal("100000.00")
    assert breakdown.allocated == Decimal("75000.50")
    assert breakdown.gap == Decimal("24999.50")
    assert breakdown.adds_up is False
    assert [(line.salesperson.username, line.amount) for line in breakdown.lines] == [
        ("sales1", Decimal("40000.00")),
        ("sales2", Decimal("35000.50")),
        ("sales3", None),
    ]


@pytest.mark.django_db
def test_a_second_save_updates_in_place_and_keeps_history(people):
    set_targets(month=NOVEMBER, company_amount=Decimal("50000"), salesperson_amounts={people.sales1.id: Decimal("1")})
    set_targets(
        month=NOVEMBER, company_amount=Decimal("50000"), salesperson_amounts={people.sales1.id: Decimal("50000")}
    )

    breakdown = target_breakdown(month=NOVEMBER, viewer=people.admin)
    assert SalesTarget.objects.filter(month=NOVEMBER).count() == 2
    assert breakdown.adds_up is True
    history = get_history_model_for_model(SalesTarget).objects.filter(salesperson=people.sales1)
    assert [row.amount for row in history.order_by("history_date")] == [Decimal("1.00"), Decimal("50000.00")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("month", "company", "parts", "message"),
    [
        (date(2026, 11, 2), Decimal("1"), {}, "first day"),
        (NOVEMBER, Decimal("-1"), {}, "cannot be negative"),
        (NOVEMBER, Decimal("1"), {"sales1": Decimal("-5")}, "cannot be negative"),
        (NOVEMBER, Decimal("1"), {"manager1": Decimal("5")}, "only be given to salespeople"),
    ],
)
def test_bad_targets_change_nothing(people, english, month, company, parts, message):
    amounts = {getattr(people, name).id: amount for name, amount in parts.items()}

    with pytest.raises(ApplicationError, match=message):
        set_targets(month=month, company_amount=company, salesperson_amounts=amounts)
    assert SalesTarget.objects.count() == 0


@pytest.mark.django_db
def test_manager_sees_only_the_teams_breakdown(people):
    set_targets(
        month=NOVEMBER,
        company_amount=Decimal("9"),
        salesperson_amounts={people.sales1.id: Decimal("1"), people.sales3.id: Decimal("3")},
    )

    lines = target_breakdown(month=NOVEMBER, viewer=people.manager1).lines

    assert [line.salesperson.username for line in lines] == ["sales1", "sales2"]


@pytest.mark.django_db
def test_admin_saves_the_breakdown_on_the_page(client, people):
    client.force_login(people.admin)

    response = client.post(
        "/dashboard/targets/?month=2026-11",
        {"company_amount": "60000", f"salesperson_{people.sales1.id}": "20000", f"salesperson_{people.sales3.id}": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    body = response.content.decode()
    assert "2026-11 的目标已保存。" in body
    assert "各人目标合计比公司目标少 ¥40,000.00。" in body
    assert dict(SalesTarget.objects.values_list("scope", "amount")) == {
        "company": Decimal("60000.00"),
        "salesperson": Decimal("20000.00"),
    }


@pytest.mark.django_db
def test_a_negative_amount_on_the_page_is_refused_and_nothing_saved(client, people):
    client.force_login(people.admin)

    response = client.post(
        "/dashboard/targets/?month=2026-11", {"company_amount": "-5"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 200
    assert "确保该值大于或等于0。" in response.content.decode()
    assert SalesTarget.objects.count() == 0


@pytest.mark.django_db
def test_manager_cannot_change_targets(client, people):
    client.force_login(people.manager1)

    assert client.get("/dashboard/targets/").status_code == 200
    assert client.post("/dashboard/targets/", {"company_amount": "1"}).status_code == 403
    assert SalesTarget.objects.count() == 0


@pytest.mark.parametrize(
    ("percent", "attained", "tier", "bonus"),
    [
        (Decimal("79.99"), Decimal("79990"), None, Decimal("0.00")),
        (Decimal("80"), Decimal("80000"), "铜", Decimal("800.00")),
        (Decimal("100"), Decimal("100000"), "银", Decimal("2500.00")),
        (Decimal("135.5"), Decimal("135500"), "金", Decimal("5065.00")),
    ],
)
def test_rewards_follow_the_highest_tier_reached(percent, attained, tier, bonus):
    rules = [
        RewardRule(name="铜", min_attainment_percent=Decimal("80"), bonus_rate_percent=Decimal("1")),
        RewardRule(
            name="银",
            min_attainment_percent=Decimal("100"),
            bonus_rate_percent=Decimal("2"),
            bonus_amount=Decimal("500"),
        ),
        RewardRule(
            name="金",
            min_attainment_percent=Decimal("120"),
            bonus_rate_percent=Decimal("3"),
            bonus_amount=Decimal("1000"),
        ),
    ]

    reward = reward_for(attainment_percent=percent, attained_amount=attained, rules=rules)

    assert (reward.rule.name if reward.rule else None) == tier
    assert reward.bonus == bonus


def _workbook(rows):
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Username", "Salesperson", "Team", "Target (CNY)"])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "targets.xlsx"
    return buffer


@pytest.mark.django_db
def test_the_exported_breakdown_imports_back(client, people):
    from io import BytesIO

    set_targets(month=NOVEMBER, company_amount=Decimal("900"), salesperson_amounts={people.sales1.id: Decimal("300")})
    client.force_login(people.admin)
    exported = client.get("/dashboard/targets/export/?month=2026-11")
    data = BytesIO(b"".join(exported.streaming_content))
    data.name = "targets.xlsx"
    SalesTarget.objects.all().delete()

    response = client.post(
        "/dashboard/targets/import/?month=2026-11", {"file": data}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "2 targets imported for 2026-11." in response.content.decode()
    assert dict(SalesTarget.objects.values_list("scope", "amount")) == {
        "company": Decimal("900.00"),
        "salesperson": Decimal("300.00"),
    }


@pytest.mark.django_db
def test_an_import_with_bad_rows_says_which_and_saves_nothing(people, english):
    from performance.services import import_target_breakdown

    book = _workbook(
        [["company", "", "", 1000], ["sales1", "", "", "abc"], ["nobody", "", "", 5], ["sales2", "", "", -1]]
    )

    with pytest.raises(ApplicationError) as error:
        import_target_breakdown(month=NOVEMBER, file=book)

    assert error.value.message == (
        "Nothing was imported: row 3: the amount “abc” is not a number; row 4: no salesperson “nobody”; "
        "row 5: a target cannot be negative."
    )
    assert SalesTarget.objects.count() == 0

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.customers.models import Customer, OwnerChange
from territories.models import ChannelType, ProductLine, Territory, TerritoryAssignment
from territories.selectors import current_owner, unowned_territories
from territories.services import (
    AlreadyOwner,
    NotASalesperson,
    assign_territory,
    create_territory,
    end_territory_assignment,
)
from tests.accounts.factories import CustomerFactory


def test_the_data_migration_seeds_the_market_plan(db):
    assert ChannelType.objects.count() == 14
    assert set(ChannelType.objects.values_list("name", flat=True)) >= {
        "车友俱乐部和协会",
        "商会",
        "小区停车场、社会停车场",
        "人寿保险渠道",
        "政府招投标",
        "办证大厅流动办证人员及培训班和小卖部",
        "其它",
    }
    assert list(ProductLine.objects.values_list("code", flat=True)) == ["car", "motorcycle"]


def test_the_tree_keeps_materialised_paths(tree):
    company, city, nanshan, clubs = tree["company"], tree["city"], tree["nanshan"], tree["nanshan_clubs"]

    assert clubs.path == f"/{company.pk}/{city.pk}/{nanshan.pk}/{clubs.pk}/"
    assert clubs.depth == 3
    assert set(Territory.objects.with_descendants_of(nanshan).values_list("code", flat=True)) == {
        "nanshan",
        "nanshan-clubs",
        "nanshan-smes",
    }


def test_a_branch_cannot_hang_below_the_company(tree):
    with pytest.raises(ValidationError) as error:
        create_territory(kind=Territory.Kind.BRANCH, name="错挂", code="wrong", parent=tree["company"])

    assert error.value.message_dict == {"parent": ["A territory of this kind cannot be placed there."]}


def test_reassignment_closes_the_old_row_and_keeps_history(owned_tree, people):
    clubs = owned_tree["nanshan_clubs"]

    result = assign_territory(territory=clubs, salesperson=people.sales2, assigned_by=people.admin, reason="调岗")

    rows = list(TerritoryAssignment.objects.filter(territory=clubs).order_by("started_at", "id"))
    assert [(row.salesperson.username, row.ended_at is None) for row in rows] == [("sales1", False), ("sales2", True)]
    assert rows[0].ended_at == rows[1].started_at
    assert result.previous == rows[0]
    assert rows[1].reason == "调岗"
    assert current_owner(territory=clubs) == people.sales2
    assert current_owner(territory=clubs, at=rows[0].started_at) == people.sales1


def test_the_database_refuses_a_second_open_assignment(owned_tree, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        TerritoryAssignment.objects.create(
            territory=owned_tree["nanshan_clubs"], salesperson=people.sales2, started_at=timezone.now()
        )


def test_assigning_the_current_owner_again_is_refused(owned_tree, people):
    with pytest.raises(AlreadyOwner):
        assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=people.sales1, assigned_by=people.admin)


def test_only_salespeople_own_territories(tree, people):
    with pytest.raises(NotASalesperson):
        assign_territory(territory=tree["futian_smes"], salesperson=people.manager1, assigned_by=people.admin)


def test_reassignment_moves_exactly_the_open_customers(owned_tree, people):
    clubs, smes = owned_tree["nanshan_clubs"], owned_tree["nanshan_smes"]
    moving = CustomerFactory.create_batch(3, territory=clubs, owner=people.sales1)
    unowned = CustomerFactory(territory=clubs, owner=None)
    pooled = CustomerFactory(territory=clubs, owner=None, pooled_at=timezone.now(), pooled_from=people.sales1)
    elsewhere = CustomerFactory(territory=smes, owner=people.sales2)

    result = assign_territory(territory=clubs, salesperson=people.sales3, assigned_by=people.admin, reason="离职")

    assert result.moved == {
        "open_deals": 0,
        "customers": 4,
        "key_accounts": 0,
        "planned_visits": 0,
        "phone_inquiries": 0,
        "recruit_candidates": 0,
        "tenders": 0,
    }
    moved_ids = {c.pk for c in moving} | {unowned.pk}
    assert set(people.sales3.owned_customers.values_list("pk", flat=True)) == moved_ids
    pooled.refresh_from_db()
    elsewhere.refresh_from_db()
    assert pooled.owner is None
    assert elsewhere.owner == people.sales2
    changes = OwnerChange.objects.filter(kind=OwnerChange.Kind.REASSIGNED)
    assert set(changes.values_list("customer_id", "from_owner__username", "to_owner__username", "reason")) == {
        *((c.pk, "sales1", "sales3", "离职") for c in moving),
        (unowned.pk, None, "sales3", "离职"),
    }


def test_a_failing_mover_rolls_back_the_whole_reassignment(owned_tree, people, monkeypatch):
    from territories import services

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        services, "OPEN_WORK_MOVERS", [services.OpenWorkMover("broken", "broken", move=broken, preview=broken)]
    )
    CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)

    with pytest.raises(RuntimeError):
        assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    assert current_owner(territory=owned_tree["nanshan_clubs"]) == people.sales1
    assert TerritoryAssignment.objects.filter(territory=owned_tree["nanshan_clubs"]).count() == 1


def test_ending_an_assignment_leaves_the_territory_unowned(owned_tree, people):
    end_territory_assignment(territory=owned_tree["nanshan_clubs"], ended_by=people.admin, reason="休假")

    assert current_owner(territory=owned_tree["nanshan_clubs"]) is None
    assert set(unowned_territories().values_list("code", flat=True)) == {"nanshan-clubs", "futian-smes"}


def test_ending_an_assignment_puts_its_customers_in_the_queue_not_half_owned(owned_tree, people):
    """Nobody owns the territory any more, so nobody holds its customers: they wait in the queue
    (owner and territory never disagree); pooled customers stay in the pool; the next owner gets them."""
    clubs = owned_tree["nanshan_clubs"]
    held = CustomerFactory(territory=clubs, owner=people.sales1)
    pooled = CustomerFactory(territory=clubs, owner=None, pooled_at=timezone.now())
    elsewhere = CustomerFactory(territory=owned_tree["futian_clubs"], owner=people.sales3)

    end_territory_assignment(territory=clubs, ended_by=people.admin, reason="离职")

    assert list(Customer.objects.filter(owner__isnull=True, pooled_at__isnull=True).values_list("pk", flat=True)) == [
        held.pk
    ]
    assert list(OwnerChange.objects.filter(customer=held).values_list("kind", "from_owner", "to_owner", "reason")) == [
        (OwnerChange.Kind.RELEASED, people.sales1.pk, None, "离职")
    ]
    assert Customer.objects.get(pk=pooled.pk).pooled_at is not None
    assert Customer.objects.get(pk=elsewhere.pk).owner == people.sales3

    assign_territory(territory=clubs, salesperson=people.sales3, assigned_by=people.admin)

    assert Customer.objects.get(pk=held.pk).owner == people.sales3


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"

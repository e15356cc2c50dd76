import io

import pytest
from django.core.management import CommandError, call_command

from accounts.customers.models import Customer
from crm.models import Team, User
from territories.models import Territory, TerritoryAssignment


def test_seed_scale_makes_the_requested_sizes(db):
    out = io.StringIO()

    call_command(
        "seed_scale",
        "--salespeople",
        "12",
        "--customers",
        "250",
        "--branches",
        "3",
        "--team-size",
        "5",
        "--batch-size",
        "100",
        stdout=out,
    )

    assert User.objects.filter(role=User.Role.SALESPERSON).count() == 12
    assert Team.objects.count() == 3
    assert Territory.objects.filter(kind=Territory.Kind.BRANCH).count() == 3
    assert TerritoryAssignment.objects.current().count() == 12
    assert Customer.objects.count() == 250
    office = User.objects.exclude(role__in=[User.Role.SALESPERSON, User.Role.MANAGER])
    assert sorted(office.values_list("username", "role")) == [("scale-admin", "admin"), ("scale-info001", "info_staff")]
    manager = User.objects.get(username="scale-manager001")
    assert Customer.objects.visible_to(manager).count() == sum(1 for n in range(250) if n % 12 < 5)
    with pytest.raises(CommandError):
        call_command("seed_scale", "--salespeople", "1", "--customers", "1", stdout=out)


def test_seed_demo_loads_territories_and_customers(db, settings):
    from accounts.customers.demo import seed_customers
    from crm.demo import demo_faker, seed_organisation
    from territories.demo import seed_territories

    fake = demo_faker()
    for seeder in (seed_organisation, seed_territories, seed_customers):  # the later seeders add more customers
        seeder(fake)

    assert Territory.objects.filter(kind=Territory.Kind.CHANNEL).count() == 10
    owners = TerritoryAssignment.objects.current().values_list("salesperson__username", flat=True)
    assert set(owners) == {f"sales{n}" for n in range(1, 9)}
    assert Customer.objects.count() == 300
    assert Customer.objects.filter(territory__isnull=True).count() == 15
    sales1 = User.objects.get(username="sales1")
    assert 0 < Customer.objects.visible_to(sales1).count() < 300

import pytest
from django.core.management import CommandError, call_command

from crm.models import Approval, Team, User
from visits.models import Leave


@pytest.mark.django_db
def test_seed_demo_creates_the_demo_logins(settings):
    settings.DEBUG = True

    call_command("seed_demo")

    usernames = set(User.objects.values_list("username", flat=True))
    assert {"admin", "manager1", "manager2", "info1"} | {f"sales{n}" for n in range(1, 9)} <= usernames
    assert User.objects.get(username="sales1").check_password("crm-demo-2026")
    assert User.objects.filter(role=User.Role.SALESPERSON).count() == 8
    assert Team.objects.get(manager__username="manager1").members.filter(role=User.Role.SALESPERSON).count() == 4
    # Leave through the approvals: one waits for manager1, one approved and in the calendar.
    approvals = Approval.objects.order_by("requester__username")
    assert [(a.requester.username, a.approver.username, a.state) for a in approvals] == [
        ("sales2", "manager1", "pending"),
        ("sales3", "manager1", "approved"),
    ]
    assert Leave.objects.get().salesperson.username == "sales3"


@pytest.mark.django_db
def test_seed_demo_never_runs_twice_into_duplicates(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    users = User.objects.count()

    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_demo")
    call_command("seed_demo", "--if-empty")

    assert User.objects.count() == users


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_is_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert User.objects.count() == 0

    call_command("seed_demo", "--force")
    assert User.objects.filter(username="admin").exists()

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


@pytest.mark.django_db
def test_the_demo_visits_at_a_door_have_the_phones_position_for_the_days_track(settings):
    """The manager's day's track (issue #19) draws the demo's check-ins: each visit at a located customer's door
    of the last two weeks has a position within about 60 m of the customer, a phone call none."""
    from datetime import timedelta

    from django.utils import timezone

    from visits.geo import haversine_m
    from visits.models import Visit

    settings.DEBUG = True
    call_command("seed_demo")

    recent = Visit.objects.filter(visited_on__gte=timezone.localdate() - timedelta(days=14)).select_related("customer")
    at_door = recent.filter(kind__in=["first", "second", "joint"], customer__latitude__isnull=False)
    assert at_door.count() > 20
    assert not at_door.filter(latitude__isnull=True).exists()
    far = [v for v in at_door if haversine_m(v.latitude, v.longitude, v.customer.latitude, v.customer.longitude) > 60]
    # the demo's far check-ins (visits.demo: the review's flags) keep the position they were logged with
    assert len(far) < at_door.count() / 10, [(v.pk, v.far_from_customer, v.far_reason) for v in far]
    assert not recent.filter(kind="phone", latitude__isnull=False).exists()
    linked = at_door.exclude(previous_check_in=None)
    assert linked.exists() and not linked.filter(distance_from_previous_m=None).exists()

"""The issue's "Done when" on the demo data: the tender and recruitment pipelines show on the dashboard."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.models import Notification, User


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_the_morning_meeting_shows_both_pipelines_on_the_demo_data(client, demo):
    client.force_login(User.objects.get(username="manager1"))

    response = client.get(reverse("performance:morning_meeting"), HTTP_ACCEPT_LANGUAGE="en")

    pipelines = response.context["pipelines"]
    assert [(value, count) for value, _label, count in pipelines.recruitment.stages] == [
        ("contacted", 1),
        ("interviewed", 1),
        ("signed", 1),
        ("licensed", 1),
        ("first_policy", 1),
        ("dropped", 1),
    ]
    assert [(value, count) for value, _label, count in pipelines.tenders.stages] == [
        ("announced", 1),
        ("documents_bought", 1),
        ("submitted", 1),
        ("opened", 0),
        ("won", 1),
        ("lost", 0),
    ]
    assert pipelines.tenders.overdue == 1
    assert [tender.title for tender in pipelines.overdue] == ["南海区执法车辆保险服务"]
    html = response.content.decode()
    assert 'id="meeting-pipelines"' in html and "南海区执法车辆保险服务" in html
    # manager2's team works neither channel
    client.force_login(User.objects.get(username="manager2"))
    other = client.get(reverse("performance:morning_meeting")).context["pipelines"]
    assert (other.recruitment.total, other.tenders.total, other.tenders.overdue) == (0, 0, 0)


def test_the_tender_owner_is_reminded_of_the_coming_deadline_once(demo):
    from campaigns.pipelines.services import send_tender_reminders

    assert Notification.objects.filter(kind="tender_deadline", recipient__username="sales3").count() == 1
    assert send_tender_reminders() == 0

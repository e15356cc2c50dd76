"""#23 item 4: my inbox (open one, mark all read, the unread count in the menu), how I am told (kinds x
channels), the teams' group robots (manager: their own; admin: all), and the same through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Notification, Team
from crm.services import notify
from tests.crm.factories import DeliveryFactory, NotificationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def all_channels(settings):
    settings.CRM = {**settings.CRM, "NOTIFY_CHANNELS": ["email", "wecom_robot", "dingtalk_robot", "wecom_app"]}


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, people):
    mine = notify(recipient=people.sales1, kind="phone_inquiry", text="新询价", link="/inquiries/")
    other = notify(recipient=people.sales2, kind="phone_inquiry", text="别人的")
    client.force_login(people.sales1)

    response = client.get(reverse("notifications:open", args=[mine.pk]))
    theirs = client.get(reverse("notifications:open", args=[other.pk]))

    assert (response.status_code, response.url) == (302, "/inquiries/")
    assert theirs.status_code == 404
    assert Notification.objects.filter(read_at__isnull=True).get() == other


def test_mark_all_read_clears_the_count_in_the_menu(client, people):
    for number in range(35):  # more than one page of the inbox
        notify(recipient=people.sales1, kind="phone_inquiry", text=f"第{number}条")
    notify(recipient=people.sales2, kind="phone_inquiry", text="别人的")
    client.force_login(people.sales1)

    before = client.get(reverse("visits:today")).content.decode()
    done = client.post(reverse("notifications:read_all"), follow=True, **EN)
    after = client.get(reverse("visits:today")).content.decode()

    assert 'badge text-bg-danger ms-1">35<' in before
    assert "35 marked as read." in done.content.decode()
    assert 'badge text-bg-danger ms-1"' not in after
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_i_choose_which_kinds_reach_me_by_which_channel(client, people, all_channels):
    people.team_one.wecom_robot_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    people.team_one.save()
    client.force_login(people.sales1)

    page = client.get(reverse("notifications:settings"), **EN)
    response = client.post(
        reverse("notifications:settings"),
        {"kinds": ["phone_inquiry", "far_check_in"], "phone_inquiry:wecom_robot": "1", "phone_inquiry:email": "1"},
    )

    html = page.content.decode()
    assert 'name="phone_inquiry:wecom_robot" value="1">' in html  # open: the team has a robot
    assert 'name="phone_inquiry:dingtalk_robot" value="1" disabled>' in html  # no DingTalk robot
    assert 'name="far_check_in:email" value="1" checked>' in html  # the kind's default
    assert response.status_code == 302
    people.sales1.refresh_from_db()
    assert people.sales1.notification_channels == {"phone_inquiry": ["email", "wecom_robot"], "far_check_in": []}


def test_an_unknown_kind_is_refused_and_nothing_changes(client, people):
    client.force_login(people.sales1)

    response = client.post(
        reverse("notifications:settings"), {"kinds": ["nonsense"], "nonsense:email": "1"}, follow=True, **EN
    )

    assert "Unknown kind of notification: nonsense" in response.content.decode()
    people.sales1.refresh_from_db()
    assert people.sales1.notification_channels == {}


def test_a_manager_sets_the_robots_of_their_own_team_only(client, people):
    client.force_login(people.manager1)

    page = client.get(reverse("notifications:team_robots"))
    saved = client.post(
        reverse("notifications:team_robots"),
        {
            "team": people.team_one.pk,
            f"team-{people.team_one.pk}-wecom_robot_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            f"team-{people.team_one.pk}-dingtalk_robot_url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            f"team-{people.team_one.pk}-dingtalk_robot_secret": "SECabc",
        },
    )
    theirs = client.post(
        reverse("notifications:team_robots"),
        {"team": people.team_two.pk, f"team-{people.team_two.pk}-wecom_robot_url": "https://evil.example/"},
    )

    assert [team for team, _form in page.context["teams"]] == [people.team_one]
    assert saved.status_code == 302
    assert theirs.status_code == 404
    team = Team.objects.get(pk=people.team_one.pk)
    assert (team.wecom_robot_url, team.dingtalk_robot_url, team.dingtalk_robot_secret) == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        "https://oapi.dingtalk.com/robot/send?access_token=x",
        "SECabc",
    )
    assert team.history.first().history_user == people.manager1
    assert Team.objects.get(pk=people.team_two.pk).wecom_robot_url == ""


def test_a_bad_webhook_or_a_secret_without_one_is_refused_on_the_form(client, people):
    client.force_login(people.admin)
    prefix = f"team-{people.team_two.pk}"

    bad = client.post(
        reverse("notifications:team_robots"),
        {"team": people.team_two.pk, f"{prefix}-wecom_robot_url": "不是网址"},
        **EN,
    )
    lonely = client.post(
        reverse("notifications:team_robots"),
        {"team": people.team_two.pk, f"{prefix}-dingtalk_robot_secret": "SECabc"},
        **EN,
    )

    assert bad.status_code == 200
    assert "Enter a valid URL." in bad.content.decode()
    assert "Give the DingTalk webhook too, or leave the secret empty." in lonely.content.decode()
    team = Team.objects.get(pk=people.team_two.pk)
    assert (team.wecom_robot_url, team.dingtalk_robot_secret) == ("", "")


@pytest.mark.parametrize("who", ["sales1", "info1"])
def test_only_managers_and_the_admin_open_the_robots_page(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("notifications:team_robots")).status_code == 403


@pytest.mark.parametrize("rows", [1, 20])
def test_the_pages_ask_a_fixed_number_of_queries(client, people, rows, django_assert_max_num_queries):
    for _ in range(rows):
        DeliveryFactory(status="failed", last_error="HTTP 500")
        NotificationFactory(recipient=people.sales1)
    client.force_login(people.admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:failed")).status_code == 200
    client.force_login(people.sales1)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:settings")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("notifications")).status_code == 200


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_lists_my_notifications_and_marks_them_read(client, people):
    first = notify(recipient=people.sales1, kind="phone_inquiry", text="一")
    second = notify(recipient=people.sales1, kind="phone_inquiry", text="二")
    other = notify(recipient=people.sales2, kind="phone_inquiry", text="别人的")
    client.force_login(people.sales1)

    listed = client.get("/api/notifications/").json()
    theirs = client.get(f"/api/notifications/{other.pk}/")
    marked = client.post("/api/notifications/read/", {"ids": [first.pk, other.pk]}, content_type="application/json")
    unread = client.get("/api/notifications/?unread=true").json()
    bad = client.get("/api/notifications/?unread=maybe")
    all_read = client.post("/api/notifications/read/", {}, content_type="application/json")

    assert [row["id"] for row in listed["results"]] == [second.pk, first.pk]
    assert listed["results"][0]["unread"] is True
    assert theirs.status_code == 404
    assert marked.json() == {"marked": 1, "unread": 1}
    assert [row["id"] for row in unread["results"]] == [second.pk]
    assert bad.status_code == 400
    assert all_read.json() == {"marked": 1, "unread": 0}
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_the_api_reads_and_changes_how_i_am_told(client, people, all_channels):
    people.sales1.email = "s1@example.com"
    people.sales1.save()
    client.force_login(people.sales1)

    before = client.get("/api/notifications/settings/").json()
    changed = client.put(
        "/api/notifications/settings/",
        {"channels": {"phone_inquiry": ["email", "wecom_app"]}},
        content_type="application/json",
    )
    refused = client.put(
        "/api/notifications/settings/", {"channels": {"phone_inquiry": ["fax"]}}, content_type="application/json"
    )
    unknown = client.put(
        "/api/notifications/settings/", {"channels": {"nonsense": ["email"]}}, content_type="application/json"
    )

    kinds = {row["kind"]: row["channels"] for row in before["kinds"]}
    assert (kinds["phone_inquiry"], kinds["far_check_in"]) == ([], ["email"])
    assert {row["channel"]: row["available"] for row in before["channels"]} == {
        "email": True,
        "wecom_robot": False,
        "dingtalk_robot": False,
        "wecom_app": False,
    }
    assert changed.status_code == 200
    assert {row["kind"]: row["channels"] for row in changed.json()["kinds"]}["phone_inquiry"] == ["email", "wecom_app"]
    assert (refused.status_code, unknown.status_code) == (400, 400)
    people.sales1.refresh_from_db()
    assert people.sales1.notification_channels == {"phone_inquiry": ["email", "wecom_app"]}

"""#23 item 2: one notification service; delivered to the inbox always and, by each person's choice, by e-mail,
the team's WeCom / DingTalk group robot or a WeCom application message — through the outbox and a worker,
retried with backoff, never twice, failures shown to the admin. The providers are a local fake server."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.models import Delivery, Notification, PendingTask
from crm.notifications.channels import dingtalk_signed_url
from crm.notifications.services import INTERRUPTED, Message, Note, deliver, notify, notify_many, retry_delivery
from tests.fake_chat import FakeChat

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_chat():
    fake = FakeChat().start()
    yield fake
    fake.stop()


@pytest.fixture
def chat_on(settings, fake_chat):
    """Every channel turned on; the WeCom application API is the fake; a fast timeout for the slow fake."""
    settings.CRM = {
        **settings.CRM,
        "NOTIFY_CHANNELS": ["email", "wecom_robot", "dingtalk_robot", "wecom_app"],
        "NOTIFY_HTTP_TIMEOUT_SECONDS": 0.5,
        "WECOM_CORP_ID": "ww-corp",
        "WECOM_CORP_SECRET": "corp-secret",
        "WECOM_AGENT_ID": "1000002",
        "WECOM_API_URL": fake_chat.url,
    }
    cache.clear()
    return fake_chat


@pytest.fixture
def team_robot(people, chat_on):
    people.team_one.wecom_robot_url = f"{chat_on.url}/cgi-bin/webhook/send?key=team-one"
    people.team_one.save()
    people.sales1.refresh_from_db()
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_robot"]}
    people.sales1.save()
    return chat_on


ROUTED = Message(gettext_noop("New inquiry for you: %(who)s (%(phone)s) asked about %(topic)s"),
                 {"who": "顺达汽修厂", "phone": "13800005555", "topic": "车险"})  # fmt: skip


def the_delivery() -> Delivery:
    return Delivery.objects.select_related("notification").get()


def test_a_notification_is_written_in_the_recipients_language_whoever_sends_it(people, english):
    people.sales1.language = "zh-hans"
    people.sales1.save()
    people.sales2.language = "en"
    people.sales2.save()

    notify_many(
        notes=[Note(people.sales1.pk, "phone_inquiry", ROUTED), Note(people.sales2.pk, "phone_inquiry", ROUTED)]
    )

    texts = dict(Notification.objects.values_list("recipient__username", "text"))
    assert texts == {
        "sales1": "新的来电咨询：顺达汽修厂（13800005555）咨询车险",
        "sales2": "New inquiry for you: 顺达汽修厂 (13800005555) asked about 车险",
    }


def test_only_the_channels_chosen_and_open_get_a_delivery_and_a_task(people, team_robot):
    people.sales1.email = "sales1@example.com"
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_robot", "dingtalk_robot", "email"]}
    people.sales1.save()

    notification = notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED, link="/inquiries/1/")
    notify(recipient=people.sales1, kind="shortfall_reviewed", text="不发")  # nothing chosen: the inbox only
    notify(recipient=people.sales2, kind="phone_inquiry", text=ROUTED)  # sales2 chose nothing

    # The team has no DingTalk robot: that choice waits until it has one.
    assert sorted(Delivery.objects.values_list("notification_id", "channel", "status")) == [
        (notification.pk, "email", "pending"),
        (notification.pk, "wecom_robot", "pending"),
    ]
    tasks = PendingTask.objects.order_by("pk").values_list("task", "kwargs")
    assert [task for task, _kwargs in tasks] == ["crm.tasks.deliver_notification_task"] * 2
    assert team_robot.received == []  # the request only wrote rows


def test_no_chat_channel_is_used_unless_the_installation_names_it(people, settings, fake_chat):
    people.team_one.wecom_robot_url = f"{fake_chat.url}/cgi-bin/webhook/send?key=k"
    people.team_one.save()
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_robot"]}
    people.sales1.save()

    assert settings.CRM["NOTIFY_CHANNELS"] == ["email"]
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)

    assert Delivery.objects.count() == 0


def test_the_team_robot_gets_the_message_once_with_the_salesperson_mentioned(people, team_robot):
    people.sales1.phone = "+8613800001111"
    people.sales1.save()
    notification = notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()

    assert deliver(delivery_id=delivery.pk) is None
    assert deliver(delivery_id=delivery.pk) is None  # the task again (the outbox sends at least once)

    [post] = team_robot.robot_posts()
    assert (post.query, post.body) == (
        {"key": "team-one"},
        {
            "msgtype": "text",
            "text": {
                "content": f"{notification.text}\nhttp://127.0.0.1:8000/notifications/{notification.pk}/",
                "mentioned_mobile_list": ["13800001111"],
            },
        },
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_a_robot_answering_500_is_retried_with_backoff_then_marked_failed(people, team_robot):
    team_robot.answers = ["500"] * 5
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()

    waits = [deliver(delivery_id=delivery.pk) for _ in range(5)]

    assert waits == [30, 60, 120, 240, None]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 5, "HTTP 500")
    assert len(team_robot.robot_posts()) == 5


def test_an_error_code_is_retried_and_a_later_success_is_recorded(people, team_robot):
    team_robot.answers = [{"errcode": 45009, "errmsg": "api freq out of limit"}]
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()

    assert deliver(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("pending", "errcode 45009: api freq out of limit")
    assert deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_a_robot_that_does_not_answer_in_time_is_given_up_after_the_timeout(people, team_robot):
    team_robot.answers = ["slow"]
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()

    started = time.monotonic()
    assert deliver(delivery_id=delivery.pk) == 30
    elapsed = time.monotonic() - started

    assert elapsed < 2, f"the send waited {elapsed:.1f} s"
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("no answer")


def test_a_dingtalk_robot_with_a_secret_gets_a_signed_address(people, chat_on):
    chat_on.dingtalk_secret = "SEC0123456789abcdef"
    people.team_one.dingtalk_robot_url = f"{chat_on.url}/robot/send?access_token=ding"
    people.team_one.dingtalk_robot_secret = chat_on.dingtalk_secret
    people.team_one.save()
    people.sales1.notification_channels = {"phone_inquiry": ["dingtalk_robot"]}
    people.sales1.save()
    notification = notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)

    assert deliver(delivery_id=the_delivery().pk) is None

    [post] = chat_on.robot_posts()
    assert post.query["access_token"] == "ding"
    assert post.body["text"]["content"].startswith(notification.text)
    assert the_delivery().status == "sent"


def test_the_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret_base64_url_encoded():
    # Worked by hand: base64(HMAC-SHA256(key="SECabc", msg="1700000000000\nSECabc")), then URL-encoded.
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc", now_ms=1700000000000)

    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign=")
    import base64
    import hashlib
    import hmac
    import urllib.parse

    expected = base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest())
    assert urllib.parse.unquote_plus(url.rsplit("sign=", 1)[1]) == expected.decode()
    assert dingtalk_signed_url("https://x/robot/send?a=1", "") == "https://x/robot/send?a=1"


def test_wecom_application_messages_fetch_the_token_once_and_ask_wecom_to_drop_duplicates(people, chat_on):
    people.sales1.wecom_userid = "ZhangSan"
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_app"]}
    people.sales1.save()
    first = notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)

    for delivery in Delivery.objects.order_by("pk"):
        assert deliver(delivery_id=delivery.pk) is None

    paths = [(request.path, request.query) for request in chat_on.received]
    assert paths == [
        ("/cgi-bin/gettoken", {"corpid": "ww-corp", "corpsecret": "corp-secret"}),
        ("/cgi-bin/message/send", {"access_token": "token-1"}),
        ("/cgi-bin/message/send", {"access_token": "token-1"}),
    ]
    assert chat_on.received[1].body == {
        "touser": "ZhangSan",
        "msgtype": "text",
        "agentid": 1000002,
        "text": {"content": f"{first.text}\nhttp://127.0.0.1:8000/notifications/{first.pk}/"},
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 14400,
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_an_expired_wecom_token_is_fetched_again(people, chat_on):
    people.sales1.wecom_userid = "ZhangSan"
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_app"]}
    people.sales1.save()
    cache.set("crm:wecom:access_token", "stale", 600)
    chat_on.answers = [{"errcode": 42001, "errmsg": "access_token expired"}]
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)

    assert deliver(delivery_id=the_delivery().pk) is None

    assert [(r.path, r.query.get("access_token")) for r in chat_on.received] == [
        ("/cgi-bin/message/send", "stale"),
        ("/cgi-bin/gettoken", None),
        ("/cgi-bin/message/send", "token-1"),
    ]
    assert the_delivery().status == "sent"


def test_a_send_still_running_elsewhere_is_left_alone_and_looked_at_again_later(people, team_robot):
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now(), attempts=1)

    wait = deliver(delivery_id=delivery.pk)

    assert 100 < wait <= 121
    assert team_robot.received == []
    assert the_delivery().status == "sending"


def test_a_robot_send_left_by_a_dead_worker_is_not_sent_again_but_shown_as_maybe_delivered(people, team_robot):
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()
    claimed = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=claimed, attempts=1)

    assert deliver(delivery_id=delivery.pk) is None

    assert team_robot.received == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 1, INTERRUPTED)


def test_a_wecom_app_send_left_by_a_dead_worker_is_sent_again_wecom_drops_the_duplicate(people, chat_on):
    people.sales1.wecom_userid = "ZhangSan"
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_app"]}
    people.sales1.save()
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=5), attempts=1
    )

    assert deliver(delivery_id=delivery.pk) is None

    assert [request.path for request in chat_on.received] == ["/cgi-bin/gettoken", "/cgi-bin/message/send"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_a_channel_without_its_address_fails_at_once_without_retries(people, chat_on):
    people.sales1.notification_channels = {"phone_inquiry": ["email"]}
    people.sales1.email = "s1@example.com"
    people.sales1.save()
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    people.sales1.email = ""
    people.sales1.save()

    assert deliver(delivery_id=the_delivery().pk) is None

    assert (the_delivery().status, the_delivery().last_error) == ("failed", "the recipient has no e-mail address")
    assert mail.outbox == []


def test_the_admin_sees_failed_deliveries_and_sends_one_again(client, people, team_robot, django_assert_num_queries):
    team_robot.answers = ["500"] * 5
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    delivery = the_delivery()
    for _ in range(5):
        deliver(delivery_id=delivery.pk)
    client.force_login(people.admin)

    page = client.get(reverse("notifications:failed"))
    PendingTask.objects.all().delete()
    response = client.post(reverse("notifications:retry", args=[delivery.pk]))
    again = client.post(reverse("notifications:retry", args=[delivery.pk]), follow=True)

    assert [row.pk for row in page.context["page_obj"]] == [delivery.pk]
    assert "HTTP 500" in page.content.decode()
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert list(PendingTask.objects.values_list("task", "kwargs")) == [
        ("crm.tasks.deliver_notification_task", {"delivery_id": delivery.pk})
    ]
    assert "This delivery is not failed (any more)." in again.content.decode() or again.status_code == 404
    assert deliver(delivery_id=delivery.pk) is None
    assert the_delivery().status == "sent"


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_opens_the_failed_deliveries(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("notifications:failed")).status_code == 403
    assert client.post(reverse("notifications:retry", args=[1])).status_code == 403


def test_retrying_a_delivery_that_is_not_failed_is_refused(people, team_robot):
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)

    from crm.errors import NotFound

    with pytest.raises(NotFound):
        retry_delivery(delivery_id=the_delivery().pk)
    assert the_delivery().status == "pending"


def test_deliveries_whose_task_was_lost_are_asked_for_again_and_sent_once(people, team_robot):
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    notify(recipient=people.sales1, kind="phone_inquiry", text=ROUTED)
    old, young = Delivery.objects.order_by("pk")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=old.pk).update(created_at=an_hour_ago, claimed_at=an_hour_ago, attempts=2)
    PendingTask.objects.all().delete()

    from crm.notifications.services import resend_stalled_deliveries

    assert resend_stalled_deliveries() == 1
    assert list(PendingTask.objects.values_list("kwargs", flat=True)) == [{"delivery_id": old.pk}]
    assert deliver(delivery_id=old.pk) is None
    assert deliver(delivery_id=old.pk) is None
    assert resend_stalled_deliveries() == 0
    assert len(team_robot.robot_posts()) == 1
    assert Delivery.objects.get(pk=old.pk).status == "sent"
    assert Delivery.objects.get(pk=young.pk).status == "pending"

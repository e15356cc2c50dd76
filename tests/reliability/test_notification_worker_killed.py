"""#23 "Done when": a routed inquiry reaches sales1 through the (faked) WeCom group robot exactly once, even when
the worker is killed mid-send.

A real worker process (prefork, acks_late) on a Redis of the test's own sends the delivery to a fake WeCom robot
(a real HTTP server) that holds the first request without answering; the whole worker is SIGKILLed while it
waits. A fresh worker gets the task again after the visibility timeout, finds the delivery still claimed
("sending") by the dead worker and, once the claim is older than NOTIFY_SENDING_TIMEOUT_SECONDS, marks it
failed with "may have arrived" instead of posting it a second time: the robot API has no idempotency key, so
"never twice" is chosen over "at least once" for it (see README, Notifications)."""

from __future__ import annotations

import signal

import pytest
from django.db import connection

from campaigns.services import register_phone_inquiry
from crm.models import Delivery
from crm.notifications.services import INTERRUPTED
from tests.fake_chat import FakeChat
from tests.reliability.conftest import WorkerProcess, database_url, needs_postgresql, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chaos]


@pytest.fixture
def robot(people, settings, monkeypatch):
    """The team's fake WeCom robot. (The tests ask for seeded_reference_lists first: the routing's channel types,
    which another transactional test's flush removes.)"""
    needs_postgresql(connection)
    fake = FakeChat().start()
    # This process writes the deliveries; the worker processes read the same settings from the environment.
    settings.CRM = {**settings.CRM, "NOTIFY_CHANNELS": ["wecom_robot"]}
    monkeypatch.setenv("CRM_NOTIFY_CHANNELS", "wecom_robot")
    monkeypatch.setenv("CRM_NOTIFY_SENDING_TIMEOUT_SECONDS", "8")
    monkeypatch.setenv("CRM_NOTIFY_HTTP_TIMEOUT_SECONDS", "60")  # the held request must still be open at the kill
    people.team_one.wecom_robot_url = f"{fake.url}/cgi-bin/webhook/send?key=team-one"
    people.team_one.save()
    people.sales1.notification_channels = {"phone_inquiry": ["wecom_robot"]}
    people.sales1.save()
    yield fake
    fake.stop()


@pytest.fixture
def workers(broker_on_spare_redis):
    started = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(
            broker_url=broker_on_spare_redis.url, database=database_url(connection), visibility_timeout=5
        )
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def route_an_inquiry_to_sales1(people):
    inquiry = register_phone_inquiry(
        entered_by=people.info1,
        data={"phone": "13800005555", "caller_name": "陈先生", "unit_name": "顺达汽修厂", "topic": "车险",
              "district": "南山区", "business_type": "车友会"},
    )  # fmt: skip
    assert inquiry.salesperson == people.sales1
    return inquiry


def status() -> str:
    return Delivery.objects.get().status


def test_a_routed_inquiry_reaches_sales1_through_the_wecom_robot(
    seeded_reference_lists, people, owned_tree, robot, workers
):
    workers()
    route_an_inquiry_to_sales1(people)

    wait_until(lambda: status() == "sent", timeout=60, what="the worker to post to the robot")

    [post] = robot.robot_posts()
    assert post.body["text"]["content"].startswith(
        "新的来电咨询：顺达汽修厂（138 0000 5555）咨询车险\nhttp://127.0.0.1:8000/notifications/"
    )
    assert Delivery.objects.get().attempts == 1


def test_a_routed_inquiry_reaches_sales1_once_when_the_worker_is_killed_mid_send(
    seeded_reference_lists, people, owned_tree, robot, workers
):
    robot.answers = ["block"]
    first = workers()
    route_an_inquiry_to_sales1(people)
    wait_until(robot.blocked.is_set, timeout=60, what="the worker to post to the robot")
    assert status() == "sending"

    first.kill_all()  # the whole worker, while the robot has the message and has not answered
    assert first.process.returncode == -signal.SIGKILL
    workers()
    # Nobody acknowledged the task: the fresh worker gets it after the visibility timeout, waits out the dead
    # worker's claim, and settles the delivery without posting again.
    wait_until(lambda: status() == "failed", timeout=120, what="the fresh worker to settle the delivery")

    assert len(robot.robot_posts()) == 1
    assert robot.robot_posts()[0].body["text"]["content"].startswith("新的来电咨询：顺达汽修厂")
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.last_error) == (1, INTERRUPTED)

"""The outbox: a task asked for in a transaction is sent after commit, kept when the broker fails,
never sent for a rolled-back change; a notification is e-mailed at most once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from crm.models import Delivery, Notification, PendingTask
from crm.notifications.services import deliver
from crm.outbox import enqueue, relay_pending_tasks
from crm.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_down(settings, monkeypatch):
    from crm.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # Celery reads it before its conf
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once
    app.conf.broker_transport_options = {}
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved


@pytest.fixture
def eager(settings):
    from crm.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_task_asked_for_in_a_rolled_back_transaction_is_neither_kept_nor_sent(people, eager):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=people.manager1, kind="far_check_in", text="远")
        raise RuntimeError("the visit failed to save")

    assert PendingTask.objects.count() == 0
    assert mail.outbox == []


def test_a_task_is_sent_once_the_transaction_commits(people, eager):
    people.manager1.email = "m1@example.com"
    people.manager1.save()
    with transaction.atomic():
        notification = notify(recipient=people.manager1, kind="far_check_in", text="张三 离客户 2200 米")
        assert mail.outbox == []  # not before the commit

    assert [message.to for message in mail.outbox] == [["m1@example.com"]]
    assert mail.outbox[0].body == f"张三 离客户 2200 米\nhttp://127.0.0.1:8000/notifications/{notification.pk}/\n"
    delivery = Delivery.objects.get()
    assert (delivery.notification, delivery.channel, delivery.status) == (notification, "email", "sent")
    pending = PendingTask.objects.get()
    assert (pending.kwargs, pending.attempts, pending.last_error) == ({"delivery_id": delivery.pk}, 1, "")
    assert pending.sent_at is not None


def test_a_broker_failure_at_commit_keeps_the_task_for_the_relay(people, broker_down):
    with transaction.atomic():
        enqueue("crm.tasks.ping", value="later")

    pending = PendingTask.objects.get()
    assert (pending.sent_at, pending.attempts) == (None, 1)
    assert "refused" in pending.last_error.lower() or "connect" in pending.last_error.lower()
    assert relay_pending_tasks(older_than=timedelta(0)) == 0  # still down: the relay stops at once
    assert PendingTask.objects.get().attempts == 2


def test_the_relay_sends_only_rows_older_than_the_grace_and_forgets_old_sent_rows(people, eager):
    now = timezone.now()
    young = PendingTask.objects.create(task="crm.tasks.ping", kwargs={"value": "young"})
    old = PendingTask.objects.create(task="crm.tasks.ping", kwargs={"value": "old"})
    done = PendingTask.objects.create(task="crm.tasks.ping", kwargs={}, sent_at=now - timedelta(days=8))
    PendingTask.objects.filter(pk__in=[old.pk, done.pk]).update(created_at=now - timedelta(minutes=5))

    assert relay_pending_tasks() == 1
    assert relay_pending_tasks() == 0

    assert set(PendingTask.objects.filter(sent_at__isnull=False).values_list("pk", flat=True)) == {old.pk}
    assert set(PendingTask.objects.values_list("pk", flat=True)) == {young.pk, old.pk}


def test_a_notification_is_e_mailed_at_most_once(people):
    people.manager1.email = "m1@example.com"
    people.manager1.save()
    notification = Notification.objects.create(recipient=people.manager1, kind="far_check_in", text="远")
    delivery = Delivery.objects.create(notification=notification, channel="email")

    assert deliver(delivery_id=delivery.pk) is None
    assert deliver(delivery_id=delivery.pk) is None  # the task delivered twice: nothing to claim

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_nothing_is_e_mailed_to_someone_without_an_address_and_the_admin_sees_why(people):
    notification = Notification.objects.create(recipient=people.manager2, kind="far_check_in", text="远")
    delivery = Delivery.objects.create(notification=notification, channel="email")

    assert deliver(delivery_id=delivery.pk) is None
    assert deliver(delivery_id=delivery.pk + 1000) is None

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        1,
        "the recipient has no e-mail address",
    )


def test_an_e_mail_task_queued_before_the_upgrade_is_sent_once_through_a_delivery(people):
    from crm.tasks import email_notification_task

    people.manager1.email = "m1@example.com"
    people.manager1.save()
    notification = Notification.objects.create(recipient=people.manager1, kind="far_check_in", text="远")

    email_notification_task.apply(kwargs={"notification_id": notification.pk})
    email_notification_task.apply(kwargs={"notification_id": notification.pk})
    email_notification_task.apply(kwargs={"notification_id": notification.pk + 1000})

    assert [message.to for message in mail.outbox] == [["m1@example.com"]]
    assert list(Delivery.objects.values_list("notification", "channel", "status")) == [
        (notification.pk, "email", "sent")
    ]

"""REL-09: Redis frozen or down while a visit is saved.

The visit is saved and the request returns quickly; the manager's e-mail about the far check-in
waits in the outbox and goes out once Redis is back (relay job, then a real worker)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from accounts.customers.models import Customer
from crm.models import Delivery, Notification, PendingTask
from crm.outbox import relay_pending_tasks
from tests.reliability.conftest import wait_until
from visits.models import Visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chaos]

# A request may wait for the broker at most this long (plan REL-09); the outbox sender gives up after 1 s.
REQUEST_BOUND_SECONDS = 3


@pytest.fixture
def far_check_in(people):
    """sales1's customer at 深圳湾 and a check-in about 2.2 km away, as the visit form posts it."""
    people.manager1.email = "manager1@example.com"
    people.manager1.save(update_fields=["email"])
    customer = Customer.objects.create(
        unit_name="顺达汽修厂", owner=people.sales1, latitude=Decimal("22.520000"), longitude=Decimal("113.940000")
    )
    form = {
        "customer": customer.pk,
        "kind": Visit.Kind.FIRST,
        "latitude": "22.540000",
        "longitude": "113.940000",
        "accuracy_m": "15",
        "client_id": str(uuid.uuid4()),
        # A check-in beyond the team's radius is stored only with a reason (visits.trust).
        "far_reason": "客户在隔壁园区开会",
    }
    return customer, form


def save_visit_timed(client, form) -> tuple[object, float]:
    started = time.monotonic()
    response = client.post(reverse("visits:visit_create"), form)
    return response, time.monotonic() - started


def assert_saved_with_e_mail_pending(response, elapsed, people, customer):
    assert response.status_code == 302
    assert response.url == reverse("visits:today")
    assert elapsed < REQUEST_BOUND_SECONDS, f"the request waited {elapsed:.2f} s on the broker"
    visit = Visit.objects.get()
    assert (visit.salesperson, visit.customer, visit.far_from_customer) == (people.sales1, customer, True)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (people.manager1, "far_check_in")
    delivery = Delivery.objects.get()
    assert (delivery.notification, delivery.channel, delivery.status) == (notification, "email", "pending")
    pending = PendingTask.objects.get()
    assert (pending.task, pending.kwargs) == ("crm.tasks.deliver_notification_task", {"delivery_id": delivery.pk})
    assert (pending.sent_at, pending.attempts) == (None, 1)
    assert pending.last_error
    return notification


def deliver_through_a_real_worker(spare_redis, notification):
    """The relay sends the pending task to the recovered Redis; a worker e-mails the manager once."""
    from crm.celery import app

    assert relay_pending_tasks(older_than=timedelta(0)) == 1
    assert PendingTask.objects.get().sent_at is not None
    assert spare_redis.queued() == 1
    assert relay_pending_tasks(older_than=timedelta(0)) == 0  # nothing is sent twice
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_until(
            lambda: Delivery.objects.filter(notification=notification, status="sent").exists(),
            timeout=30,
            what="the worker to e-mail the notification",
        )
    assert [message.to for message in mail.outbox] == [["manager1@example.com"]]
    assert "顺达汽修厂" in mail.outbox[0].body


def test_a_visit_saved_while_redis_is_frozen_is_kept_and_its_e_mail_goes_out_later(
    client, people, far_check_in, broker_on_spare_redis
):
    customer, form = far_check_in
    client.force_login(people.sales1)

    broker_on_spare_redis.freeze()
    try:
        response, elapsed = save_visit_timed(client, form)
    finally:
        broker_on_spare_redis.thaw()

    notification = assert_saved_with_e_mail_pending(response, elapsed, people, customer)
    assert broker_on_spare_redis.queued() == 0
    deliver_through_a_real_worker(broker_on_spare_redis, notification)


def test_a_visit_saved_while_redis_is_down_is_kept_and_its_e_mail_goes_out_after_restart(
    client, people, far_check_in, broker_on_spare_redis
):
    customer, form = far_check_in
    client.force_login(people.sales1)

    broker_on_spare_redis.stop()
    response, elapsed = save_visit_timed(client, form)
    broker_on_spare_redis.start()

    notification = assert_saved_with_e_mail_pending(response, elapsed, people, customer)
    deliver_through_a_real_worker(broker_on_spare_redis, notification)


def test_the_same_visit_sent_again_after_the_outage_is_stored_once(client, people, far_check_in, broker_on_spare_redis):
    _, form = far_check_in
    client.force_login(people.sales1)
    broker_on_spare_redis.freeze()
    try:
        save_visit_timed(client, form)
    finally:
        broker_on_spare_redis.thaw()

    response, _ = save_visit_timed(client, form)  # the phone retries: same client id

    assert response.status_code == 302
    assert Visit.objects.count() == 1
    assert Notification.objects.count() == 1
    assert PendingTask.objects.count() == 1

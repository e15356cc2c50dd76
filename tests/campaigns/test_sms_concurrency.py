"""The gateway retries a reply while the first call is still being stored: on PostgreSQL with real threads (a
connection each, released together), the reply is stored once, opts out once and is announced once."""

from functools import partial

import pytest
from django.db import connection

from campaigns.models import MailingRecipient, OptOut, SmsReply
from campaigns.services import receive_sms_replies, record_delivery_receipts
from campaigns.sms import DeliveryReceipt, InboundSms
from crm.models import Notification
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import MailingFactory, MailingRecipientFactory
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]
TRIALS = 10


def test_the_same_reply_delivered_at_once_is_stored_once(people):
    customer = CustomerFactory(phone="+8613800000001", owner=people.sales1)
    for trial in range(TRIALS):
        inbound = InboundSms(provider_id=f"race-{trial}", phone="13800000001", text="TD" if trial == 0 else "好的")
        results = at_once(*(partial(receive_sms_replies, replies=[inbound]) for _ in range(4)))
        assert sorted((r.stored, r.duplicates) for r in results) == [(0, 1), (0, 1), (0, 1), (1, 0)], results

    assert SmsReply.objects.count() == TRIALS
    assert set(SmsReply.objects.values_list("customer_id", flat=True)) == {customer.pk}
    assert list(OptOut.objects.values_list("address", flat=True)) == ["+8613800000001"]
    assert Notification.objects.filter(kind="sms_reply", recipient=people.sales1).count() == TRIALS


def test_a_delivered_and_a_failed_receipt_at_once_end_delivered(people):
    mailing = MailingFactory(channel="sms", campaign__created_by=people.info1)
    for trial in range(TRIALS):
        MailingRecipientFactory(
            mailing=mailing, address=f"+86138000001{trial:02d}", status="sent", provider_id=f"gw-{trial}"
        )
        results = at_once(
            partial(record_delivery_receipts, receipts=[DeliveryReceipt(f"gw-{trial}", delivered=False, code="X")]),
            partial(record_delivery_receipts, receipts=[DeliveryReceipt(f"gw-{trial}", delivered=True, code="OK")]),
        )
        assert all(isinstance(result, int) for result in results), results

    assert set(MailingRecipient.objects.values_list("status", "provider_code")) == {("delivered", "OK")}

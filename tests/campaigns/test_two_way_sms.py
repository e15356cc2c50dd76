"""Two-way SMS (issue #22 item 6): replies and delivery receipts reported by the gateway's webhooks, read by the
SMS backend, matched to the customer and the last message sent; TD / 退订 opts out through the one opt-out list.
The gateway is a real HTTP server on 127.0.0.1 (tests/campaigns/fake_sms_gateway.py)."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from campaigns.models import CallEntry, MailingRecipient, OptOut, SmsReply
from campaigns.services import (
    create_mailing,
    next_call,
    receive_sms_replies,
    record_delivery_receipts,
    send_mailing,
    send_sms_batch,
)
from campaigns.services.calls import resplit_call_list
from campaigns.services.sms import UnknownMessage
from campaigns.sms import DeliveryReceipt, InboundSms
from crm.models import Notification
from tests.accounts.factories import ContactFactory, CustomerFactory
from tests.campaigns.factories import (
    CallEntryFactory,
    CallListCallerFactory,
    CallListFactory,
    CampaignFactory,
    SmsTemplateFactory,
)
from tests.campaigns.fake_sms_gateway import start_fake_gateway

pytestmark = pytest.mark.django_db
SECRET = "webhook-s3cret"
Status = MailingRecipient.Status


@pytest.fixture
def gateway(settings):
    gateway, stop = start_fake_gateway()
    settings.CRM = {
        **settings.CRM,
        "SMS_BACKEND": "campaigns.sms.HttpGatewaySmsBackend",
        "SMS_GATEWAY_URL": gateway.url,
        "SMS_GATEWAY_KEY": "gw-key",
        "SMS_WEBHOOK_SECRET": SECRET,
    }
    yield gateway
    stop()


@pytest.fixture
def mailed(people, gateway):
    """An SMS mailing sent through the fake gateway to 甲 (held by sales1) and 乙 (held by sales2): gw-1, gw-2."""
    campaign = CampaignFactory(created_by=people.info1, name="秋季续保", segment={"district": "南山区"})
    jia = CustomerFactory(unit_name="甲公司", phone="+8613800000001", owner=people.sales1)
    yi = CustomerFactory(unit_name="乙公司", phone="+8613800000002", owner=people.sales2)
    mailing = create_mailing(
        campaign=campaign, channel="sms", created_by=people.info1, sms_template=SmsTemplateFactory()
    )
    send_mailing(mailing=mailing)
    assert send_sms_batch(mailing_id=mailing.pk) == 0
    jia_message = MailingRecipient.objects.get(customer=jia)
    yi_message = MailingRecipient.objects.get(customer=yi)
    return jia, yi, jia_message, yi_message


def signed(body: bytes, secret: str = SECRET) -> dict:
    return {"X-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def post(client, name: str, payload, *, headers=None, raw: bytes | None = None, language: str = "en"):
    """Call a webhook as the gateway does (signed unless ``headers`` says otherwise), its answers in English."""
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    return client.generic(
        "POST",
        reverse(f"api:{name}"),
        body,
        content_type="application/json",
        headers={"Accept-Language": language, **(signed(body) if headers is None else headers)},
    )


# --- the gateway, end to end -------------------------------------------------------------------------


def test_a_mailing_goes_through_the_gateway_and_its_replies_and_receipts_come_back(client, people, gateway, mailed):
    jia, _yi, jia_message, yi_message = mailed
    assert [(r["json"]["to"], r["headers"]["Authorization"]) for r in gateway.received] == [
        ("+8613800000001", "Bearer gw-key"),
        ("+8613800000002", "Bearer gw-key"),
    ]
    assert (jia_message.provider_id, yi_message.provider_id) == ("gw-1", "gw-2")

    reply = {
        "id": "in-1",
        "phone": "138 0000 0001",
        "text": "好的，下午来电",
        "received_at": "2026-03-10T10:00:00+08:00",
    }
    response = post(client, "sms_reply_webhook", reply)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "stored": 1, "opted_out": 0}
    stored = SmsReply.objects.get()
    assert (stored.provider_id, stored.phone, stored.text, stored.customer_id, stored.in_reply_to_id) == (
        "in-1",
        "+8613800000001",
        "好的，下午来电",
        jia.pk,
        jia_message.pk,
    )
    assert stored.opted_out is False
    (notification,) = Notification.objects.filter(kind="sms_reply")
    assert (notification.recipient_id, notification.link) == (people.sales1.pk, f"/customers/{jia.pk}/#sms")
    assert OptOut.objects.count() == 0

    receipts = [
        {"id": "gw-1", "status": "delivered", "code": "DELIVRD"},
        {"id": "gw-2", "status": "failed", "code": "MK:0001"},
    ]
    response = post(client, "sms_receipt_webhook", receipts)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "updated": 2}
    assert list(MailingRecipient.objects.order_by("pk").values_list("provider_id", "status", "provider_code")) == [
        ("gw-1", "delivered", "DELIVRD"),
        ("gw-2", "failed", "MK:0001"),
    ]


def test_the_gateway_retrying_a_reply_stores_it_once(client, people, mailed):
    reply = {"id": "in-7", "phone": "+8613800000002", "text": "多少钱？"}
    first = post(client, "sms_reply_webhook", reply)
    second = post(client, "sms_reply_webhook", reply)

    assert (first.json()["stored"], second.json()["stored"]) == (1, 0)
    assert SmsReply.objects.count() == 1
    assert Notification.objects.filter(kind="sms_reply").count() == 1


def test_a_receipt_never_takes_a_delivered_message_back_and_repeats_change_nothing(mailed):
    _jia, _yi, jia_message, _yi_message = mailed

    assert record_delivery_receipts(receipts=[DeliveryReceipt("gw-1", delivered=True, code="DELIVRD")]) == 1
    assert record_delivery_receipts(receipts=[DeliveryReceipt("gw-1", delivered=True, code="DELIVRD")]) == 0
    # A failure reported late (out of order) does not undo the delivery.
    assert record_delivery_receipts(receipts=[DeliveryReceipt("gw-1", delivered=False, code="UNDELIV")]) == 0

    jia_message.refresh_from_db()
    assert (jia_message.status, jia_message.provider_code) == ("delivered", "DELIVRD")


def test_a_failed_message_may_still_be_delivered_on_the_gateways_retry(mailed):
    _jia, _yi, _jia_message, yi_message = mailed
    record_delivery_receipts(receipts=[DeliveryReceipt("gw-2", delivered=False, code="MK:0001")])
    record_delivery_receipts(receipts=[DeliveryReceipt("gw-2", delivered=True, code="DELIVRD")])
    yi_message.refresh_from_db()
    assert (yi_message.status, yi_message.provider_code) == ("delivered", "DELIVRD")


def test_a_receipt_for_a_message_we_never_sent_refuses_the_whole_call(client, english, mailed):
    response = post(
        client,
        "sms_receipt_webhook",
        [{"id": "gw-1", "status": "delivered"}, {"id": "gw-404", "status": "delivered"}],
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No message sent by us has this gateway id.", "unknown_ids": ["gw-404"]}
    assert set(MailingRecipient.objects.values_list("status", flat=True)) == {"sent"}
    with pytest.raises(UnknownMessage):
        record_delivery_receipts(receipts=[DeliveryReceipt("", delivered=True)])


# --- matching ----------------------------------------------------------------------------------------


def test_a_reply_from_a_contacts_phone_is_the_contacts_customer_without_a_message_sent(people):
    customer = CustomerFactory(unit_name="丙公司", phone="+8613800000009", owner=people.sales3)
    ContactFactory(customer=customer, mobile="+8613911112222")

    receive_sms_replies(replies=[InboundSms(provider_id="c-1", phone="13911112222", text="请联系我")])

    reply = SmsReply.objects.get()
    assert (reply.customer_id, reply.in_reply_to_id, reply.phone) == (customer.pk, None, "+8613911112222")
    assert Notification.objects.get(kind="sms_reply").recipient_id == people.sales3.pk


def test_a_reply_from_an_unknown_number_is_kept_for_the_desk(client, people):
    taken = receive_sms_replies(replies=[InboundSms(provider_id="u-1", phone="+8613700000077", text="你们是谁")])

    assert (taken.stored, taken.duplicates, taken.opted_out) == (1, 0, 0)
    reply = SmsReply.objects.get()
    assert (reply.customer_id, reply.in_reply_to_id) == (None, None)
    assert Notification.objects.count() == 0

    client.force_login(people.info1)
    response = client.get(reverse("campaigns:sms_replies"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page_obj"]] == [reply.pk]
    assert "137 0000 0077" in response.content.decode()
    client.force_login(people.sales1)
    assert client.get(reverse("campaigns:sms_replies")).status_code == 403


# --- opting out --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["TD", " td ", "ＴＤ", "退订", "退 订", "t", "STOP", "Stop!", "ｓｔｏｐ"])
def test_td_and_its_variants_opt_the_number_out(people, text):
    customer = CustomerFactory(phone="+8613800000005")

    taken = receive_sms_replies(replies=[InboundSms(provider_id="o-1", phone="13800000005", text=text)])

    assert taken.opted_out == 1
    assert list(OptOut.objects.values_list("channel", "address", "source")) == [("sms", "+8613800000005", "sms_reply")]
    assert SmsReply.objects.get().customer_id == customer.pk


@pytest.mark.parametrize("text", ["好的", "TD一下什么意思", "STOPS", ""])
def test_other_replies_do_not_opt_out(people, text):
    receive_sms_replies(replies=[InboundSms(provider_id="o-2", phone="13800000005", text=text)])
    assert OptOut.objects.count() == 0
    assert SmsReply.objects.get().opted_out is False


def test_after_a_td_reply_no_mailing_and_no_call_list_offers_the_number(client, people, telemarketing, mailed):
    jia, _yi, _jia_message, _yi_message = mailed
    call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
    CallListCallerFactory(call_list=call_list, caller=people.sales2, added_by=people.info1)
    entry = CallEntryFactory(call_list=call_list, position=1, phone="+8613800000001")
    resplit_call_list(call_list=call_list)

    response = post(client, "sms_reply_webhook", {"id": "td-1", "phone": "+8613800000001", "text": "退订"})

    assert response.json() == {"ok": True, "stored": 1, "opted_out": 1}
    entry.refresh_from_db()
    assert entry.status == CallEntry.Status.BARRED
    assert next_call(caller=people.sales2) is None
    again = create_mailing(
        campaign=CampaignFactory(created_by=people.info1, segment={"district": "南山区"}),
        channel="sms",
        created_by=people.info1,
        sms_template=SmsTemplateFactory(),
    )
    assert dict(again.recipients.values_list("customer_id", "status")) == {jia.pk: "opted_out", _yi.pk: "queued"}
    # In the salesperson's language (sales1's is the default, Chinese).
    assert Notification.objects.get(kind="sms_reply").text == "甲公司（138 0000 0001）回复短信“退订”，已退订短信和电话"


# --- bad calls ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Signature": "sha256=" + "0" * 64},
        {"X-Signature": "not-a-signature"},
        {"X-Webhook-Secret": "wrong"},
        {"X-Webhook-Secret": ""},
    ],
    ids=["unsigned", "wrong-hmac", "garbage", "wrong-secret", "empty-secret"],
)
def test_an_unsigned_or_badly_signed_call_is_refused_and_stores_nothing(client, mailed, headers):
    reply = {"id": "x-1", "phone": "+8613800000001", "text": "TD"}
    receipt = {"id": "gw-1", "status": "delivered"}

    assert post(client, "sms_reply_webhook", reply, headers=headers).status_code == 403
    assert post(client, "sms_receipt_webhook", receipt, headers=headers).status_code == 403

    assert (SmsReply.objects.count(), OptOut.objects.count()) == (0, 0)
    assert set(MailingRecipient.objects.values_list("status", flat=True)) == {"sent"}


def test_the_shared_secret_in_a_header_is_accepted_and_no_secret_configured_refuses_all(client, settings, mailed):
    reply = {"id": "x-2", "phone": "+8613800000001", "text": "好"}
    assert post(client, "sms_reply_webhook", reply, headers={"X-Webhook-Secret": SECRET}).status_code == 200
    settings.CRM = {**settings.CRM, "SMS_WEBHOOK_SECRET": ""}
    body = json.dumps({**reply, "id": "x-3"}).encode()
    assert post(client, "sms_reply_webhook", None, raw=body, headers=signed(body, "")).status_code == 403
    assert SmsReply.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("sms_reply_webhook", b"{not json", "The body is not JSON."),
        ("sms_reply_webhook", b"\xff\xfe", "The body is not JSON."),
        ("sms_reply_webhook", b"[]", "Send between 1 and 500 items."),
        ("sms_reply_webhook", b'["TD"]', "Each item must be a JSON object."),
        ("sms_reply_webhook", b'{"phone": "+8613800000001", "text": "TD"}', "'id' is missing."),
        ("sms_reply_webhook", b'{"id": "a", "text": "TD"}', "'phone' is missing."),
        ("sms_reply_webhook", b'{"id": {"x": 1}, "phone": "1", "text": "TD"}', "'id' must be a string."),
        ("sms_reply_webhook", b'{"id": "a", "phone": "1", "received_at": "yesterday"}', "'received_at' is not a time."),
        ("sms_receipt_webhook", b'{"id": "gw-1", "status": "read"}', "'status' must be 'delivered' or 'failed'."),
        ("sms_receipt_webhook", b'{"id": "gw-1"}', "'status' is missing."),
    ],
)
def test_a_body_that_is_not_the_gateways_format_is_a_400_and_changes_nothing(
    client, english, mailed, name, raw, reason
):
    response = post(client, name, None, raw=raw)

    assert response.status_code == 400
    assert response.json() == {"detail": f"This is not what the SMS gateway sends: {reason}"}
    assert (SmsReply.objects.count(), OptOut.objects.count()) == (0, 0)
    assert set(MailingRecipient.objects.values_list("status", flat=True)) == {"sent"}


def test_the_webhooks_answer_in_the_sites_language_by_default(client, mailed):
    response = post(client, "sms_reply_webhook", None, raw=b"{not json", language="zh-hans")
    assert response.json() == {"detail": "这不是短信网关发送的格式：The body is not JSON."}


def test_a_batch_with_one_bad_item_stores_none_of_it(client, english, mailed):
    batch = [{"id": "b-1", "phone": "+8613800000001", "text": "TD"}, {"id": "b-2", "text": "TD"}]
    assert post(client, "sms_reply_webhook", batch).status_code == 400
    assert (SmsReply.objects.count(), OptOut.objects.count()) == (0, 0)


# --- Aliyun's pushes ---------------------------------------------------------------------------------


def test_the_aliyun_backend_reads_smsup_and_smsreport_pushes(client, settings, people, mailed):
    settings.CRM = {**settings.CRM, "SMS_BACKEND": "campaigns.sms.AliyunSmsBackend"}
    jia, _yi, jia_message, _yi_message = mailed
    up = [
        {
            "phone_number": "13800000001",
            "send_time": "2026-03-10 10:05:00",
            "content": "TD",
            "sign_name": "某保险",
            "dest_code": "1234",
            "sequence_id": 880001,
        }
    ]
    report = [
        {
            "phone_number": "13800000001",
            "send_time": "2026-03-10 10:00:00",
            "report_time": "2026-03-10 10:00:08",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": "gw-1",
            "out_id": "",
        }
    ]

    replies = post(client, "sms_reply_webhook", up)
    receipts = post(client, "sms_receipt_webhook", report)

    assert replies.json() == {"code": 0, "msg": "成功", "stored": 1, "opted_out": 1}
    assert receipts.json() == {"code": 0, "msg": "成功", "updated": 1}
    reply = SmsReply.objects.get()
    assert (reply.provider_id, reply.customer_id, reply.received_at.isoformat()) == (
        "880001",
        jia.pk,
        "2026-03-10T02:05:00+00:00",
    )
    jia_message.refresh_from_db()
    assert (jia_message.status, jia_message.provider_code, jia_message.receipt_at.isoformat()) == (
        "delivered",
        "DELIVERED",
        "2026-03-10T02:00:08+00:00",
    )
    assert post(client, "sms_receipt_webhook", [{**report[0], "success": "yes"}]).status_code == 400


# --- the customer page and the API -------------------------------------------------------------------


def test_the_customer_page_shows_the_messages_sent_and_the_replies_newest_first(client, people, mailed):
    jia, _yi, _jia_message, _yi_message = mailed
    record_delivery_receipts(receipts=[DeliveryReceipt("gw-1", delivered=True, code="DELIVRD")])
    receive_sms_replies(replies=[InboundSms(provider_id="p-1", phone="+8613800000001", text="下午来电")])

    client.force_login(people.sales1)
    response = client.get(reverse("accounts:customer_detail", args=[jia.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="list-group-item sms-line') == 2
    assert html.index("下午来电") < html.index("秋季续保")  # the reply came after the message
    assert "DELIVRD" in html
    client.force_login(people.sales3)  # not theirs: no page, no SMS
    assert client.get(reverse("accounts:customer_detail", args=[jia.pk])).status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_the_customer_pages_sms_section_is_two_queries_whatever_its_length(
    client, people, django_assert_num_queries, size
):
    from campaigns.selectors import customer_sms_history
    from tests.campaigns.factories import MailingFactory, MailingRecipientFactory, SmsReplyFactory

    customer = CustomerFactory(phone="+8613800000001", owner=people.sales1)
    for n in range(size):
        mailing = MailingFactory(channel="sms", sms_template=SmsTemplateFactory(), campaign__created_by=people.info1)
        MailingRecipientFactory(
            mailing=mailing, customer=customer, address=customer.phone, status="sent", sent_at=mailing.created_at
        )
        SmsReplyFactory(customer=customer, phone=customer.phone, provider_id=f"r-{n}")

    with django_assert_num_queries(2):
        lines = customer_sms_history(user=people.sales1, customer_id=customer.pk)
    assert len(lines) == 2 * size


def test_the_api_lists_a_customers_replies_and_messages_to_who_sees_the_customer(client, people, mailed):
    jia, yi, jia_message, yi_message = mailed
    receive_sms_replies(
        replies=[
            InboundSms(provider_id="a-1", phone="+8613800000001", text="好"),
            InboundSms(provider_id="a-2", phone="+8613800000002", text="TD"),
            InboundSms(provider_id="a-3", phone="+8613700000077", text="?"),
        ]
    )
    jia_reply, yi_reply, stranger = (SmsReply.objects.get(provider_id=i) for i in ("a-1", "a-2", "a-3"))

    def ids(user, url):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(people.sales1, "/api/sms-replies/") == [jia_reply.pk]
    assert ids(people.sales1, f"/api/sms-replies/?customer={jia.pk}") == [jia_reply.pk]
    assert ids(people.sales1, f"/api/sms-replies/?customer={yi.pk}") == []
    assert ids(people.sales1, "/api/sms-messages/") == [jia_message.pk]
    assert ids(people.manager1, f"/api/sms-messages/?customer={yi.pk}") == [yi_message.pk]
    assert sorted(ids(people.manager1, "/api/sms-replies/")) == sorted([jia_reply.pk, yi_reply.pk, stranger.pk])
    assert ids(people.manager2, "/api/sms-replies/") == [stranger.pk]  # the team has neither customer
    assert ids(people.info1, "/api/sms-replies/") == [stranger.pk]
    assert ids(people.info1, "/api/sms-replies/?customer__isnull=true") == [stranger.pk]
    assert ids(people.info1, "/api/sms-messages/") == []
    assert ids(people.sales3, "/api/sms-replies/") == []
    client.force_login(people.sales1)
    row = client.get(f"/api/sms-messages/{jia_message.pk}/").json()
    assert (row["phone"], row["status"], row["provider_id"], row["campaign_name"]) == (
        "+8613800000001",
        "sent",
        "gw-1",
        "秋季续保",
    )
    assert client.get(f"/api/sms-replies/{yi_reply.pk}/").status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_the_unknown_numbers_page_is_a_fixed_number_of_queries(client, people, django_assert_num_queries, size):
    from tests.campaigns.factories import SmsReplyFactory

    SmsReplyFactory.create_batch(size)
    client.force_login(people.info1)
    with django_assert_num_queries(5):  # session, user, the menu's unread count, the replies' count and page
        response = client.get(reverse("campaigns:sms_replies"))
    assert len(response.context["page_obj"]) == size

import json
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import Mailing, MailingRecipient, OptOut
from campaigns.services import (
    create_mailing,
    handle_sms_reply,
    record_opt_out,
    send_email_batch,
    send_sms_batch,
    unsubscribe_token,
)
from campaigns.sms import HttpGatewaySmsBackend
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import CampaignFactory, SmsTemplateFactory


@pytest.fixture
def segment(people):
    campaign = CampaignFactory(created_by=people.info1, name="秋季直邮", segment={"district": "南山区"})
    customers = [
        CustomerFactory(unit_name="甲公司", phone="+8613800000001", email="a@example.com", address="科技园1号"),
        CustomerFactory(unit_name="乙公司", phone="+8613800000002", email="b@example.com", address="科技园2号"),
        CustomerFactory(unit_name="丙公司", phone="+8613800000003", email=""),
        CustomerFactory(unit_name="福田公司", phone="+8613800000004", email="f@example.com", district="福田区"),
    ]
    return campaign, customers


@pytest.mark.django_db
def test_email_goes_to_the_segment_except_those_who_opted_out(people, segment, settings):
    campaign, _customers = segment
    record_opt_out(channel="email", address="B@example.com", source="link")
    mailing = create_mailing(campaign=campaign, channel="email", created_by=people.info1, subject="优惠", body="您好")

    assert send_email_batch(mailing_id=mailing.pk) == 0

    assert [message.to for message in mail.outbox] == [["a@example.com"]]
    assert "/unsubscribe/" in mail.outbox[0].body
    assert dict(mailing.recipients.values_list("address", "status")) == {
        "a@example.com": "sent",
        "b@example.com": "opted_out",
    }
    assert Mailing.objects.get(pk=mailing.pk).status == "sent"
    assert send_email_batch(mailing_id=mailing.pk) == 0
    assert len(mail.outbox) == 1  # a rerun sends nothing twice


@pytest.mark.django_db
def test_sms_is_rate_limited_and_honours_a_td_reply_that_arrives_meanwhile(people, segment, settings):
    settings.CRM = {**settings.CRM, "SMS_RATE_PER_MINUTE": 1, "SMS_BACKEND": "campaigns.sms.ConsoleSmsBackend"}
    campaign, _customers = segment
    mailing = create_mailing(
        campaign=campaign, channel="sms", created_by=people.info1, sms_template=SmsTemplateFactory()
    )

    assert send_sms_batch(mailing_id=mailing.pk) == 2
    assert handle_sms_reply(phone="13800000002", text=" 退订 ") is True
    assert send_sms_batch(mailing_id=mailing.pk) == 0

    statuses = dict(mailing.recipients.values_list("address", "status"))
    assert statuses == {"+8613800000001": "sent", "+8613800000002": "opted_out", "+8613800000003": "sent"}
    assert OptOut.objects.get().source == "sms_reply"
    assert handle_sms_reply(phone="13800000001", text="好的") is False


@pytest.mark.django_db
def test_post_labels_export_lists_addresses(client, people, segment):
    campaign, _customers = segment
    mailing = create_mailing(campaign=campaign, channel="post", created_by=people.info1)
    assert sorted(mailing.recipients.values_list("name", flat=True)) == ["丙公司", "乙公司", "甲公司"]
    client.force_login(people.info1)
    response = client.get(reverse("campaigns:mailing_labels", args=[mailing.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="mailing-')


@pytest.mark.django_db
def test_the_unsubscribe_link_records_the_opt_out_on_post_only(client, people, segment):
    token = unsubscribe_token(channel="email", address="a@example.com")
    url = reverse("campaigns:unsubscribe", args=[token])
    assert client.get(url).status_code == 200
    assert OptOut.objects.count() == 0
    client.post(url)
    assert list(OptOut.objects.values_list("channel", "address", "source")) == [("email", "a@example.com", "link")]
    assert client.get(reverse("campaigns:unsubscribe", args=[token + "x"])).status_code == 404


@pytest.mark.django_db
def test_the_http_gateway_posts_json_and_reads_the_id(settings):
    settings.CRM = {**settings.CRM, "SMS_GATEWAY_URL": "https://sms.example.com/send", "SMS_GATEWAY_KEY": "k"}
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = b'{"id": "abc123"}'
    with mock.patch("urllib.request.urlopen", return_value=response) as urlopen:
        result = HttpGatewaySmsBackend().send(phone="+8613800000001", text="您好")
    request = urlopen.call_args.args[0]
    assert (request.full_url, request.get_method(), request.headers["Authorization"]) == (
        "https://sms.example.com/send",
        "POST",
        "Bearer k",
    )
    assert json.loads(request.data)["to"] == "+8613800000001"
    assert (result.ok, result.provider_id) == (True, "abc123")


@pytest.mark.django_db
def test_the_webhook_needs_the_shared_secret(client, settings):
    settings.CRM = {**settings.CRM, "SMS_WEBHOOK_SECRET": "s3cret"}
    url = reverse("api:sms_reply_webhook")
    body = {"id": "m-1", "phone": "13800000009", "text": "TD"}
    assert client.post(url, body, content_type="application/json").status_code == 403
    response = client.post(url, body, content_type="application/json", headers={"X-Webhook-Secret": "s3cret"})
    assert response.json() == {"ok": True, "stored": 1, "opted_out": 1}
    assert OptOut.objects.get().address == "+8613800000009"
    assert MailingRecipient.objects.count() == 0

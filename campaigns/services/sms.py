"""Two-way SMS (seed 一服务2.6): the replies people send and the delivery receipts of our messages, as the
gateway's webhooks report them (read by the SMS backend, ``campaigns.sms``).

- A reply is stored once per gateway message id (the gateway retries: the unique id turns away the second
  copy, whoever stores it first), matched to the customer by its normalised phone (the customer's own, else a
  contact's) and to the last message we sent to that number, and announced to the customer's salesperson.
  One from an unknown number is kept without a customer for the desk. "TD", "退订", "T", "STOP"… opt the
  number out through the one opt-out / do-not-call list (``record_opt_out``).
- A receipt moves a sent message to delivered or failed (with the gateway's code); a delivered message stays
  delivered, whatever arrives after (receipts come in any order and more than once).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, override

from accounts.customers.models import Contact, Customer
from campaigns.models import Mailing, MailingRecipient, OptOut, SmsReply
from campaigns.services.mailings import is_opt_out, record_opt_out
from campaigns.sms import DeliveryReceipt, InboundSms
from crm.errors import NotFound
from crm.models import User
from crm.phones import display_phone, normalise_phone
from crm.services import notify
from territories.selectors import current_owner

logger = logging.getLogger(__name__)
Status = MailingRecipient.Status


class UnknownMessage(NotFound):
    default_message = _("No message sent by us has this gateway id.")


@dataclass(frozen=True)
class RepliesTaken:
    """What a webhook call's replies did: stored, already stored before (a retry), opted out."""

    stored: int = 0
    duplicates: int = 0
    opted_out: int = 0


def _last_message_to(phone: str) -> MailingRecipient | None:
    return (
        # sent_at is set when the gateway took the message (whatever its receipt said since)
        MailingRecipient.objects.filter(mailing__channel=Mailing.Channel.SMS, address=phone, sent_at__isnull=False)
        .order_by("-sent_at", "-pk")
        .first()
    )


def _customer_with_phone(phone: str) -> int | None:
    """The customer whose own phone is ``phone`` (the first registered), else the one a contact with that mobile
    or office phone belongs to."""
    own = Customer.objects.filter(phone=phone).order_by("pk").values_list("pk", flat=True).first()
    if own is not None:
        return own
    return (
        Contact.objects.filter(Q(mobile=phone) | Q(phone=phone))
        .order_by("customer_id", "pk")
        .values_list("customer_id", flat=True)
        .first()
    )


def salesperson_of(customer: Customer) -> User | None:
    """Who looks after ``customer``: its holder, else its territory's owner now."""
    if customer.owner_id is not None:
        return customer.owner
    return current_owner(territory=customer.territory)


def _announce(reply: SmsReply) -> None:
    customer = reply.customer
    if customer is None:
        return
    salesperson = salesperson_of(customer)
    if salesperson is None or not salesperson.is_active:
        return
    with override(salesperson.language or settings.LANGUAGE_CODE):
        message = gettext_noop("SMS reply from %(who)s (%(phone)s): %(text)s")
        if reply.opted_out:
            message = gettext_noop("%(who)s (%(phone)s) replied %(text)s to an SMS and was opted out of SMS and calls")
        text = _t(message) % {"who": customer.unit_name, "phone": display_phone(reply.phone), "text": reply.text[:200]}
    notify(
        recipient=salesperson,
        kind="sms_reply",
        text=text,
        link=reverse("accounts:customer_detail", kwargs={"pk": customer.pk}) + "#sms",
    )


def _receive_one(inbound: InboundSms, now) -> SmsReply | None:
    """Store one reply and act on it, in one transaction; None when it was stored already (by an earlier call
    or a concurrent one: the unique gateway id makes the second insert wait for the first and fail)."""
    with transaction.atomic():
        if SmsReply.objects.filter(provider_id=inbound.provider_id).exists():
            return None
        phone = normalise_phone(inbound.phone) or inbound.phone.strip()[:30]
        last = _last_message_to(phone)
        customer_id = last.customer_id if last is not None and last.customer_id else None
        if customer_id is None:
            customer_id = _customer_with_phone(phone)
        try:
            with transaction.atomic():
                reply = SmsReply.objects.create(
                    provider_id=inbound.provider_id,
                    phone=phone,
                    text=inbound.text[:1000],
                    received_at=inbound.received_at or now,
                    customer_id=customer_id,
                    in_reply_to=last,
                    opted_out=is_opt_out(inbound.text),
                )
        except IntegrityError:
            return None
        if reply.opted_out:
            record_opt_out(
                channel=OptOut.Channel.SMS, address=phone, source=OptOut.Source.SMS_REPLY, note=inbound.text[:300]
            )
        reply = SmsReply.objects.select_related("customer__owner", "customer__territory").get(pk=reply.pk)
        _announce(reply)
        return reply


def receive_sms_replies(*, replies: Sequence[InboundSms]) -> RepliesTaken:
    """The replies of one webhook call (already read by the backend). Each is stored in its own transaction, so
    that the gateway's retry of a call that failed half-way stores the rest and repeats nothing."""
    now = timezone.now()
    stored = duplicates = opted_out = 0
    for inbound in replies:
        reply = _receive_one(inbound, now)
        if reply is None:
            duplicates += 1
            continue
        stored += 1
        opted_out += reply.opted_out
    if stored:
        logger.info("SMS replies: %s stored, %s already stored, %s opted out", stored, duplicates, opted_out)
    return RepliesTaken(stored=stored, duplicates=duplicates, opted_out=opted_out)


def _rank(status: str) -> int:
    """How far a message got: a receipt never moves it back (delivered is final; failed may still become
    delivered, when the gateway's retry got through)."""
    ranks: dict[str, int] = {Status.SENT: 0, Status.FAILED: 1, Status.DELIVERED: 2}
    return ranks.get(status, -1)


@transaction.atomic
def record_delivery_receipts(*, receipts: Sequence[DeliveryReceipt]) -> int:
    """Apply the delivery receipts of one webhook call, all or nothing: a receipt for a message we did not send
    (an unknown gateway id) refuses the whole call (``UnknownMessage``, nothing changed). Idempotent and safe in
    any order: a receipt that would not move the message forward changes nothing. Returns how many changed."""
    ids = {receipt.provider_id for receipt in receipts}
    messages = {
        message.provider_id: message
        for message in MailingRecipient.objects.select_for_update(of=("self",))
        .filter(provider_id__in=ids, mailing__channel=Mailing.Channel.SMS)
        .exclude(provider_id="")
        .order_by("pk")
    }
    unknown = sorted(ids - messages.keys())
    if unknown:
        raise UnknownMessage(extra={"unknown_ids": unknown[:20]})
    now = timezone.now()
    changed = 0
    for receipt in receipts:
        message = messages[receipt.provider_id]
        status = Status.DELIVERED if receipt.delivered else Status.FAILED
        if _rank(status) <= _rank(message.status):
            continue
        message.status = status
        message.provider_code = receipt.code[:50]
        message.receipt_at = receipt.at or now
        if status == Status.FAILED and not message.error:
            message.error = receipt.code[:300]
        MailingRecipient.objects.filter(pk=message.pk).update(
            status=message.status,
            provider_code=message.provider_code,
            receipt_at=message.receipt_at,
            error=message.error,
        )
        changed += 1
    return changed

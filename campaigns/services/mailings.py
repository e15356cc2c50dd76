"""Mailings to a campaign's segment: post labels, e-mail and SMS, with opt-outs honoured at every send."""

from __future__ import annotations

import logging
import string
import unicodedata

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import CallEntry, Campaign, Mailing, MailingRecipient, OptOut, Segment, SmsTemplate
from campaigns.segments import segment_customers_for
from campaigns.selectors import segment_customers
from campaigns.sms import get_sms_backend
from crm.models import User
from crm.outbox import enqueue
from crm.phones import normalise_phone

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "campaigns.unsubscribe"
OPT_OUT_WORDS = {"TD", "T", "退订", "TD退订", "退订TD", "N", "STOP", "UNSUBSCRIBE"}
EMAIL_BATCH = 200
Status = MailingRecipient.Status


def unsubscribe_token(*, channel: str, address: str) -> str:
    return signing.dumps({"c": channel, "a": address}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[str, str]:
    """(channel, address) from a link's token; BadSignature when it was tampered with."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return data["c"], data["a"]


def opt_out_channels(channel: str) -> tuple[str, ...]:
    """The opt-outs that bar ``channel``: a phone opted out of SMS or marked "do not call" gets neither an
    SMS nor a call (one opt-out / do-not-call list); an e-mail address only its own."""
    if channel in OptOut.PHONE_CHANNELS:
        return tuple(OptOut.PHONE_CHANNELS)
    return (channel,)


def _recipient_address(channel: str, customer) -> str:
    if channel == Mailing.Channel.EMAIL:
        return customer.email
    if channel == Mailing.Channel.SMS:
        return str(customer.phone or "")
    return " ".join(part for part in (customer.district, customer.address) if part)


@transaction.atomic
def create_mailing(
    *,
    campaign: Campaign,
    channel: str,
    created_by: User,
    subject: str = "",
    body: str = "",
    sms_template: SmsTemplate | None = None,
    segment: Segment | None = None,
) -> Mailing:
    """A mailing with one recipient per address of a saved ``segment`` (as its creator may use it,
    ``campaigns.segments``) or else of the campaign's own target (no address, no recipient).

    People who opted out of the channel (for SMS: of SMS or of calls) are listed as "not sent: opted out",
    never queued.
    """
    if channel == Mailing.Channel.SMS and sms_template is None:
        raise ValidationError({"sms_template": _("Choose the SMS template to send.")})
    if channel == Mailing.Channel.EMAIL and not (subject.strip() and body.strip()):
        raise ValidationError({"subject": _("An e-mail needs a subject and a text.")})
    mailing = Mailing.objects.create(
        campaign=campaign,
        channel=channel,
        subject=subject,
        body=body,
        sms_template=sms_template,
        segment=segment,
        created_by=created_by,
    )
    opted_out = set()
    if channel != Mailing.Channel.POST:
        opted_out = {
            a.lower()
            for a in OptOut.objects.filter(channel__in=opt_out_channels(channel)).values_list("address", flat=True)
        }
    customers = (
        segment_customers_for(user=created_by, segment=segment).order_by("pk")
        if segment is not None
        else segment_customers(campaign=campaign)
    )
    recipients = []
    seen = set()
    for customer in customers.only("pk", "unit_name", "email", "phone", "address", "district"):
        address = _recipient_address(channel, customer)
        if not address or address in seen:
            continue
        seen.add(address)
        recipients.append(
            MailingRecipient(
                mailing=mailing,
                customer_id=customer.pk,
                name=customer.unit_name[:200],
                address=address[:300],
                status=Status.SKIPPED_OPTED_OUT if address.lower() in opted_out else Status.QUEUED,
            )
        )
    MailingRecipient.objects.bulk_create(recipients, batch_size=1000)
    return mailing


# The worker's entry points (campaigns/tasks.py), named rather than imported: tasks call services.
SEND_EMAIL_TASK = "campaigns.tasks.send_email_batch_task"
SEND_SMS_TASK = "campaigns.tasks.send_sms_batch_task"


@transaction.atomic
def send_mailing(*, mailing: Mailing) -> Mailing:
    """Start sending an e-mail or SMS mailing on a worker. Post mailings are exported, not sent."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.channel == Mailing.Channel.POST:
        raise ValidationError(_("Post mailings are printed from the labels export, not sent."))
    if mailing.status != Mailing.Status.DRAFT:
        return mailing
    mailing.status = Mailing.Status.SENDING
    mailing.save(update_fields=["status", "updated_at"])
    task = SEND_EMAIL_TASK if mailing.channel == Mailing.Channel.EMAIL else SEND_SMS_TASK
    enqueue(task, mailing_id=mailing.pk)
    return mailing


def _finish_if_done(mailing: Mailing) -> bool:
    if MailingRecipient.objects.filter(mailing=mailing, status=Status.QUEUED).exists():
        return False
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENT, updated_at=timezone.now())
    return True


def _claim(mailing: Mailing, limit: int) -> list[MailingRecipient]:
    return list(MailingRecipient.objects.filter(mailing=mailing, status=Status.QUEUED).order_by("pk")[:limit])


def _skip_if_opted_out(recipient: MailingRecipient, channel: str) -> bool:
    # Checked again at send time: an opt-out may have arrived after the mailing was prepared.
    if OptOut.objects.filter(channel__in=opt_out_channels(channel), address__iexact=recipient.address).exists():
        MailingRecipient.objects.filter(pk=recipient.pk).update(status=Status.SKIPPED_OPTED_OUT)
        return True
    return False


def send_email_batch(*, mailing_id: int, limit: int = EMAIL_BATCH) -> int:
    """Send up to ``limit`` queued e-mails; each recipient's status is saved as it goes, so a rerun
    never sends twice to someone marked sent. Returns how many are still queued."""
    mailing = Mailing.objects.get(pk=mailing_id)
    for recipient in _claim(mailing, limit):
        if _skip_if_opted_out(recipient, OptOut.Channel.EMAIL):
            continue
        link = settings.CRM["SITE_URL"] + reverse(
            "campaigns:unsubscribe", kwargs={"token": unsubscribe_token(channel="email", address=recipient.address)}
        )
        body = f"{mailing.body}\n\n--\n{_('Unsubscribe')}: {link}"
        message = EmailMessage(
            subject=mailing.subject,
            body=body,
            from_email=settings.CRM["MAIL_FROM"],
            to=[recipient.address],
            headers={"List-Unsubscribe": f"<{link}>"},
        )
        try:
            message.send()
        except OSError as error:  # SMTP and socket errors
            MailingRecipient.objects.filter(pk=recipient.pk).update(status=Status.FAILED, error=str(error)[:300])
            continue
        MailingRecipient.objects.filter(pk=recipient.pk).update(status=Status.SENT, sent_at=timezone.now())
    _finish_if_done(mailing)
    return MailingRecipient.objects.filter(mailing=mailing, status=Status.QUEUED).count()


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render_sms(*, template: SmsTemplate, values: dict[str, str]) -> str:
    """The template's text with its {variables}; unknown variables become empty, braces stay safe."""
    names = {name for _text, name, _spec, _conv in string.Formatter().parse(template.body) if name}
    if any(not name.isidentifier() for name in names):
        return template.body
    return template.body.format_map(_SafeDict(values))


def send_sms_batch(*, mailing_id: int) -> int:
    """Send at most SMS_RATE_PER_MINUTE queued messages (the task calls again a minute later for the
    rest). Returns how many are still queued. Idempotent per recipient, like ``send_email_batch``."""
    mailing = Mailing.objects.select_related("campaign", "sms_template").get(pk=mailing_id)
    backend = get_sms_backend()
    for recipient in _claim(mailing, settings.CRM["SMS_RATE_PER_MINUTE"]):
        if _skip_if_opted_out(recipient, OptOut.Channel.SMS):
            continue
        # create_mailing refuses an SMS mailing without its template, which cannot be deleted (PROTECT);
        # no other door writes mailings.
        assert mailing.sms_template is not None, "an SMS mailing without its template"
        text = render_sms(
            template=mailing.sms_template,
            values={
                "unit_name": recipient.name,
                "contact_name": recipient.name,
                "campaign": mailing.campaign.name,
                "opt_out": str(_("Reply TD to unsubscribe")),
            },
        )
        result = backend.send(phone=recipient.address, text=text)
        if result.ok:
            MailingRecipient.objects.filter(pk=recipient.pk).update(
                status=Status.SENT, sent_at=timezone.now(), provider_id=result.provider_id
            )
        else:
            MailingRecipient.objects.filter(pk=recipient.pk).update(status=Status.FAILED, error=result.error[:300])
    _finish_if_done(mailing)
    return MailingRecipient.objects.filter(mailing=mailing, status=Status.QUEUED).count()


def record_opt_out(*, channel: str, address: str, source: str, note: str = "") -> OptOut:
    """Record that ``address`` wants nothing more on ``channel``; queued messages to it are withdrawn, and a
    phone (an SMS opt-out or "do not call") leaves every call list: its numbers still to be called are marked
    "do not call" (the caller's screen checks again when it offers a number). Idempotent: a second opt-out
    of the same address changes nothing."""
    phone = channel in OptOut.PHONE_CHANNELS
    address = (normalise_phone(address) or address) if phone else address.strip().lower()
    with transaction.atomic():
        try:
            with transaction.atomic():
                opt_out, _created = OptOut.objects.get_or_create(
                    channel=channel, address=address, defaults={"source": source, "note": note[:300]}
                )
        except IntegrityError:
            opt_out = OptOut.objects.get(channel=channel, address=address)
        barred_channels = [c for c in Mailing.Channel.values if channel in opt_out_channels(c)]
        MailingRecipient.objects.filter(
            mailing__channel__in=barred_channels, address__iexact=address, status=Status.QUEUED
        ).update(status=Status.SKIPPED_OPTED_OUT)
        if phone:
            CallEntry.objects.filter(phone=address, status__in=CallEntry.OPEN_STATUSES).update(
                status=CallEntry.Status.BARRED, next_call_at=None, claimed_by=None, claimed_at=None
            )
    return opt_out


def is_opt_out(text: str) -> bool:
    """Whether a reply asks to receive nothing more: TD, 退订, T, STOP… whatever the case, the spaces, full-width
    letters (ＴＤ) and punctuation around it."""
    folded = unicodedata.normalize("NFKC", text or "")
    word = "".join(ch for ch in folded if not ch.isspace() and not unicodedata.category(ch).startswith("P"))
    return word.upper() in OPT_OUT_WORDS


def handle_sms_reply(*, phone: str, text: str) -> bool:
    """Opt ``phone`` out when ``text`` says TD / 退订 (and the usual variants; ``campaigns.services.sms``).
    Returns whether it was an opt-out. The webhook stores and matches replies with ``receive_sms_replies``."""
    if not is_opt_out(text):
        return False
    record_opt_out(channel=OptOut.Channel.SMS, address=phone, source=OptOut.Source.SMS_REPLY, note=text[:300])
    return True

"""Pluggable SMS backends, chosen by ``settings.CRM["SMS_BACKEND"]`` (a dotted class path).

- ``ConsoleSmsBackend`` (default) writes messages to the log;
- ``FileSmsBackend`` appends them as JSON lines to a file under ``SMS_FILE_PATH``;
- ``HttpGatewaySmsBackend`` posts them to a JSON HTTP gateway (``SMS_GATEWAY_URL`` with the
  ``SMS_GATEWAY_KEY`` bearer token) — the shape most Chinese SMS platforms' REST APIs accept;
- ``AliyunSmsBackend`` sends like the HTTP gateway (through a relay at ``SMS_GATEWAY_URL``) and reads the
  reply ("SmsUp") and receipt ("SmsReport") pushes of Aliyun SMS.

Two-way SMS: the gateway calls our webhooks with the replies people send and the delivery receipts of our
messages. The backend knows its provider's format: ``parse_replies`` and ``parse_receipts`` read a webhook's
raw body (raising ``SmsPayloadError`` for anything else) and ``webhook_answer`` is what the provider expects
back. The generic JSON format (console, file and HTTP gateway backends):

- reply: ``{"id": "<the provider's message id>", "phone": "+86…", "text": "TD", "received_at": "<ISO 8601>"}``;
- receipt: ``{"id": "<the id the send returned>", "status": "delivered" | "failed", "code": "<provider code>",
  "at": "<ISO 8601>"}``;

either one object or a list of them. ``received_at`` and ``at`` are optional (the time the webhook is called).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    provider_id: str = ""
    error: str = ""


@dataclass(frozen=True)
class InboundSms:
    """A reply someone sent, as the provider reported it."""

    provider_id: str
    phone: str
    text: str
    received_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryReceipt:
    """What became of a message we sent (``provider_id``: the id its send returned)."""

    provider_id: str
    delivered: bool
    code: str = ""
    at: datetime | None = None


class SmsPayloadError(ValueError):
    """A webhook body that is not what the provider sends; the message says what is wrong."""


MAX_ITEMS = 500


def _json_items(body: bytes) -> list[Mapping[str, Any]]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SmsPayloadError("The body is not JSON.") from None
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > MAX_ITEMS:
        raise SmsPayloadError(f"Send between 1 and {MAX_ITEMS} items.")
    if not all(isinstance(item, dict) for item in items):
        raise SmsPayloadError("Each item must be a JSON object.")
    return items


def _text(item: Mapping[str, Any], key: str, *, max_length: int, required: bool = True) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise SmsPayloadError(f"'{key}' is missing.")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SmsPayloadError(f"'{key}' must be a string.")
    value = str(value).strip()
    if required and not value:
        raise SmsPayloadError(f"'{key}' is missing.")
    if len(value) > max_length:
        raise SmsPayloadError(f"'{key}' is longer than {max_length} characters.")
    return value


def _time(item: Mapping[str, Any], key: str, *, formats: tuple[str, ...] = ()) -> datetime | None:
    """An ISO 8601 time (or one of ``formats``, local time); None when absent."""
    raw = _text(item, key, max_length=40, required=False)
    if not raw:
        return None
    value = None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        for form in formats:
            try:
                value = datetime.strptime(raw, form)  # noqa: DTZ007 - made aware just below
                break
            except ValueError:
                continue
    if value is None:
        raise SmsPayloadError(f"'{key}' is not a time.")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class BaseSmsBackend:
    """Send one message to one phone (E.164). Must not raise for a refused message: return ok=False.

    Read the provider's webhooks (the generic JSON format of the module's docstring unless overridden)."""

    def send(self, *, phone: str, text: str) -> SmsResult:
        raise NotImplementedError

    def parse_replies(self, body: bytes) -> list[InboundSms]:
        return [
            InboundSms(
                provider_id=_text(item, "id", max_length=100),
                phone=_text(item, "phone", max_length=30),
                text=_text(item, "text", max_length=1000, required=False),
                received_at=_time(item, "received_at"),
            )
            for item in _json_items(body)
        ]

    def parse_receipts(self, body: bytes) -> list[DeliveryReceipt]:
        receipts = []
        for item in _json_items(body):
            status = _text(item, "status", max_length=20).lower()
            if status not in ("delivered", "failed"):
                raise SmsPayloadError("'status' must be 'delivered' or 'failed'.")
            receipts.append(
                DeliveryReceipt(
                    provider_id=_text(item, "id", max_length=100),
                    delivered=status == "delivered",
                    code=_text(item, "code", max_length=50, required=False),
                    at=_time(item, "at"),
                )
            )
        return receipts

    def webhook_answer(self) -> dict[str, Any]:
        """The body the provider expects when a webhook call was taken (a 200)."""
        return {"ok": True}


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, *, phone: str, text: str) -> SmsResult:
        logger.info("SMS to %s: %s", phone, text)
        return SmsResult(ok=True, provider_id=f"console-{uuid.uuid4().hex[:12]}")


class FileSmsBackend(BaseSmsBackend):
    def send(self, *, phone: str, text: str) -> SmsResult:
        folder = Path(settings.CRM["SMS_FILE_PATH"])
        folder.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid.uuid4().hex[:12]}"
        line = {"id": provider_id, "to": phone, "text": text, "at": timezone.now().isoformat()}
        with open(folder / f"{timezone.localdate():%Y-%m-%d}.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SmsResult(ok=True, provider_id=provider_id)


class HttpGatewaySmsBackend(BaseSmsBackend):
    """POST {"to", "text", "signature"} as JSON; a 2xx answer with {"id": …} means accepted."""

    timeout = 10

    def send(self, *, phone: str, text: str) -> SmsResult:
        url = settings.CRM["SMS_GATEWAY_URL"]
        if not url.startswith("https://") and not url.startswith("http://"):
            return SmsResult(ok=False, error="SMS gateway URL is not configured")
        body = json.dumps({"to": phone, "text": text, "signature": settings.CRM["SMS_SIGNATURE"]}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.CRM['SMS_GATEWAY_KEY']}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read().decode("utf-8") or "{}")
        except urllib.error.HTTPError as error:
            return SmsResult(ok=False, error=f"HTTP {error.code}")
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            return SmsResult(ok=False, error=str(error)[:300])
        return SmsResult(ok=True, provider_id=str(payload.get("id", ""))[:100])


class AliyunSmsBackend(HttpGatewaySmsBackend):
    """Aliyun SMS 阿里云短信: the HTTP push of replies ("SmsUp") and of receipts ("SmsReport"), each a JSON list.

    - SmsUp: ``[{"phone_number", "content", "send_time": "2026-03-10 10:00:00", "sign_name", "dest_code",
      "sequence_id"}]`` — ``sequence_id`` is the reply's unique id;
    - SmsReport: ``[{"phone_number", "success": true, "err_code": "DELIVERED", "err_msg", "biz_id", "out_id",
      "send_time", "report_time"}]`` — ``biz_id`` is the id the send returned.

    Aliyun expects ``{"code": 0, "msg": "成功"}`` back. Sending goes through the relay at ``SMS_GATEWAY_URL``
    (as ``HttpGatewaySmsBackend``); its answer's ``id`` is Aliyun's BizId.
    """

    TIME_FORMATS = ("%Y-%m-%d %H:%M:%S",)

    def parse_replies(self, body: bytes) -> list[InboundSms]:
        return [
            InboundSms(
                provider_id=_text(item, "sequence_id", max_length=100),
                phone=_text(item, "phone_number", max_length=30),
                text=_text(item, "content", max_length=1000, required=False),
                received_at=_time(item, "send_time", formats=self.TIME_FORMATS),
            )
            for item in _json_items(body)
        ]

    def parse_receipts(self, body: bytes) -> list[DeliveryReceipt]:
        receipts = []
        for item in _json_items(body):
            success = item.get("success")
            if not isinstance(success, bool):
                raise SmsPayloadError("'success' must be true or false.")
            receipts.append(
                DeliveryReceipt(
                    provider_id=_text(item, "biz_id", max_length=100),
                    delivered=success,
                    code=_text(item, "err_code", max_length=50, required=False),
                    at=_time(item, "report_time", formats=self.TIME_FORMATS),
                )
            )
        return receipts

    def webhook_answer(self) -> dict[str, Any]:
        return {"code": 0, "msg": "成功"}


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.CRM["SMS_BACKEND"])()

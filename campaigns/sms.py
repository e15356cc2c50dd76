"""Pluggable SMS backends, chosen by ``settings.CRM["SMS_BACKEND"]`` (a dotted class path).

- ``ConsoleSmsBackend`` (default) writes messages to the log;
- ``FileSmsBackend`` appends them as JSON lines to a file under ``SMS_FILE_PATH``;
- ``HttpGatewaySmsBackend`` posts them to a JSON HTTP gateway (``SMS_GATEWAY_URL`` with the
  ``SMS_GATEWAY_KEY`` bearer token) — the shape most Chinese SMS platforms' REST APIs accept.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    provider_id: str = ""
    error: str = ""


class BaseSmsBackend:
    """Send one message to one phone (E.164). Must not raise for a refused message: return ok=False."""

    def send(self, *, phone: str, text: str) -> SmsResult:
        raise NotImplementedError


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


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.CRM["SMS_BACKEND"])()

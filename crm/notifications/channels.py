"""The channels beyond the in-app inbox, each one call to its provider (no retries here: the caller,
``services.deliver``, retries with backoff and records the outcome).

The HTTP APIs, as their providers document them:
- WeCom group robot (企业微信群机器人): POST JSON {"msgtype": "text", "text": {"content": …}} to the webhook;
  the answer {"errcode": 0} means accepted.
- DingTalk group robot (钉钉自定义机器人): the same shape; with the "sign" (加签) security setting the URL
  carries ``timestamp`` (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))).
- WeCom application message (企业微信应用消息): GET /cgi-bin/gettoken?corpid=&corpsecret= for an
  access token (cached until shortly before it expires), then POST /cgi-bin/message/send?access_token=
  with ``enable_duplicate_check`` so that WeCom drops the same message sent again within the interval.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from crm.models import Delivery, Notification, User

Channel = Delivery.Channel

# WeCom drops an identical application message sent again within this many seconds (its maximum: 4 hours).
WECOM_DUPLICATE_CHECK_SECONDS = 4 * 60 * 60
WECOM_TOKEN_CACHE_KEY = "crm:wecom:access_token"  # noqa: S105 - a cache key, not a secret
WECOM_TOKEN_ERRORS = {40014, 42001}  # invalid / expired access token: fetch a new one


class NotSent(Exception):
    """The provider did not take the message; worth trying again later (timeouts, 5xx, error codes)."""


class CannotSend(Exception):
    """Sending cannot work until someone changes a setting (no address, no webhook): not retried."""


def _timeout() -> float:
    return float(settings.CRM["NOTIFY_HTTP_TIMEOUT_SECONDS"])


def _post_json(url: str, body: dict) -> dict:
    return _call(
        urllib.request.Request(  # noqa: S310 - the URL is the team's webhook, http(s) by the form's validation
            url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
    )


def _call(request: urllib.request.Request) -> dict:
    if not request.full_url.startswith(("https://", "http://")):
        raise CannotSend(f"not an http(s) address: {request.full_url[:60]}")
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as response:  # noqa: S310 - http(s) checked above
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        raise NotSent(f"HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise NotSent(f"no answer: {getattr(error, 'reason', error)}") from error
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as error:
        raise NotSent("the answer is not JSON") from error
    return answer if isinstance(answer, dict) else {}


def _check(answer: dict) -> None:
    code = answer.get("errcode", 0)
    if code != 0:
        raise NotSent(f"errcode {code}: {str(answer.get('errmsg', ''))[:200]}")


def message_text(notification: Notification) -> str:
    """What the chat or mail says: the text and the address that opens it (one per notification, which also
    makes each message distinct for WeCom's duplicate check)."""
    base = settings.CRM["SITE_URL"].rstrip("/")
    return f"{notification.text}\n{base}/notifications/{notification.pk}/"


def send_email(notification: Notification) -> None:
    recipient = notification.recipient
    if not recipient.email:
        raise CannotSend("the recipient has no e-mail address")
    try:
        send_mail(
            subject=f"{settings.CRM['PRODUCT_NAME']}: {notification.text[:80]}",
            message=message_text(notification) + "\n",
            from_email=settings.CRM["MAIL_FROM"],
            recipient_list=[recipient.email],
        )
    except OSError as error:  # SMTPException is an OSError
        raise NotSent(f"mail server: {error}") from error


def _mentions(recipient: User) -> list[str]:
    return [recipient.phone.as_national.replace(" ", "")] if recipient.phone else []


def send_wecom_robot(notification: Notification) -> None:
    team = notification.recipient.team
    if team is None or not team.wecom_robot_url:
        raise CannotSend("the team has no WeCom group robot")
    body = {
        "msgtype": "text",
        "text": {"content": message_text(notification), "mentioned_mobile_list": _mentions(notification.recipient)},
    }
    _check(_post_json(team.wecom_robot_url, body))


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """The webhook address with DingTalk's signature: timestamp in ms, HMAC-SHA256 of "timestamp\\nsecret"."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def send_dingtalk_robot(notification: Notification) -> None:
    team = notification.recipient.team
    if team is None or not team.dingtalk_robot_url:
        raise CannotSend("the team has no DingTalk group robot")
    body = {
        "msgtype": "text",
        "text": {"content": message_text(notification)},
        "at": {"atMobiles": _mentions(notification.recipient)},
    }
    _check(_post_json(dingtalk_signed_url(team.dingtalk_robot_url, team.dingtalk_robot_secret), body))


def wecom_app_configured() -> bool:
    crm = settings.CRM
    return bool(crm["WECOM_CORP_ID"] and crm["WECOM_CORP_SECRET"] and crm["WECOM_AGENT_ID"])


def _wecom_api(path: str) -> str:
    return settings.CRM["WECOM_API_URL"].rstrip("/") + path


def wecom_access_token(*, fresh: bool = False) -> str:
    """The application's access token, from the cache while it lasts (WeCom: 7200 s; we keep it 5 min less)."""
    token = None if fresh else cache.get(WECOM_TOKEN_CACHE_KEY)
    if token:
        return token
    query = urllib.parse.urlencode(
        {"corpid": settings.CRM["WECOM_CORP_ID"], "corpsecret": settings.CRM["WECOM_CORP_SECRET"]}
    )
    answer = _call(urllib.request.Request(_wecom_api(f"/cgi-bin/gettoken?{query}")))  # noqa: S310 - checked in _call
    _check(answer)
    token = str(answer.get("access_token", ""))
    if not token:
        raise NotSent("gettoken answered without a token")
    cache.set(WECOM_TOKEN_CACHE_KEY, token, max(60, int(answer.get("expires_in", 7200)) - 300))
    return token


def send_wecom_app(notification: Notification) -> None:
    recipient = notification.recipient
    if not wecom_app_configured():
        raise CannotSend("WeCom application messages are not set up")
    if not recipient.wecom_userid:
        raise CannotSend("the recipient has no WeCom user ID")
    body = {
        "touser": recipient.wecom_userid,
        "msgtype": "text",
        "agentid": int(settings.CRM["WECOM_AGENT_ID"]),
        "text": {"content": message_text(notification)},
        "enable_duplicate_check": 1,
        "duplicate_check_interval": WECOM_DUPLICATE_CHECK_SECONDS,
    }
    answer = _post_json(_wecom_api(f"/cgi-bin/message/send?access_token={wecom_access_token()}"), body)
    if answer.get("errcode") in WECOM_TOKEN_ERRORS:
        token = wecom_access_token(fresh=True)
        answer = _post_json(_wecom_api(f"/cgi-bin/message/send?access_token={token}"), body)
    _check(answer)


SENDERS: dict[str, Callable[[Notification], None]] = {
    Channel.EMAIL: send_email,
    Channel.WECOM_ROBOT: send_wecom_robot,
    Channel.DINGTALK_ROBOT: send_dingtalk_robot,
    Channel.WECOM_APP: send_wecom_app,
}
# A channel whose provider drops the same message sent twice: a send interrupted mid-way may be sent again.
DEDUPLICATED_BY_PROVIDER = frozenset({Channel.WECOM_APP})


def enabled_channels() -> frozenset[str]:
    """The channels this installation sends by (CRM_NOTIFY_CHANNELS; none by default, so CI sends nothing)."""
    return frozenset(settings.CRM["NOTIFY_CHANNELS"]) & frozenset(SENDERS)


def channels_open_to(user: User) -> dict[str, bool]:
    """For each channel: can it reach ``user`` now (enabled here, and the address it needs is known)?"""
    enabled = enabled_channels()
    team = user.team
    reachable: dict[str, bool] = {
        Channel.EMAIL: bool(user.email),
        Channel.WECOM_ROBOT: bool(team and team.wecom_robot_url),
        Channel.DINGTALK_ROBOT: bool(team and team.dingtalk_robot_url),
        Channel.WECOM_APP: wecom_app_configured() and bool(user.wecom_userid),
    }
    return {channel: channel in enabled and reachable[channel] for channel in SENDERS}

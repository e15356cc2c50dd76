"""Sign-in with WeCom (企业微信) or DingTalk (钉钉): OAuth 2 authorization-code clients of our own.

Off unless configured: a provider is offered on the login page only once its credentials are set
(``CRM_WECOM_CORP_ID`` + ``CRM_WECOM_AGENT_ID`` + ``CRM_WECOM_SECRET``; ``CRM_DINGTALK_CLIENT_ID`` +
``CRM_DINGTALK_CLIENT_SECRET``). The provider only says *who* the person is (a WeCom userid, a DingTalk
unionId); which user of ours that is, the administrator decides on the sign-in links page
(``User.wecom_userid`` / ``User.dingtalk_unionid``). Nobody is created from a provider's identity.

- WeCom web login: the browser goes to ``login.work.weixin.qq.com/wwlogin/sso/login`` (appid = corp id,
  agentid, redirect_uri, state) and comes back with ``code``; the corp's access token
  (``/cgi-bin/gettoken``, cached until shortly before it expires) turns the code into the userid
  (``/cgi-bin/auth/getuserinfo``).
- DingTalk: the browser goes to ``login.dingtalk.com/oauth2/auth`` and comes back with ``authCode``;
  ``POST api.dingtalk.com/v1.0/oauth2/userAccessToken`` turns it into the person's token, and
  ``GET /v1.0/contact/users/me`` gives the unionId.

Every failure of the provider (an error answer, a timeout, an answer that is not JSON) raises
``ProviderError`` with a message for the login page; the base URLs are settings so the tests point them at
a local fake of each provider.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError

logger = logging.getLogger(__name__)

WECOM = "wecom"
DINGTALK = "dingtalk"


class ProviderError(ApplicationError):
    default_message = _("The sign-in service did not answer as expected. Try again, or sign in with your password.")


@dataclass(frozen=True)
class Provider:
    name: str
    label: Any  # lazy translation
    user_field: str  # the field of User that holds this provider's identity


PROVIDERS = {
    WECOM: Provider(WECOM, _("WeCom"), "wecom_userid"),
    DINGTALK: Provider(DINGTALK, _("DingTalk"), "dingtalk_unionid"),
}


def is_configured(name: str) -> bool:
    sso = settings.CRM_SSO
    if name == WECOM:
        return bool(sso["WECOM_CORP_ID"] and sso["WECOM_AGENT_ID"] and sso["WECOM_SECRET"])
    if name == DINGTALK:
        return bool(sso["DINGTALK_CLIENT_ID"] and sso["DINGTALK_CLIENT_SECRET"])
    return False


def configured_providers() -> list[Provider]:
    return [provider for name, provider in PROVIDERS.items() if is_configured(name)]


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorize_url(*, name: str, redirect_uri: str, state: str) -> str:
    """Where the browser goes to sign in with the provider."""
    sso = settings.CRM_SSO
    if name == WECOM:
        query = {
            "login_type": "CorpApp",
            "appid": sso["WECOM_CORP_ID"],
            "agentid": sso["WECOM_AGENT_ID"],
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{sso['WECOM_LOGIN_URL'].rstrip('/')}/wwlogin/sso/login?{urlencode(query)}"
    query = {
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "client_id": sso["DINGTALK_CLIENT_ID"],
        "scope": "openid",
        "state": state,
        "prompt": "consent",
    }
    return f"{sso['DINGTALK_LOGIN_URL'].rstrip('/')}/oauth2/auth?{urlencode(query)}"


def _call(url: str, *, data: dict | None = None, headers: dict | None = None) -> tuple[int, Any]:
    """One request to a provider: (status, decoded JSON). A timeout, a refused connection or an answer that is
    not JSON raises ProviderError; an HTTP error status is returned with its body for the caller to read."""
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(  # noqa: S310 - the base URLs are our settings (https in production)
        url,
        data=body,
        headers={
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if body else {}),
            **(headers or {}),
        },
        method="POST" if body is not None else "GET",
    )
    timeout = settings.CRM_SSO["TIMEOUT_SECONDS"]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        logger.warning("sign-in provider unreachable: %s (%s)", url.split("?")[0], error)
        raise ProviderError(
            _("The sign-in service did not answer in time. Try again, or sign in with your password.")
        ) from error
    try:
        return status, json.loads(raw or b"null")
    except ValueError as error:
        logger.warning("sign-in provider answered %s with no JSON: %s", status, url.split("?")[0])
        raise ProviderError from error


# --- WeCom ---------------------------------------------------------------------------------------------

WECOM_TOKEN_CACHE_KEY = "crm:sso:wecom:token"  # noqa: S105 - a cache key, not a secret
# errcodes meaning the cached corp token is no longer valid: drop it and ask once more.
WECOM_TOKEN_INVALID = {40014, 42001}


def _wecom_token(*, fresh: bool = False) -> str:
    """The corp's access token (gettoken), cached until 5 minutes before it expires."""
    sso = settings.CRM_SSO
    token = None if fresh else cache.get(WECOM_TOKEN_CACHE_KEY)
    if token:
        return token
    query = urlencode({"corpid": sso["WECOM_CORP_ID"], "corpsecret": sso["WECOM_SECRET"]})
    status, answer = _call(f"{sso['WECOM_API_URL'].rstrip('/')}/cgi-bin/gettoken?{query}")
    if status != 200 or not isinstance(answer, dict) or answer.get("errcode", 0) != 0 or not answer.get("access_token"):
        logger.warning("WeCom gettoken refused: %s %s", status, answer)
        raise ProviderError
    token = answer["access_token"]
    try:
        lifetime = int(answer.get("expires_in") or 7200)
    except (TypeError, ValueError):
        lifetime = 7200
    cache.set(WECOM_TOKEN_CACHE_KEY, token, max(60, lifetime - 300))
    return token


def wecom_userid(*, code: str) -> str:
    """The WeCom userid of the person who signed in with ``code``."""
    sso = settings.CRM_SSO
    for attempt in (1, 2):
        query = urlencode({"access_token": _wecom_token(fresh=attempt == 2), "code": code})
        status, answer = _call(f"{sso['WECOM_API_URL'].rstrip('/')}/cgi-bin/auth/getuserinfo?{query}")
        if not isinstance(answer, dict) or status != 200:
            break
        errcode = answer.get("errcode", 0)
        if errcode in WECOM_TOKEN_INVALID and attempt == 1:
            cache.delete(WECOM_TOKEN_CACHE_KEY)
            continue
        if errcode == 0:
            userid = answer.get("userid") or answer.get("UserId") or ""
            if userid:
                return str(userid)
            # A person outside the corp gets an openid only: not one of ours.
            raise ProviderError(_("This WeCom account is not a member of the company's WeCom."))
        break
    logger.warning("WeCom getuserinfo refused: %s %s", status, answer)
    raise ProviderError(_("WeCom did not accept this sign-in (it may have expired). Try again."))


# --- DingTalk ------------------------------------------------------------------------------------------


def dingtalk_unionid(*, code: str) -> str:
    """The DingTalk unionId of the person who signed in with ``code``."""
    sso = settings.CRM_SSO
    api = sso["DINGTALK_API_URL"].rstrip("/")
    status, answer = _call(
        f"{api}/v1.0/oauth2/userAccessToken",
        data={
            "clientId": sso["DINGTALK_CLIENT_ID"],
            "clientSecret": sso["DINGTALK_CLIENT_SECRET"],
            "code": code,
            "grantType": "authorization_code",
        },
    )
    if status != 200 or not isinstance(answer, dict) or not answer.get("accessToken"):
        logger.warning("DingTalk userAccessToken refused: %s %s", status, answer)
        raise ProviderError(_("DingTalk did not accept this sign-in (it may have expired). Try again."))
    status, me = _call(f"{api}/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": answer["accessToken"]})
    if status != 200 or not isinstance(me, dict) or not me.get("unionId"):
        logger.warning("DingTalk users/me refused: %s %s", status, me)
        raise ProviderError
    return str(me["unionId"])


def identity_for(*, name: str, code: str) -> str:
    """The provider's identity of the person behind ``code`` (ProviderError when it cannot be had)."""
    if not code:
        raise ProviderError(_("The sign-in was cancelled or refused. Try again, or sign in with your password."))
    if name == WECOM:
        return wecom_userid(code=code)
    return dingtalk_unionid(code=code)

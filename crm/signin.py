"""Limits on signing in: who is locked out, who is slowed down, and how each door says so.

django-axes counts the failures and locks a username *from one address* after AXES_FAILURE_LIMIT
of them (AXES_LOCKOUT_PARAMETERS), so nobody can lock another person out by failing with their
username. What axes does not do is protect a username attacked from many addresses; for that,
``SignInSlowdownBackend`` slows the username down (never locks it): once its failures from all
addresses within the cool-off reach CRM_SIGNIN_SLOWDOWN_AFTER, each further attempt from an address
the owner has not signed in from must wait twice as long after the last failure as the one before
(1 s, 2 s, 4 s, … up to CRM_SIGNIN_SLOWDOWN_MAX_SECONDS). The owner's own addresses (a successful
sign-in within CRM_SIGNIN_KNOWN_ADDRESS_DAYS, from axes' access log) are not slowed at all.

A refused attempt answers 429 with Retry-After, on the pages (a translated page) and the API
(``{"detail": …}``) alike; its password is never checked.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from crm.errors import ApplicationError


class SignInRefused(ApplicationError):
    """An attempt to sign in that was not even checked; ``retry_after`` seconds until one may be."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind CRM_TRUSTED_PROXY_COUNT reverse proxies, the address the
    outermost of them saw (its entry of X-Forwarded-For; anything before it the client may have written)."""
    proxies = settings.CRM_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _seconds_until(moment) -> int:
    return max(0, math.ceil((moment - timezone.now()).total_seconds()))


def lockout_wait(*, username: str | None, address: str | None) -> int:
    """Seconds until ``username`` may try again from ``address`` (axes' cool-off runs from the last failure)."""
    last = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(last=Max("attempt_time"))
    if last["last"] is None:
        return 0
    return max(1, _seconds_until(last["last"] + get_cool_off()))


def sign_in_wait(*, username: str, address: str | None) -> int:
    """Seconds that an attempt to sign in as ``username`` from ``address`` must still wait (0: go ahead)."""
    now = timezone.now()
    attempts = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - get_cool_off()).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    excess = (attempts["failures"] or 0) - settings.CRM_SIGNIN_SLOWDOWN_AFTER
    if excess < 0:
        return 0
    known = AccessLog.objects.filter(
        username=username,
        ip_address=address,
        attempt_time__gte=now - timedelta(days=settings.CRM_SIGNIN_KNOWN_ADDRESS_DAYS),
    )
    if address and known.exists():
        return 0
    delay = min(settings.CRM_SIGNIN_SLOWDOWN_MAX_SECONDS, 2 ** min(excess, 32))
    return _seconds_until(attempts["last"] + timedelta(seconds=delay))


def note_api_sign_in(request: HttpRequest, *, username: str) -> None:
    """What axes does when a page signs in (AXES_RESET_ON_SUCCESS, its access log), for the token endpoint,
    which signs nobody into a session: the failures from this address are forgotten, and the address becomes
    one its owner has used (not slowed down later)."""
    address = client_address(request)
    AccessAttempt.objects.filter(username=username, ip_address=address).delete()
    AccessLog.objects.create(
        username=username,
        ip_address=address,
        user_agent=request.META.get("HTTP_USER_AGENT", "<unknown>")[:255],
        http_accept=request.META.get("HTTP_ACCEPT", "<unknown>")[:1025],
        path_info=request.path_info[:255],
    )


def locked_out_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins with this username from your address. Try again in %(minutes)s minute, "
        "or ask your administrator.",
        "Too many failed sign-ins with this username from your address. Try again in %(minutes)s minutes, "
        "or ask your administrator.",
        minutes,
    ) % {"minutes": minutes}


def slowed_down_message(seconds: int) -> str:
    return ngettext(
        "There have been many failed sign-ins with this username from other places, so it is slowed down for "
        "its protection. Try again in %(seconds)s second.",
        "There have been many failed sign-ins with this username from other places, so it is slowed down for "
        "its protection. Try again in %(seconds)s seconds.",
        seconds,
    ) % {"seconds": seconds}


class SignInSlowdownBackend:
    """Authentication backend that authenticates nobody: it refuses, before any password is checked, an
    attempt on a username under attack that comes too soon (see the module). Goes after axes' backend."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs):
        if request is None or not username:
            return None
        wait = sign_in_wait(username=username, address=client_address(request))
        if wait:
            raise SignInRefused(slowed_down_message(wait), retry_after=wait)
        return None

    # No get_user(): it signs nobody in, so no session may name it as its backend (force_login picks the
    # first backend that has one).


def refused_response(request: HttpRequest, refusal: SignInRefused) -> HttpResponse:
    """429 with Retry-After: JSON for the API, the translated page for everyone else."""
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": str(refusal.message)}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": refusal.message}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def lockout_refusal(request: HttpRequest, credentials: dict | None = None) -> SignInRefused:
    """Why axes refused this request (its username is locked from this address), and for how long."""
    wait = lockout_wait(username=get_client_username(request, credentials), address=client_address(request))
    return SignInRefused(locked_out_message(wait), retry_after=wait)


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a request axes found locked out."""
    return refused_response(request, lockout_refusal(request, credentials))

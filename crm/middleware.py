"""Middleware of the project: login required for pages, the session's idle and absolute limits, the second factor."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from crm.selectors import SECOND_FACTOR_NONE, SECOND_FACTOR_VERIFY, second_factor_due
from crm.signin import SignInRefused, refused_response

# Session keys, in epoch seconds: when this session signed in, and when it was last used.
LOGIN_AT = "crm_login_at"
LAST_SEEN = "crm_last_seen"
# last_seen is written at most this often, so that a busy user costs one session write a minute,
# not one per request; the idle limit is therefore exact to within this many seconds.
LAST_SEEN_RESOLUTION = 60


class PageLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login, except the API, which authenticates inside DRF.

    DRF resolves token authentication in the view, after middleware, so the API cannot be
    judged here; its default permission (IsAuthenticated) answers 401/403 instead of a redirect.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class SessionTimeoutMiddleware:
    """Signs a session out after CRM_SESSION_IDLE_TIMEOUT without a request, and in any case
    CRM_SESSION_ABSOLUTE_TIMEOUT after it signed in (ASVS 5.0 7.3.1 / 7.3.2).

    The times live in the session itself (login time and last request), so every session backend
    works and signing out on one phone does not touch the others. An expired session is flushed;
    then the request goes on as an anonymous one, so each door answers as it does to anybody signed
    out: a page redirects to the login page (which shows why, in the user's language), the API
    answers 403 JSON (the offline field app keeps its queue and sends it after the next login),
    public files such as the service worker are served. An htmx request gets an HX-Redirect to the
    login page instead of a partial.

    Must come after the session, locale, authentication and message middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session and (message := self._expiry(request.session)):
            logout(request)  # flushes the session on the server, not only the cookie
            if not _is_api(request):
                messages.warning(request, message)
                if request.headers.get("HX-Request") == "true":
                    return HttpResponseClientRedirect(redirect_to_login(_page_behind_htmx(request))["Location"])
        return self.get_response(request)

    def _expiry(self, session: SessionBase) -> str | None:
        """Why this signed-in session has expired, or None after noting this request as activity."""
        now = int(timezone.now().timestamp())
        if LOGIN_AT not in session or LAST_SEEN not in session:
            # Signed in before these limits were deployed: they start now.
            session.setdefault(LOGIN_AT, now)
            session[LAST_SEEN] = now
        idle_limit = int(settings.CRM_SESSION_IDLE_TIMEOUT.total_seconds())
        absolute_limit = int(settings.CRM_SESSION_ABSOLUTE_TIMEOUT.total_seconds())
        if now - session[LOGIN_AT] >= absolute_limit:
            return self._absolute_message(absolute_limit)
        if now - session[LAST_SEEN] >= idle_limit:
            return self._idle_message(idle_limit)
        if now - session[LAST_SEEN] >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now
        return None

    @staticmethod
    def _idle_message(seconds: int) -> str:
        minutes = max(1, seconds // 60)
        return ngettext(
            "You were signed out after %(minutes)s minute without activity. Please sign in again.",
            "You were signed out after %(minutes)s minutes without activity. Please sign in again.",
            minutes,
        ) % {"minutes": minutes}

    @staticmethod
    def _absolute_message(seconds: int) -> str:
        hours = max(1, seconds // 3600)
        return ngettext(
            "You have been signed in for %(hours)s hour, the longest a session may last. Please sign in again.",
            "You have been signed in for %(hours)s hours, the longest a session may last. Please sign in again.",
            hours,
        ) % {"hours": hours}


def stamp_login_time(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Receiver of Django's ``user_logged_in``: the session's limits start at the login.

    Django's own login event is the one place every way of signing in passes through (the login
    form, the admin's, a test's force_login), and it runs before the session is saved, so the
    times cost no extra write. Connected in ``CrmConfig.ready``.
    """
    if request is not None and hasattr(request, "session"):
        now = int(timezone.now().timestamp())
        request.session[LOGIN_AT] = now
        request.session[LAST_SEEN] = now


def _page_behind_htmx(request: HttpRequest) -> str:
    """The page the user is on (htmx names it), to come back to after signing in; else the start page."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    page = current.path + (f"?{current.query}" if current.query else "")
    same_site = url_has_allowed_host_and_scheme(
        request.headers.get("HX-Current-URL", ""), allowed_hosts={request.get_host()}, require_https=False
    )
    return page if current.path and same_site else "/"


# Session key: which second-factor step the login still owes (crm.selectors.second_factor_due).
SECOND_FACTOR_DUE = "crm_second_factor_due"


def note_second_factor_due(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Receiver of Django's ``user_logged_in``: decide once per login whether a second factor is due,
    so that the pages do not ask the database on every request. Connected in ``CrmConfig.ready``."""
    if request is not None and hasattr(request, "session"):
        request.session[SECOND_FACTOR_DUE] = second_factor_due(user=user)


class SecondFactorMiddleware:
    """After a password login, the pages wait for the second factor where one is due (ASVS 6.3.3).

    A user with two-step verification turned on is sent to the code page; a user whose role is in
    CRM_MFA_REQUIRED_ROLES and has no device yet is sent to the enrolment page. Until then only that
    page, logging out and the public pages answer; an htmx request gets an HX-Redirect there and the
    API a 403 JSON. Must come after the OTP and session-limit middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not request.user.is_authenticated:  # the session's user; the API's token users are judged by DRF
            return None
        # Public pages stay open; DRF marks every API view public too (it authenticates them itself).
        if getattr(view_func, "login_required", True) is False and not _is_api(request):
            return None
        due = request.session.get(SECOND_FACTOR_DUE)
        if due is None:  # signed in before this was deployed
            due = request.session[SECOND_FACTOR_DUE] = second_factor_due(user=request.user)
        if due == SECOND_FACTOR_NONE or request.user.is_verified():
            return None
        step = "mfa_verify" if due == SECOND_FACTOR_VERIFY else "mfa_setup"
        if request.resolver_match.view_name in ("logout", step):
            return None
        if _is_api(request):
            return JsonResponse({"detail": _("Two-step verification is needed: sign in on the web page.")}, status=403)
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(_with_next(reverse(step), _page_behind_htmx(request)))
        return redirect(_with_next(reverse(step), request.get_full_path()))


def _with_next(url: str, next_page: str) -> str:
    return f"{url}?{urlencode({'next': next_page})}"


class SignInRefusedMiddleware:
    """A page's sign-in refused before its password was checked (a username slowed down, crm.signin)
    answers 429 with Retry-After and a translated page; the API's token view answers for itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SignInRefused):
            return refused_response(request, exception)
        return None


class ApplicationErrorMiddleware:
    """A page view that lets a domain error escape (a bad ``?day=``, a broken rule) answers with its message,
    in the user's language, instead of a 500: 400 (403 for NotPermitted, 409 for Conflict). htmx requests
    get the alert partial; others a page. NotFound is answered as any missing page (handler404). The API has
    DRF's exception handler (``crm.api``) for the same."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        """A NUL character in the address is refused before any view reads it (PostgreSQL cannot store or
        compare it: every ``?q=`` would be a 500)."""
        from crm.htmx import render_error_page
        from crm.params import BadParameter

        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                error = BadParameter(name, _("The address may not contain NUL characters."))
                if _is_api(request):
                    return JsonResponse({name.replace("\x00", ""): [str(error.message)]}, status=400)
                return render_error_page(request, error, status=400)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from crm.errors import ApplicationError, Conflict, NotFound, NotPermitted
        from crm.htmx import render_error_page

        if not isinstance(exception, ApplicationError):
            return None
        if isinstance(exception, NotFound):
            # As for any missing page: handler404 (JSON under /api/), Django's debug page when DEBUG is on.
            return response_for_exception(request, exception)
        status = 403 if isinstance(exception, NotPermitted) else 409 if isinstance(exception, Conflict) else 400
        return render_error_page(request, exception, status=status)

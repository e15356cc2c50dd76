from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.defaults import page_not_found
from django.views.i18n import set_language as django_set_language
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from crm import sso
from crm.errors import ApplicationError
from crm.forms import OneTimeCodeForm, SignInLinksForm, TeamModesForm
from crm.health import broker_status, database_status
from crm.htmx import add_refusal_to_form
from crm.middleware import SECOND_FACTOR_DUE
from crm.models import Team, User
from crm.navigation import start_page_for
from crm.permissions import role_required
from crm.selectors import (
    SECOND_FACTOR_VERIFY,
    api_tokens_of,
    second_factor_due,
    sign_in_links,
    totp_device_of,
    user_for_sign_in,
)
from crm.services import (
    WrongCode,
    link_sign_in_identities,
    revoke_api_token,
    revoke_api_tokens,
    sign_out_everywhere,
    turn_on_two_step_verification,
    update_team_settings,
    verify_second_factor,
)
from crm.signin import lockout_refusal, refused_response


@require_GET
@role_required(User.Role.ADMIN)
def settings_home(request: HttpRequest) -> HttpResponse:
    """Everything the admin sets day to day, one click away: the pages are listed in the template by URL name
    (the wiring sees every app; this module imports none of them)."""
    return render(request, "crm/settings_home.html")


@require_http_methods(["GET", "POST"])
@role_required(User.Role.ADMIN)
def team_modes(request: HttpRequest) -> HttpResponse:
    """Each team's working modes, one form per team; a refused change is shown on its team's form."""
    teams = list(Team.objects.select_related("manager").order_by("name"))
    posted = request.POST.get("team") if request.method == "POST" else None
    forms = []
    for team in teams:
        prefix = f"team-{team.pk}"
        if posted == str(team.pk):
            form = TeamModesForm(request.POST, prefix=prefix)
            if form.is_valid():
                try:
                    update_team_settings(team_id=team.pk, changed_by=request.user, **form.cleaned_data)
                except ValidationError as error:
                    add_refusal_to_form(form, error, on_fields=True)
                else:
                    messages.success(request, _("%(team)s saved.") % {"team": team})
                    return redirect(f"{request.path}#team-{team.pk}")
        else:
            form = TeamModesForm(
                prefix=prefix, initial={name: getattr(team, name) for name in TeamModesForm.base_fields}
            )
        forms.append((team, form))
    return render(request, "crm/team_modes.html", {"teams": forms})


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    return redirect(start_page_for(request.user))


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, open to the login page too."""
    return django_set_language(request)


# --- two-step verification -----------------------------------------------------------------------

# Session key: the secret being set up, kept on the server until the user's app proves it has it.
MFA_SETUP_KEY = "crm_mfa_setup_key"


def _next_page(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("home")


@never_cache
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Turn on two-step verification (or move it to a new phone): scan the QR code, enter the code.

    The secret is made here and kept in the session; only a correct code from the app stores it.
    """
    form = OneTimeCodeForm(request.POST or None)
    key = request.session.get(MFA_SETUP_KEY)
    if request.method == "POST" and key and form.is_valid():
        try:
            device, codes = turn_on_two_step_verification(user=request.user, key=key, code=form.cleaned_data["code"])
        except WrongCode as error:
            form.add_error("code", error.message)
        else:
            del request.session[MFA_SETUP_KEY]
            otp_login(request, device)
            request.session[SECOND_FACTOR_DUE] = SECOND_FACTOR_VERIFY
            return render(request, "crm/mfa_backup_codes.html", {"codes": codes, "next": _next_page(request)})
    if key is None:
        key = request.session[MFA_SETUP_KEY] = default_key()
    device = TOTPDevice(user=request.user, name="authenticator", key=key)  # not saved: for its otpauth:// URL
    secret = b32encode(bytes.fromhex(key)).decode()
    context = {
        "form": form,
        "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "is_on": totp_device_of(user=request.user) is not None,
        "is_required": request.user.role in settings.CRM_MFA_REQUIRED_ROLES,
        "next": _next_page(request),
    }
    return render(request, "crm/mfa_setup.html", context)


@never_cache
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a backup code."""
    if request.user.is_verified() or second_factor_due(user=request.user) != SECOND_FACTOR_VERIFY:
        return redirect(_next_page(request))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = verify_second_factor(user=request.user, code=form.cleaned_data["code"])
        except WrongCode as error:
            form.add_error("code", error.message)
        else:
            request.session.cycle_key()  # a new session key for the stronger sign-in (ASVS 7.2.4)
            otp_login(request, device)
            return redirect(_next_page(request))
    return render(request, "crm/mfa_verify.html", {"form": form, "next": _next_page(request)})


# --- the user's own account: API tokens, password, signing out everywhere ---------------------------


@never_cache
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    """My account: who I am, my API tokens (each revocable), and "sign out everywhere"."""
    context = {
        "tokens": api_tokens_of(user=request.user),
        "token_days": settings.REST_KNOX["TOKEN_TTL"].days,
        "two_step_on": totp_device_of(user=request.user) is not None,
    }
    return render(request, "crm/profile.html", context)


@require_POST
def api_token_revoke(request: HttpRequest, digest: str) -> HttpResponse:
    token = get_object_or_404(api_tokens_of(user=request.user), digest=digest)
    revoke_api_token(token=token)
    messages.success(request, _("The API token was revoked: the app that used it must sign in again."))
    return redirect("profile")


@require_POST
def sign_out_everywhere_view(request: HttpRequest) -> HttpResponse:
    sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You were signed out on every device, and your API tokens were revoked."))
    return redirect("login")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page; a new password also revokes the user's API tokens (Django ends the other sessions)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        revoke_api_tokens(user=form.user)
        return response


# --- sign-in with WeCom / DingTalk (crm.sso) --------------------------------------------------------

# Session key: the pending provider sign-in, {"provider", "state", "next"}; taken (once) by the callback.
SSO_STATE = "crm_sso_state"


class LoginView(auth_views.LoginView):
    """Django's login page, with a button for each sign-in provider that is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = sso.configured_providers()
        return context


def _configured(provider: str) -> str:
    if not sso.is_configured(provider):
        raise Http404
    return provider


def _sso_refused(request: HttpRequest, message) -> HttpResponse:
    """Back to the login page, saying why (in the user's language)."""
    messages.error(request, message)
    return redirect("login")


@login_not_required
@never_cache
@require_GET
def sso_start(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the browser to the provider's sign-in, with a one-time ``state`` bound to this session (CSRF)."""
    _configured(provider)
    if request.user.is_authenticated:
        return redirect(_next_page(request))
    state = sso.new_state()
    request.session[SSO_STATE] = {"provider": provider, "state": state, "next": _next_page(request)}
    redirect_uri = settings.CRM["SITE_URL"].rstrip("/") + reverse(f"sso_done_{provider}")
    return redirect(sso.authorize_url(name=provider, redirect_uri=redirect_uri, state=state))


@login_not_required
@never_cache
@require_GET
def sso_done(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider sends the browser back here with a code: who is it, which of our users (linked by the admin),
    and then the same sign-in as with a password (lockout, access log, session limits, second factor)."""
    _configured(provider)
    pending = request.session.pop(SSO_STATE, None)  # one-time, whatever happens next
    given = request.GET.get("state", "")
    if (
        not isinstance(pending, dict)
        or pending.get("provider") != provider
        or not given
        or not constant_time_compare(given, pending.get("state", ""))
    ):
        return _sso_refused(
            request, _("This sign-in link is not valid or was already used. Start again from the login page.")
        )
    code = request.GET.get("code", "") if provider == sso.WECOM else request.GET.get("authCode", "")
    try:
        identity = sso.identity_for(name=provider, code=code or request.GET.get("code", ""))
        user = user_for_sign_in(provider=provider, identity=identity)
    except ApplicationError as error:
        return _sso_refused(request, error.message)
    credentials = {"username": user.username}
    if AxesProxyHandler.is_locked(request, credentials):
        return refused_response(request, lockout_refusal(request, credentials))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(pending.get("next") or resolve_url("home"))


@require_GET
@role_required(User.Role.ADMIN)
def sign_in_links_page(request: HttpRequest) -> HttpResponse:
    """The admin's list of people and their WeCom / DingTalk identities for signing in."""
    query = request.GET.get("q", "").strip()
    page = Paginator(sign_in_links(query=query), 50).get_page(request.GET.get("page"))
    context = {"page_obj": page, "q": query, "providers": sso.configured_providers()}
    return render(request, "crm/sign_in_links.html", context)


@require_http_methods(["GET", "POST"])
@role_required(User.Role.ADMIN)
def sign_in_link_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The admin links one person to their WeCom userid and DingTalk unionId (or unlinks them)."""
    person = get_object_or_404(User, pk=pk)
    initial = {"wecom_userid": person.wecom_userid, "dingtalk_unionid": person.dingtalk_unionid}
    form = SignInLinksForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            link_sign_in_identities(user_id=person.pk, changed_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(request, _("Sign-in links of %(name)s saved.") % {"name": person})
            return redirect("sign_in_links")
    return render(request, "crm/sign_in_link_form.html", {"form": form, "person": person})


@login_not_required
def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for an address nothing answers: JSON under /api/ (the API's own contract), the page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return page_not_found(request, exception)

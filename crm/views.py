from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language as django_set_language

from crm.health import broker_status, database_status
from crm.navigation import start_page_for
from crm.selectors import notifications_for
from crm.services import mark_notifications_read


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


def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; opening the page marks them read."""
    page = Paginator(notifications_for(user=request.user), 30).get_page(request.GET.get("page"))
    response = render(request, "crm/notification_list.html", {"page_obj": page})
    mark_notifications_read(recipient=request.user, ids=[notification.id for notification in page])
    return response

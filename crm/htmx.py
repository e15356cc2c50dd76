"""The one place where a domain error becomes a message on an htmx or plain page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from crm.errors import ApplicationError


def render_error(request: HttpRequest, error: ApplicationError, *, status: int = 400) -> HttpResponse:
    """For htmx requests: the message as an alert partial swapped into #messages; else a flash."""
    if getattr(request, "htmx", False):
        response = render(request, "components/error_alert.html", {"message": error.message}, status=status)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, error.message)
    return HttpResponse(status=status)


def render_error_page(request: HttpRequest, error: ApplicationError, *, status: int = 400) -> HttpResponse:
    """A whole page (or the htmx alert) with the message, for an error that stops the page itself (a bad address)."""
    if getattr(request, "htmx", False):
        return render_error(request, error, status=status)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(error.message), **error.extra}, status=status)
    return render(request, "400.html", {"message": error.message}, status=status)

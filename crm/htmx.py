"""The one place where a domain error becomes a message on an htmx or plain page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from crm.errors import ApplicationError, NotFound


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


# --- a service's refusal, answered the same way by every view ----------------------------------------

Refusal = ValidationError | ApplicationError


def refusal_message(error: Refusal) -> str:
    """What the user reads: an ApplicationError's message, a ValidationError's messages joined."""
    if isinstance(error, ApplicationError):
        return str(error.message)
    return " ".join(error.messages)


def add_refusal_to_form(form, error: Refusal, *, on_fields: bool = False) -> None:
    """A service's refusal shown on the form it came from. With ``on_fields``, a ValidationError's
    messages go on their fields when the form has them; otherwise the whole message is the form's."""
    if isinstance(error, NotFound):
        raise error  # not the form's fault: the 404 (ApplicationErrorMiddleware)
    if on_fields and isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            form.add_error(None, error.messages)
        return
    form.add_error(None, refusal_message(error))


def answers_refusals(
    view: Callable[..., HttpResponse] | None = None,
    *,
    status: int = 400,
    invalid_status: int = 400,
    redirect_to: str | None = None,
):
    """A view decorator: a ValidationError or ApplicationError escaping the view is answered with its message
    (render_error: the alert for htmx, else a flash), ``status`` for an ApplicationError and ``invalid_status``
    for a ValidationError. With ``redirect_to`` (a URL name) a plain request is sent there with the flash.
    NotFound goes on to the 404 (ApplicationErrorMiddleware)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise
            except (ValidationError, ApplicationError) as error:
                code = status if isinstance(error, ApplicationError) else invalid_status
                if redirect_to is not None and not getattr(request, "htmx", False):
                    messages.error(request, refusal_message(error))
                    return redirect(redirect_to)
                if not isinstance(error, ApplicationError):
                    error = ApplicationError(refusal_message(error))
                return render_error(request, error, status=code)

        return wrapped

    return decorate(view) if view is not None else decorate

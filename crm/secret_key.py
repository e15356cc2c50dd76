"""The secret key rule: with DEBUG off, nothing that serves or runs jobs starts without a real key.

The settings refuse a weak key outright. A *missing* key they leave empty, so that commands which sign
nothing (``makemigrations --check``, ``migrate``, ``check``) work in a bare checkout; the processes that
serve or run jobs (WSGI, ASGI, a Celery worker or beat) call ``require_secret_key`` as they start and
refuse, and anything else that reaches for the key meets Django's own "must not be empty" refusal.
"""

from __future__ import annotations

INSECURE_PREFIX = "django-insecure"
MESSAGE = (
    "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false: 50 or more random characters "
    "(for development on this machine, set DJANGO_DEBUG=true instead, as `make run` does)."
)


def is_weak(key: str) -> bool:
    """Django's deploy check's notion of a weak key: built-in, short, or made of few characters."""
    return key.startswith(INSECURE_PREFIX) or len(key) < 50 or len(set(key)) < 5


def require_secret_key() -> None:
    """Raise ImproperlyConfigured with MESSAGE when the settings were loaded with DEBUG off and the key is
    missing or weak. (Loaded, not ``settings.DEBUG`` now: test runners turn DEBUG off after loading.)"""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if not settings.CRM_SECRET_KEY_REQUIRED:
        return
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty key when it is read
        raise ImproperlyConfigured(MESSAGE) from None
    if is_weak(key):
        raise ImproperlyConfigured(MESSAGE)

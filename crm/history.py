"""Who made a change, for django-simple-history's record of it.

simple_history reads two private attributes of the instance being saved: ``_history_user`` (who) and
``_change_reason`` (why). They are set here, in one place, so services say what they mean and the type
checker sees no attribute that the models do not declare.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def record_change_by(instance: Model, user: Any = None, *, reason: Any = None) -> None:
    """The next save of ``instance`` is recorded as made by ``user`` (and why, when given). Without a
    user, simple_history takes the signed-in user of the request, as before."""
    if user is not None:
        setattr(instance, "_history_user", user)  # noqa: B010 - simple_history's private attribute
    if reason is not None:
        setattr(instance, "_change_reason", reason)  # noqa: B010

"""What a user may do with a customer they can already see (visibility itself is ``visible_to``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from crm.models import User


class Held(Protocol):
    """A customer, or a row read from one (the map's points): who holds it."""

    @property
    def owner_id(self) -> int | None: ...


def can_edit_customer(user: User) -> bool:
    return user.is_authenticated and (user.sees_everything or user.is_salesperson or user.is_manager)


def can_move_customer(user: User) -> bool:
    """Change a customer's territory or holder by hand, and work the "to be assigned" queue."""
    return user.is_authenticated and (user.sees_everything or user.is_manager)


def can_see_change_history(user: User) -> bool:
    return user.is_authenticated and (user.sees_everything or user.is_manager)


def can_place_pin(user: User, customer: Held) -> bool:
    """Move a customer's pin on the map (of a customer ``user`` sees): the salesperson who holds it, the
    managers (for their teams' customers, which is what they see) and the admin."""
    return pin_placer(user)(customer)


def pin_placer(user: User) -> Callable[[Held], bool]:
    """``can_place_pin`` with ``user``'s role read once: the map asks it of 2,000 markers, and each question
    to ``request.user`` (a lazy object) went through its proxy (30 ms of a manager's markers, issue #24)."""
    if not user.is_authenticated:
        return lambda customer: False
    if user.sees_everything or user.is_manager:
        return lambda customer: True
    if not user.is_salesperson:
        return lambda customer: False
    pk = user.pk
    return lambda customer: customer.owner_id == pk

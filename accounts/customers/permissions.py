"""What a user may do with a customer they can already see (visibility itself is ``visible_to``)."""

from __future__ import annotations

from crm.models import User


def can_edit_customer(user: User) -> bool:
    return user.is_authenticated and (user.sees_everything or user.is_salesperson or user.is_manager)


def can_move_customer(user: User) -> bool:
    """Change a customer's territory or holder by hand, and work the "to be assigned" queue."""
    return user.is_authenticated and (user.sees_everything or user.is_manager)


def can_see_change_history(user: User) -> bool:
    return user.is_authenticated and (user.sees_everything or user.is_manager)

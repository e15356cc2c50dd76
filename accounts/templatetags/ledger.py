"""Template filters of the ledger pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def negate(value: Decimal | None) -> Decimal | None:
    """The opposite amount: a balance below zero shown as the credit it is."""
    return None if value is None else -value

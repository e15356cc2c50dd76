"""Rate-table figures as the admin writes them: 1.05, not 1.0500; an empty part as a dash, never 0."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value: Decimal | None) -> str:
    """1.0500 → "1.05", 100000.00 → "100000", None → "—"."""
    if value is None:
        return "—"
    return format(value.normalize(), "f")

"""``{% trust_flags visit as flags %}``: why the manager's review flags a visit (visits.trust)."""

from __future__ import annotations

from django import template

from visits import trust

register = template.Library()


@register.simple_tag
def trust_flags(visit) -> list[trust.TrustFlag]:
    """The visit's flags, from its own columns and the list's annotations (visits.trust.with_trust): no query."""
    return trust.trust_flags(visit)


@register.filter
def distance(meters) -> str:
    """120 m, 18.6 km."""
    return "" if meters is None else trust.distance_text(meters)

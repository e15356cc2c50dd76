"""``{% visit_timeline customer %}``: the customer's visits, for the customer's page in accounts."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from visits.selectors import customer_timeline

register = template.Library()

TIMELINE_LENGTH = 20


@register.simple_tag(takes_context=True)
def visit_timeline(context, customer) -> str:
    """The latest visits the viewer may see (one query), with a link to log another."""
    request = context["request"]
    visits = list(customer_timeline(user=request.user, customer_id=customer.pk)[:TIMELINE_LENGTH])
    return render_to_string(
        "visits/visit_timeline.html#timeline",
        {"customer": customer, "page_obj": visits, "user": request.user},
        request=request,
    )

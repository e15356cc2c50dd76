"""``{% sms_history customer %}``: the SMS sent to the customer and their replies, for the customer's page in
accounts (which may not import campaigns)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from campaigns.selectors import customer_sms_history

register = template.Library()


@register.simple_tag(takes_context=True)
def sms_history(context, customer) -> str:
    """The latest messages and replies the viewer may see (two queries)."""
    request = context["request"]
    lines = customer_sms_history(user=request.user, customer_id=customer.pk)
    return render_to_string("campaigns/_sms_history.html", {"lines": lines}, request=request)

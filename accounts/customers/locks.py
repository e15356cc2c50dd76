"""Row locks of the accounts app, taken in one place so their order is known."""

from __future__ import annotations

from accounts.customers.models import Customer


def lock_customer(*, customer_id: int) -> Customer:
    """Lock the customer row until the transaction ends (edits, claims and assignments of one customer queue up)."""
    return Customer.objects.select_for_update().get(pk=customer_id)

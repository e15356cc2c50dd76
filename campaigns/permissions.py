"""What a user may do with a campaigns record they can already see (``visible_to`` decides that)."""

from __future__ import annotations

from accounts.customers.models import Customer
from campaigns.models import PhoneInquiry
from crm.models import User
from crm.permissions import has_role

Role = User.Role


def may_record_deal(user: User, inquiry: PhoneInquiry) -> bool:
    """Record the deal of an inquiry: its salesperson, a manager or an admin who sees the inquiry's customer.

    Never info staff, who see no deals (DESIGN §4). Whether the inquiry is still open to a deal is the
    service's rule (``record_deal_from_inquiry``), not a permission.
    """
    if not has_role(user, Role.SALESPERSON, Role.MANAGER, Role.ADMIN) or inquiry.customer_id is None:
        return False
    if user.is_salesperson and not user.sees_everything and user.pk != inquiry.salesperson_id:
        return False
    return Customer.objects.visible_to(user).filter(pk=inquiry.customer_id).exists()

from django.conf import settings
from django.http import HttpRequest

from crm.approvals.selectors import pending_approval_count
from crm.navigation import nav_items_for, start_page_for
from crm.selectors import unread_notification_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "product_name": settings.CRM["PRODUCT_NAME"]}
    return {
        "nav_items": nav_items_for(user),
        "product_name": settings.CRM["PRODUCT_NAME"],
        "unread_notifications": unread_notification_count(user=user),
        "pending_approvals": pending_approval_count(user=user),
        "start_page": start_page_for(user),
    }

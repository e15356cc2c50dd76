from django.conf import settings
from django.http import HttpRequest

from crm.navigation import menu_for, start_page_for
from crm.selectors import menu_counts


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "product_name": settings.CRM["PRODUCT_NAME"]}
    unread, pending = menu_counts(user=user)
    return {
        "menu": menu_for(user, request.path),
        "product_name": settings.CRM["PRODUCT_NAME"],
        "unread_notifications": unread,
        "pending_approvals": pending,
        "start_page": start_page_for(user),
    }

from django.conf import settings
from django.http import HttpRequest

from crm.navigation import menu_for
from crm.selectors import unread_notification_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "product_name": settings.CRM["PRODUCT_NAME"]}
    return {
        "menu": menu_for(user, request.path),
        "product_name": settings.CRM["PRODUCT_NAME"],
        "unread_notifications": unread_notification_count(user=user),
    }

from django.conf import settings
from django.http import HttpRequest

from crm.navigation import nav_items_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    items = nav_items_for(user) if user is not None and user.is_authenticated else []
    return {"nav_items": items, "product_name": settings.CRM["PRODUCT_NAME"]}

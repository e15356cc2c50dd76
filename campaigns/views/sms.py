"""Two-way SMS pages: the replies from numbers of no customer, for the desk."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns import selectors
from crm.models import User
from crm.permissions import role_required

PAGE_SIZE = 50


@role_required(User.Role.INFO_STAFF, User.Role.MANAGER, User.Role.ADMIN)
@require_GET
def sms_reply_list(request: HttpRequest) -> HttpResponse:
    """Replies from unknown numbers, newest first: the desk finds out whose they are (the replies of customers
    are on the customer's page and announced to their salesperson)."""
    page = Paginator(selectors.unmatched_sms_replies(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/smsreply_list.html", {"page_obj": page})

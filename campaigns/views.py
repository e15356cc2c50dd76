from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import User
from crm.permissions import role_required


@role_required(User.Role.INFO_STAFF, User.Role.MANAGER, User.Role.ADMIN)
def inquiry_desk(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/inquiry_desk.html")

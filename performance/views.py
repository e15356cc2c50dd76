from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import User
from crm.permissions import role_required


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def morning_meeting(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/morning_meeting.html")

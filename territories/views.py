from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import User
from crm.permissions import role_required


@role_required(User.Role.ADMIN)
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "territories/console.html")

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import User
from crm.permissions import role_required


@role_required(User.Role.SALESPERSON)
def today(request: HttpRequest) -> HttpResponse:
    return render(request, "visits/today.html")

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.dates import local_today
from crm.errors import ApplicationError
from crm.models import User
from crm.permissions import role_required
from performance.forms import TargetBreakdownForm
from performance.selectors import target_breakdown
from performance.services import set_targets


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def morning_meeting(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/morning_meeting.html")


def _month_from(value: str | None) -> date:
    """``YYYY-MM`` from the query string; this month when absent or malformed."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return local_today().replace(day=1)


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def target_breakdown_page(request: HttpRequest) -> HttpResponse:
    """The month's company target and its breakdown per salesperson; the admin edits it."""
    month = _month_from(request.GET.get("month"))
    breakdown = target_breakdown(month=month, viewer=request.user)
    can_edit = request.user.sees_everything
    form = TargetBreakdownForm(request.POST or None, breakdown=breakdown)
    if request.method == "POST":
        if not can_edit:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                set_targets(
                    month=month,
                    company_amount=form.cleaned_data["company_amount"],
                    salesperson_amounts=form.salesperson_amounts(),
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Targets for %(month)s saved.") % {"month": f"{month:%Y-%m}"})
                return redirect(f"{request.path}?month={month:%Y-%m}")
    return render(
        request,
        "performance/target_breakdown.html",
        {"breakdown": breakdown, "form": form, "can_edit": can_edit, "month": month},
    )

"""The churn list page 流失预警: each salesperson their customers at risk, managers their team's."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from campaigns.churn.models import ChurnRisk
from campaigns.churn.selectors import churn_risks_for
from crm.models import User
from crm.params import BadParameter
from crm.permissions import role_required

PAGE_SIZE = 25


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def churn_list(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason", "").strip()
    if reason and reason not in ChurnRisk.Reason.values:
        raise BadParameter("reason", _("Choose a reason from the list."))
    page = Paginator(churn_risks_for(viewer=request.user, reason=reason), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/churnrisk_list.html",
        {
            "page_obj": page,
            "reason": reason,
            "reasons": ChurnRisk.Reason.choices,
            "query_string": f"reason={reason}" if reason else "",
        },
    )

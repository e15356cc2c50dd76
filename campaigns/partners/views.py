"""Partner pages 合作伙伴: the list with each partner's quarter, a partner's page for the quarterly review,
create and edit (managers, info staff, admin)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from campaigns.partners import selectors
from campaigns.partners.forms import PartnerForm
from campaigns.partners.services import save_partner
from crm.dates import local_today
from crm.htmx import add_refusal_to_form
from crm.models import User
from crm.permissions import role_required

PAGE_SIZE = 25
EVERY_ROLE = (User.Role.SALESPERSON, User.Role.MANAGER, User.Role.INFO_STAFF, User.Role.ADMIN)
EDITORS = (User.Role.MANAGER, User.Role.INFO_STAFF, User.Role.ADMIN)


def _quarter(request: HttpRequest) -> selectors.Quarter:
    return selectors.quarter_param(request.GET.get("quarter", ""), default=selectors.quarter_of(local_today()))


@role_required(*EVERY_ROLE)
def partner_list(request: HttpRequest) -> HttpResponse:
    quarter = _quarter(request)
    page = Paginator(selectors.partners_for(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    results = selectors.partner_results(partner_ids=[partner.pk for partner in page], quarter=quarter)
    rows = [(partner, results[partner.pk]) for partner in page]
    return render(
        request,
        "campaigns/partner_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "quarter": quarter,
            "may_edit": request.user.role in EDITORS or request.user.is_superuser,
            "query_string": f"quarter={quarter}",
        },
    )


@role_required(*EVERY_ROLE)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(selectors.partners_for(viewer=request.user), pk=pk)
    quarter = _quarter(request)
    return render(
        request,
        "campaigns/partner_detail.html",
        {
            "partner": partner,
            "quarter": quarter,
            "results": selectors.partner_results(partner_ids=[partner.pk], quarter=quarter)[partner.pk],
            "leads": selectors.partner_leads(viewer=request.user, partner=partner),
            "deals": selectors.partner_deals(viewer=request.user, partner=partner, quarter=quarter),
            "events": selectors.partner_events(viewer=request.user, partner=partner),
            "may_edit": request.user.role in EDITORS or request.user.is_superuser,
        },
    )


@role_required(*EDITORS)
def partner_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    partner = get_object_or_404(selectors.partners_for(viewer=request.user), pk=pk) if pk else None
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_partner(data=form.cleaned_data, partner=partner)
        except ValidationError as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(request, _("Partner saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "campaigns/partner_form.html", {"form": form, "partner": partner})

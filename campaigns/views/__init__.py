"""Pages of the publicity desk. Thin: fetch through ``visible_to``, validate a form, call one service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.customers.duplicates.lookup import find_duplicates
from accounts.deals.forms import DealForm
from accounts.deals.models import Deal
from accounts.deals.selectors import products_for_entry
from accounts.deals.services import PriceDiffers, PriceNeedsApproval, deal_waits_message, price_warning
from campaigns import selectors, services
from campaigns.forms import (
    INQUIRY_STATUS_CHOICES,
    AssignForm,
    CampaignForm,
    CompetitorReportForm,
    DropForm,
    EventForm,
    InquiryForm,
    LeadForm,
    MailingForm,
    MappingForm,
    MaterialForm,
    UploadForm,
)
from campaigns.models import CampaignMaterial, Event, Mailing, OptOut, PhoneInquiry, ProspectImport
from campaigns.permissions import may_record_deal
from campaigns.segments import segments_for_list
from campaigns.services.imports import commit_progress_key
from campaigns.services.inquiries import InquiryDropped, InquiryHasDeal, InquiryWithoutCustomer
from campaigns.services.mailings import read_unsubscribe_token
from crm.errors import ApplicationError
from crm.htmx import add_refusal_to_form
from crm.media import DOWNLOAD, protected_file_response
from crm.models import User
from crm.permissions import has_role, role_required
from crm.spreadsheets import xlsx_response

PAGE_SIZE = 30
DESK_ROLES = (User.Role.INFO_STAFF, User.Role.MANAGER, User.Role.ADMIN)
Role = User.Role


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_error(form, error: Exception) -> None:
    add_refusal_to_form(form, error, on_fields=True)


# --- campaigns ------------------------------------------------------------------------------------


@role_required(*DESK_ROLES)
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.campaigns_for_list(user=request.user))
    return render(request, "campaigns/campaign_list.html", {"page_obj": page})


@role_required(*DESK_ROLES)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(
                created_by=request.user, data={**form.cleaned_data, "segment": form.segment()}
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect(campaign)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@role_required(*DESK_ROLES)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_for_list(user=request.user), pk=pk)
    segments = segments_for_list(user=request.user)
    material_form = MaterialForm()
    mailing_form = MailingForm(segments=segments)
    if request.method == "POST" and "file" in request.FILES:
        material_form = MaterialForm(request.POST, request.FILES)
        if material_form.is_valid():
            services.add_campaign_material(
                campaign=campaign,
                uploaded_by=request.user,
                title=material_form.cleaned_data["title"],
                file=material_form.cleaned_data["file"],
            )
            messages.success(request, _("Material attached."))
            return redirect(campaign)
    elif request.method == "POST":
        mailing_form = MailingForm(request.POST, segments=segments)
        if mailing_form.is_valid():
            try:
                mailing = services.create_mailing(
                    campaign=campaign, created_by=request.user, **mailing_form.cleaned_data
                )
            except ValidationError as error:
                _form_error(mailing_form, error)
            else:
                messages.success(request, _("Mailing prepared: check the recipients, then send it."))
                return redirect("campaigns:mailing_detail", pk=mailing.pk)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "materials": campaign.materials.all(),
            "mailings": selectors.mailings_of(campaign=campaign),
            "segment_size": selectors.segment_customers(campaign=campaign).count(),
            "material_form": material_form,
            "mailing_form": mailing_form,
        },
    )


@require_safe
def campaign_material(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's attached file, as a download (any file type may be attached), for the campaign desk."""
    material = get_object_or_404(CampaignMaterial.objects.visible_to(request.user), pk=pk)
    suffix = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else ""
    return protected_file_response(
        request,
        material.file,
        content_type=DOWNLOAD,
        download_name=f"{material.title}.{suffix}" if suffix else material.title,
    )


@role_required(*DESK_ROLES)
def campaign_results(request: HttpRequest) -> HttpResponse:
    per_campaign, per_channel = selectors.campaign_results(user=request.user)
    return render(
        request,
        "campaigns/campaign_results.html",
        {"per_campaign": per_campaign, "per_channel": per_channel},
    )


# --- mailings -------------------------------------------------------------------------------------


def _mailing_for(request: HttpRequest, pk: int) -> Mailing:
    return get_object_or_404(
        Mailing.objects.filter(campaign__in=selectors.campaigns_for_list(user=request.user)).select_related("campaign"),
        pk=pk,
    )


@role_required(*DESK_ROLES)
def mailing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing_for(request, pk)
    if request.method == "POST":
        try:
            services.send_mailing(mailing=mailing)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Sending started. Statuses update as messages go out."))
        return redirect("campaigns:mailing_detail", pk=mailing.pk)
    page = _page(request, selectors.delivery_log(mailing=mailing))
    counts = selectors.mailings_of(campaign=mailing.campaign).get(pk=mailing.pk)
    return render(request, "campaigns/mailing_detail.html", {"mailing": mailing, "page_obj": page, "counts": counts})


@role_required(*DESK_ROLES)
@require_GET
def mailing_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """Post labels / mailing list as .xlsx, streamed from a write-only workbook."""
    mailing = _mailing_for(request, pk)
    rows = (
        (recipient.name, recipient.address, recipient.get_status_display())
        for recipient in selectors.delivery_log(mailing=mailing).iterator(chunk_size=2000)
    )
    return xlsx_response(
        filename=f"mailing-{mailing.pk}.xlsx", header=[_("Unit name"), _("Address"), _("Status")], rows=rows
    )


@login_not_required
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every e-mail: GET asks for confirmation (mail scanners follow links), POST records it."""
    try:
        channel, address = read_unsubscribe_token(token)
    except (signing.BadSignature, KeyError, TypeError) as error:
        raise Http404 from error
    done = False
    if request.method == "POST":
        services.record_opt_out(channel=channel, address=address, source=OptOut.Source.UNSUBSCRIBE_LINK)
        done = True
    return render(request, "campaigns/unsubscribe.html", {"address": address, "done": done})


# --- imports --------------------------------------------------------------------------------------


@role_required(*DESK_ROLES)
def import_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaigns_for_list(user=request.user)
    form = UploadForm(request.POST or None, request.FILES or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        try:
            prospect_import = services.start_prospect_import(
                created_by=request.user,
                uploaded_file=form.cleaned_data["file"],
                campaign=form.cleaned_data["campaign"],
                partner=form.cleaned_data["partner"],
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            return redirect(prospect_import)
    page = _page(request, selectors.imports_for_list(user=request.user))
    return render(request, "campaigns/prospectimport_list.html", {"form": form, "page_obj": page})


def _import_for(request: HttpRequest, pk: int) -> ProspectImport:
    return get_object_or_404(selectors.imports_for_list(user=request.user).select_related("call_list"), pk=pk)


@role_required(*DESK_ROLES)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the columns, run the dry run, see the per-row errors, commit."""
    prospect_import = _import_for(request, pk)
    form = MappingForm(
        request.POST or None, headers=prospect_import.headers, initial_mapping=prospect_import.mapping_indexes
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_import_mapping(prospect_import=prospect_import, mapping=form.mapping())
            prospect_import = services.request_import_check(prospect_import=prospect_import)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return redirect(prospect_import)
    return render(request, "campaigns/prospectimport_detail.html", _import_context(prospect_import) | {"form": form})


@require_safe
def import_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The prospect list as it was uploaded, as a download, for those who see the import."""
    prospect_import = _import_for(request, pk)
    return protected_file_response(
        request, prospect_import.file, content_type=DOWNLOAD, download_name=prospect_import.original_name
    )


POSSIBLE_DUPLICATES_SHOWN = 200


def _import_context(prospect_import: ProspectImport) -> dict:
    committed = cache.get(commit_progress_key(prospect_import.pk)) if prospect_import.is_running else None
    imported = prospect_import.status == ProspectImport.Status.COMMITTED
    issue_counts = {}
    if prospect_import.call_list_id is not None and not prospect_import.is_running:
        issue_counts = selectors.import_issue_counts(prospect_import=prospect_import)
    return {
        "import": prospect_import,
        "issues": selectors.import_problems(prospect_import=prospect_import)[:100],
        "possible_duplicates": selectors.import_possible_duplicates(prospect_import=prospect_import)[
            :POSSIBLE_DUPLICATES_SHOWN
        ],
        "committed_so_far": committed,
        "positions": selectors.import_positions(prospect_import=prospect_import) if imported else None,
        "geocoder": settings.CRM["GEOCODER"],
        "issue_counts": issue_counts,
    }


@role_required(*DESK_ROLES)
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx poll target: the status card, re-rendered; it stops polling when the work is done."""
    prospect_import = _import_for(request, pk)
    if request.GET.get("part") == "positions":
        # The positions of an imported list, looked up in the background: polled while some wait.
        return render(request, "campaigns/prospectimport_detail.html#positions", _import_context(prospect_import))
    response = render(request, "campaigns/prospectimport_detail.html#status", _import_context(prospect_import))
    if not prospect_import.is_running and request.GET.get("was_running"):
        response["HX-Refresh"] = "true"  # show the results and the commit button
    return response


@role_required(*DESK_ROLES)
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the good rows; the possible duplicates ticked on the page (``same``) are skipped."""
    prospect_import = _import_for(request, pk)
    same = [int(value) for value in request.POST.getlist("same") if value.isdigit()]
    try:
        services.confirm_possible_duplicates(prospect_import=prospect_import, row_numbers=same)
        prospect_import = services.request_import_commit(prospect_import=prospect_import)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if prospect_import.status == ProspectImport.Status.COMMITTED and prospect_import.call_list_id:
            messages.success(
                request,
                _("%(count)s numbers added to the call list and split among its callers.")
                % {"count": prospect_import.created_count},
            )
            return redirect("campaigns:call_list_detail", pk=prospect_import.call_list_id)
        if prospect_import.status == ProspectImport.Status.COMMITTED:
            messages.success(
                request, _("%(count)s customers imported and routed.") % {"count": prospect_import.created_count}
            )
    return redirect(prospect_import)


@role_required(*DESK_ROLES)
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every issue of the dry run as .xlsx (row, kind, column, message, value), streamed."""
    prospect_import = _import_for(request, pk)
    rows = (
        (issue.row_number, issue.get_kind_display(), issue.column, issue.message, issue.value)
        for issue in selectors.import_issues(prospect_import=prospect_import).iterator(chunk_size=2000)
    )
    return xlsx_response(
        filename=f"import-{prospect_import.pk}-errors.xlsx",
        header=[_("Row"), _("Problem"), _("Column"), _("Message"), _("Value")],
        rows=rows,
    )


# --- phone inquiries ------------------------------------------------------------------------------


@role_required(*DESK_ROLES)
def inquiry_desk(request: HttpRequest) -> HttpResponse:
    """The info staff's desk: a keyboard-only form, live duplicate lookup, today's calls below."""
    campaigns = selectors.campaigns_for_list(user=request.user)
    form = InquiryForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inquiry = services.register_phone_inquiry(
                entered_by=request.user, data=data, campaign=data["campaign"], partner=data["partner"]
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            if inquiry.salesperson:
                messages.success(
                    request,
                    _("Inquiry saved and sent to %(salesperson)s (%(territory)s).")
                    % {"salesperson": inquiry.salesperson, "territory": inquiry.territory},
                )
            else:
                messages.warning(request, _("Inquiry saved. No territory matched: it waits in the managers' queue."))
            return redirect("campaigns:inquiry_desk")
    recent = selectors.inquiries_for_list(user=request.user).filter(entered_by=request.user)[:10]
    return render(request, "campaigns/inquiry_desk.html", {"form": form, "recent": recent})


@role_required(*DESK_ROLES, Role.SALESPERSON)
@require_GET
def inquiry_duplicates(request: HttpRequest) -> HttpResponse:
    """htmx, while the call is typed: the customers the caller may be (by phone, unit name as heard,
    address; details only for customers the user may see) and the caller's earlier calls."""
    query = request.GET
    bounded = {name: (query.get(name) or "")[:300] for name in ("phone", "unit_name", "district", "address")}
    candidates = find_duplicates(
        user=request.user,
        unit_name=bounded["unit_name"],
        phones=[bounded["phone"]] if bounded["phone"] else [],
        district=bounded["district"],
        address=bounded["address"],
    )
    previous = selectors.inquiries_for_list(user=request.user).filter(phone=_normalised(bounded["phone"]))[:5]
    return render(request, "campaigns/inquiry_desk.html#duplicates", {"candidates": candidates, "previous": previous})


def _normalised(phone: str | None) -> str:
    from crm.phones import normalise_phone

    return normalise_phone(phone) or "-"


def inquiry_list(request: HttpRequest) -> HttpResponse:
    inquiries = selectors.inquiries_for_list(user=request.user)
    status = request.GET.get("status", "")
    if status in PhoneInquiry.Status.values:
        inquiries = inquiries.filter(status=status)
    if request.GET.get("overdue"):
        inquiries = inquiries.filter(overdue_flagged_at__isnull=False, status=PhoneInquiry.Status.ASSIGNED)
    page = _page(request, inquiries)
    return render(
        request,
        "campaigns/phoneinquiry_list.html",
        {"page_obj": page, "status": status, "statuses": INQUIRY_STATUS_CHOICES, "query_string": f"status={status}"},
    )


def _inquiry_for(request: HttpRequest, pk: int) -> PhoneInquiry:
    return get_object_or_404(selectors.inquiries_for_list(user=request.user).select_related("customer"), pk=pk)


def _render_inquiry(
    request: HttpRequest,
    inquiry: PhoneInquiry,
    *,
    drop_form: DropForm | None = None,
    assign_form: AssignForm | None = None,
    deal_form: DealForm | None = None,
    price_note: str = "",
) -> HttpResponse:
    user = request.user
    may_work = user == inquiry.salesperson or has_role(user, Role.MANAGER, Role.ADMIN)
    open_to_deal = inquiry.deal_id is None and inquiry.status != PhoneInquiry.Status.DROPPED
    show_deal_form = open_to_deal and may_record_deal(user, inquiry)
    # Info staff see inquiries but no deals (DESIGN §4): the link shows only to those the deal is visible to.
    deal = Deal.objects.visible_to(user).filter(pk=inquiry.deal_id).first() if inquiry.deal_id else None
    return render(
        request,
        "campaigns/phoneinquiry_detail.html",
        {
            "inquiry": inquiry,
            "may_work": may_work and inquiry.status not in ("converted", "dropped"),
            "may_assign": has_role(user, Role.MANAGER, Role.ADMIN) and inquiry.status not in ("converted", "dropped"),
            "drop_form": drop_form or DropForm(),
            "assign_form": assign_form or AssignForm(),
            "deal_form": (deal_form or DealForm(products=products_for_entry())) if show_deal_form else None,
            "price_note": price_note,
            "deal": deal,
        },
    )


def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = _inquiry_for(request, pk)
    user = request.user
    may_work = user == inquiry.salesperson or has_role(user, Role.MANAGER, Role.ADMIN)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "visited" and may_work:
                services.mark_inquiry_visited(inquiry=inquiry)
            elif action == "drop" and may_work:
                drop_form = DropForm(request.POST)
                if not drop_form.is_valid():
                    raise ValidationError(drop_form.errors.get("reason", [_("Say why the inquiry is dropped.")]))
                services.drop_phone_inquiry(inquiry=inquiry, dropped_by=user, reason=drop_form.cleaned_data["reason"])
            elif action == "assign" and has_role(user, Role.MANAGER, Role.ADMIN):
                assign_form = AssignForm(request.POST)
                if not assign_form.is_valid():
                    raise ValidationError(_("Choose a salesperson."))
                services.assign_phone_inquiry(
                    inquiry=inquiry, salesperson=assign_form.cleaned_data["salesperson"], assigned_by=user
                )
            else:
                return HttpResponse(status=403)
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Inquiry updated."))
        return redirect(inquiry)
    return _render_inquiry(request, inquiry)


@require_POST
def inquiry_record_deal(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal that came of the inquiry: recorded for its customer and credited by attribution (DESIGN §4)."""
    inquiry = _inquiry_for(request, pk)
    if not may_record_deal(request.user, inquiry):
        raise PermissionDenied
    form = DealForm(request.POST, products=products_for_entry())
    price_note = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            deal = services.record_deal_from_inquiry(
                inquiry=inquiry,
                recorded_by=request.user,
                **form.deal_fields(),
                confirm_price=data["confirm_price"],
            )
        except PriceDiffers:
            price_note = price_warning(
                customer_id=inquiry.customer_id,
                product_id=data["product"].pk,
                on=data["issued_on"],
                amount=data["amount"],
            )
            form.add_error("confirm_price", _("Tick this box to keep an amount other than the agreed price."))
        except PriceNeedsApproval as refusal:
            # Below the customer's agreed price: the deal waits for the manager, sent from here as from the deal page.
            if not data["ask_approval"]:
                form.add_error("ask_approval", refusal.message)
            else:
                try:
                    approval = services.request_inquiry_deal_approval(
                        inquiry=inquiry,
                        requested_by=request.user,
                        **form.deal_fields(),
                    )
                except (InquiryDropped, InquiryHasDeal, InquiryWithoutCustomer) as error:
                    messages.error(request, error.message)
                    return redirect(inquiry)
                except (ApplicationError, ValidationError) as error:
                    _form_error(form, error)
                else:
                    messages.success(request, deal_waits_message(approval))
                    return redirect("approvals:detail", pk=approval.pk)
        except (InquiryDropped, InquiryHasDeal, InquiryWithoutCustomer) as error:
            # The inquiry no longer takes a deal: its page says why and shows what it has become.
            messages.error(request, error.message)
            return redirect(inquiry)
        except (ApplicationError, ValidationError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Deal %(number)s recorded.") % {"number": deal.number})
            if Deal.objects.visible_to(request.user).filter(pk=deal.pk).exists():
                return redirect(deal)
            return redirect(inquiry)
    inquiry.refresh_from_db()
    return _render_inquiry(request, inquiry, deal_form=form, price_note=price_note)


# --- events ---------------------------------------------------------------------------------------


def event_list(request: HttpRequest) -> HttpResponse:
    may_create = has_role(request.user, *DESK_ROLES)
    form = EventForm(request.POST or None)
    form.fields["campaign"].queryset = selectors.campaigns_for_list(user=request.user)
    if request.method == "POST":
        if not may_create:
            return HttpResponse(status=403)
        if form.is_valid():
            event = services.create_event(
                created_by=request.user, data=form.cleaned_data, staff=form.cleaned_data["staff"]
            )
            messages.success(request, _("Event saved."))
            return redirect(event)
    page = _page(request, selectors.events_for_list(user=request.user))
    return render(request, "campaigns/event_list.html", {"page_obj": page, "form": form, "may_create": may_create})


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The event and its quick lead form, made for a phone at the stand."""
    event: Event = get_object_or_404(selectors.events_for_list(user=request.user), pk=pk)
    form = LeadForm(request.POST or None, initial={"district": event.district})
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.register_phone_inquiry(entered_by=request.user, data=form.cleaned_data, event=event)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Lead saved and sent to %(salesperson)s.") % {"salesperson": inquiry.salesperson}
                if inquiry.salesperson
                else _("Lead saved. No territory matched: it waits in the managers' queue."),
            )
            return redirect(event)
    leads = event.leads.select_related("salesperson").order_by("-received_at")[:50]
    return render(request, "campaigns/event_detail.html", {"event": event, "form": form, "leads": leads})


# --- competitor intelligence ----------------------------------------------------------------------


def competitor_report_list(request: HttpRequest) -> HttpResponse:
    form = CompetitorReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_competitor(reported_by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Report saved. Thank you."))
            return redirect("campaigns:competitor_report_list")
    reports = selectors.competitor_reports_for_list(user=request.user)
    product = request.GET.get("product", "")
    if product:
        reports = reports.filter(product=product)
    return render(
        request,
        "campaigns/competitorreport_list.html",
        {
            "page_obj": _page(request, reports),
            "form": form,
            "products": selectors.competitor_products(user=request.user),
            "product": product,
            "query_string": f"product={product}",
        },
    )


@require_GET
def competitor_comparison(request: HttpRequest) -> HttpResponse:
    products = selectors.competitor_products(user=request.user)
    product = request.GET.get("product") or (products[0] if products else "")
    reports = selectors.competitor_comparison(user=request.user, product=product) if product else []
    return render(
        request,
        "campaigns/competitorreport_compare.html",
        {"products": products, "product": product, "reports": reports},
    )

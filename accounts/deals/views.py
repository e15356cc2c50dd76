"""Pages of deals, the customer ledger, receivables, renewals, agreed prices and the showcase flyer.

Thin: each fetches through ``visible_to`` (404 outside it), validates a form, calls one service.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.customers.models import Customer
from accounts.deals.forms import (
    CarryCreditForm,
    DealEditForm,
    DealForm,
    DeliveryForm,
    EntryForm,
    PriceAgreementForm,
    ReverseForm,
    ShowcasePhotoForm,
)
from accounts.deals.models import Deal, LedgerEntry, ShowcasePhoto
from accounts.deals.selectors import (
    agreed_prices_of,
    deal_credits,
    deal_for_detail,
    deal_ids_seen_by,
    deals_for_list,
    deals_seen_by,
    deals_to_carry_credit_to,
    deals_waiting_for_approval,
    instalments_of,
    ledger_of,
    ledger_summary,
    overdue_instalments,
    products_for_entry,
    receivables_by_salesperson,
    renewals_due,
    showcase_photos_of,
    won_deals_of,
)
from accounts.deals.services import (
    Overpayment,
    PriceDiffers,
    PriceNeedsApproval,
    add_showcase_photo,
    carry_credit,
    create_deal,
    deal_figures,
    deal_waits_message,
    price_warning,
    record_call,
    record_delivery,
    record_payment,
    record_refund,
    record_return,
    request_deal_price_approval,
    reverse_entry,
    set_price_agreement,
    update_deal,
)
from crm.dates import local_today
from crm.errors import ApplicationError
from crm.exports.views import export_response
from crm.images import clean_image
from crm.media import protected_file_response
from crm.models import User
from crm.params import id_param
from crm.permissions import role_required
from crm.replica import replica_view
from crm.spreadsheets import xlsx_response

Role = User.Role
DEAL_ROLES = (Role.SALESPERSON, Role.MANAGER, Role.ADMIN)
PAGE_SIZE = 30
CREDITS_SHOWN = 50


def _visible_customer(request: HttpRequest, pk) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


def _form_errors(form, error: ValidationError | ApplicationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    from crm.htmx import add_refusal_to_form

    add_refusal_to_form(form, error, on_fields=True)


def _can_see_history(user: User) -> bool:
    return user.sees_everything or user.is_manager


# --- deals ------------------------------------------------------------------------------------------


@role_required(*DEAL_ROLES)
def deal_list(request: HttpRequest) -> HttpResponse:
    # The ids once (one query), then the count and the page read the deals by primary key.
    deals = deals_for_list(user=request.user, deals=deals_seen_by(user=request.user)).order_by("-issued_on", "-id")
    status = request.GET.get("status", "")
    if status in Deal.Status.values:
        deals = deals.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        deals = deals.filter(Q(number__icontains=query) | Q(customer__unit_name__icontains=query))
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "statuses": Deal.Status.choices,
        "status": status,
        "q": query,
        "query_string": f"status={status}&q={query}",
    }
    template = (
        "accounts/deal_list.html#rows" if request.htmx and not request.htmx.boosted else "accounts/deal_list.html"
    )
    return render(request, template, context)


@role_required(*DEAL_ROLES)
def deal_create(request: HttpRequest) -> HttpResponse:
    """The deal form for one customer (``?customer=<id>``); without it, a search for the customer."""
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if not customer_id or not str(customer_id).isdigit():
        query = request.GET.get("q", "").strip()
        found = Customer.objects.visible_to(request.user).filter(unit_name__icontains=query)[:20] if query else []
        return render(request, "accounts/deal_customer_search.html", {"q": query, "customers": found})
    customer = _visible_customer(request, customer_id)
    products = products_for_entry()
    form = DealForm(request.POST or None, products=products)
    warning = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deal = create_deal(
                created_by=request.user,
                customer_id=customer.pk,
                **form.deal_fields(),
                confirm_price=data["confirm_price"],
            )
        except PriceNeedsApproval as refusal:
            if not data["ask_approval"]:
                form.add_error("ask_approval", refusal.message)
            else:
                try:
                    approval = request_deal_price_approval(
                        created_by=request.user,
                        customer_id=customer.pk,
                        **form.deal_fields(),
                    )
                except (ValidationError, ApplicationError) as error:
                    _form_errors(form, error)
                else:
                    messages.success(request, deal_waits_message(approval))
                    return redirect("approvals:detail", pk=approval.pk)
        except PriceDiffers:
            warning = price_warning(
                customer_id=customer.pk, product_id=data["product"].pk, on=data["issued_on"], amount=data["amount"]
            )
            form.add_error("confirm_price", _("Tick this box to keep an amount other than the agreed price."))
        except (ValidationError, ApplicationError) as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Deal %(number)s recorded.") % {"number": deal.number})
            return redirect(deal)
    waiting = deals_waiting_for_approval(customer=customer)
    context = {
        "form": form,
        "customer": customer,
        "warning": warning,
        "agreements": agreed_prices_of(customer=customer, on=local_today()),
        "waiting": waiting,
    }
    return render(request, "accounts/deal_form.html", context)


@require_GET
@role_required(*DEAL_ROLES)
def price_check(request: HttpRequest) -> HttpResponse:
    """htmx: the agreed-price warning for the customer, product and amount being typed."""
    customer = _visible_customer(request, id_param(request.GET, "customer") or 0)
    form = DealForm(request.GET, products=products_for_entry())
    form.is_valid()
    data = form.cleaned_data
    warning = ""
    if data.get("product") and data.get("amount") is not None:
        warning = price_warning(
            customer_id=customer.pk,
            product_id=data["product"].pk,
            on=data.get("issued_on") or local_today(),
            amount=data["amount"],
        )
    return render(request, "accounts/deal_form.html#price-warning", {"warning": warning})


@role_required(*DEAL_ROLES)
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(deal_for_detail(user=request.user), pk=pk)
    entries = (
        LedgerEntry.objects.filter(deal=deal)
        .select_related("created_by", "reverses")
        .select_related("reversed_by")
        .order_by("entry_on", "id")
    )
    history = []
    if _can_see_history(request.user):
        history = deal.history.select_related("history_user").order_by("-history_date")[:50]
    context = {
        "deal": deal,
        "figures": deal_figures(deal_id=deal.pk),
        "instalments": instalments_of(deal=deal),
        "entries": entries,
        "history": history,
        "today": local_today(),
        "delivery_form": DeliveryForm(),
        "reverse_form": ReverseForm(),
    }
    return render(request, "accounts/deal_detail.html", context)


@role_required(*DEAL_ROLES)
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(deal_for_detail(user=request.user), pk=pk)
    form = DealEditForm(request.POST or None, instance=deal, initial={"version": deal.version})
    if request.method == "POST" and form.is_valid():
        try:
            update_deal(
                deal_id=deal.pk, changed_by=request.user, version=form.cleaned_data["version"], data=form.cleaned_data
            )
        except (ValidationError, ApplicationError) as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Deal saved."))
            return redirect(deal)
    return render(request, "accounts/deal_edit.html", {"deal": deal, "form": form})


@require_POST
@role_required(*DEAL_ROLES)
def deal_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(Deal.objects.visible_to(request.user), pk=pk)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            record_delivery(deal_id=deal.pk, delivered_on=form.cleaned_data["delivered_on"], recorded_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Delivery recorded."))
    else:
        messages.error(request, _("Enter the delivery date."))
    return redirect(deal)


# Lazy: a module-level gettext would be translated once, at import, into the default language.
ENTRY_TITLES = {
    LedgerEntry.Kind.PAYMENT: gettext_lazy("Record a payment"),
    LedgerEntry.Kind.RETURN: gettext_lazy("Record a return"),
    LedgerEntry.Kind.REFUND: gettext_lazy("Record a refund"),
    LedgerEntry.Kind.CALL: gettext_lazy("Record a follow-up call"),
}


@role_required(*DEAL_ROLES)
def deal_entry_create(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Post a payment, return, refund or call to a deal. A payment above what is outstanding asks to confirm."""
    deal = get_object_or_404(deal_for_detail(user=request.user), pk=pk)
    if kind not in EntryForm.KINDS:
        raise PermissionDenied
    initial = {"idempotency_key": uuid.uuid4().hex}
    if kind == LedgerEntry.Kind.PAYMENT:
        next_instalment = deal.instalments.filter(collected__lt=F("amount")).order_by("sequence").first()
        if next_instalment is not None and next_instalment.outstanding:
            initial["amount"] = next_instalment.outstanding
    form = EntryForm(request.POST or None, kind=kind, initial=initial)
    needs_confirmation = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {"deal_id": deal.pk, "recorded_by": request.user, "note": data["note"]}
        key = data["idempotency_key"] or None
        try:
            if kind == LedgerEntry.Kind.PAYMENT:
                record_payment(
                    amount=data["amount"],
                    paid_on=data["entry_on"],
                    confirm_overpayment=data["confirm"],
                    idempotency_key=key,
                    **common,
                )
            elif kind == LedgerEntry.Kind.RETURN:
                record_return(amount=data["amount"], returned_on=data["entry_on"], idempotency_key=key, **common)
            elif kind == LedgerEntry.Kind.REFUND:
                record_refund(amount=data["amount"], refunded_on=data["entry_on"], idempotency_key=key, **common)
            else:
                record_call(
                    customer_id=deal.customer_id,
                    deal_id=deal.pk,
                    called_on=data["entry_on"],
                    recorded_by=request.user,
                    note=data["note"],
                )
        except Overpayment as error:
            needs_confirmation = True
            form.add_error("confirm", error.message)
        except ValidationError as error:
            for field in ("paid_on", "returned_on", "refunded_on", "called_on"):
                if hasattr(error, "error_dict") and field in error.error_dict:
                    error.error_dict["entry_on"] = error.error_dict.pop(field)
            _form_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Entry recorded."))
            return redirect(deal)
    context = {
        "deal": deal,
        "form": form,
        "kind": kind,
        "title": ENTRY_TITLES[kind],
        "figures": deal_figures(deal_id=deal.pk),
        "needs_confirmation": needs_confirmation,
    }
    return render(request, "accounts/ledgerentry_form.html", context)


@role_required(*DEAL_ROLES)
def deal_carry(request: HttpRequest, pk: int) -> HttpResponse:
    """Carry the deal's credit (money the customer has to get back) to another of the customer's deals."""
    deal = get_object_or_404(deal_for_detail(user=request.user), pk=pk)
    form = CarryCreditForm(
        request.POST or None, deals=deals_to_carry_credit_to(deal=deal), initial={"idempotency_key": uuid.uuid4().hex}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            carry_credit(
                deal_id=deal.pk,
                to_deal_id=data["to_deal"].pk,
                carried_by=request.user,
                amount=data["amount"],
                note=data["note"],
                idempotency_key=data["idempotency_key"] or None,
            )
        except (ValidationError, ApplicationError) as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Credit carried to %(number)s.") % {"number": data["to_deal"].number})
            return redirect(deal)
    context = {"deal": deal, "form": form, "figures": deal_figures(deal_id=deal.pk)}
    return render(request, "accounts/deal_carry.html", context)


@require_POST
@role_required(*DEAL_ROLES)
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an entry with a reversing one: managers, the admin, or whoever entered it."""
    entry = get_object_or_404(LedgerEntry.objects.visible_to(request.user).select_related("deal", "customer"), pk=pk)
    if not (_can_see_history(request.user) or entry.created_by_id == request.user.pk):
        raise PermissionDenied
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reverse_entry(entry_id=entry.pk, reversed_by=request.user, reason=form.cleaned_data["reason"])
        except (ApplicationError, ValidationError) as error:
            messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
        else:
            messages.success(request, _("Entry reversed."))
    else:
        messages.error(request, _("Say why the entry is being reversed."))
    if entry.deal_id:
        return redirect(entry.deal)
    return redirect("deals:customer_ledger", pk=entry.customer_id)


# --- the customer ledger ----------------------------------------------------------------------------


@role_required(*DEAL_ROLES)
def customer_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    page = Paginator(ledger_of(customer=customer), 50).get_page(request.GET.get("page"))
    context = {
        "customer": customer,
        "page_obj": page,
        "summary": ledger_summary(customer=customer),
        "credits": list(deal_credits(user=request.user, customer=customer)[:CREDITS_SHOWN]),
        "deals": customer.deals.select_related("product").order_by("-issued_on")[:20],
        "agreements": agreed_prices_of(customer=customer, on=local_today()),
    }
    return render(request, "accounts/ledgerentry_list.html", context)


@role_required(*DEAL_ROLES)
@replica_view
def customer_ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    rows = (
        (
            entry.entry_on,
            entry.get_kind_display() + (f" ({_('reversal')})" if entry.reverses_id else ""),
            entry.deal.number if entry.deal else "",
            str(entry.deal.product) if entry.deal else "",
            entry.amount,
            entry.effect,
            entry.balance,
            entry.note,
            str(entry.created_by),
        )
        for entry in ledger_of(customer=customer).iterator(chunk_size=2000)
    )
    header = [
        _("Date"),
        _("Kind"),
        _("Order or policy number"),
        _("Product"),
        _("Amount (CNY)"),
        _("Effect on the balance (CNY)"),
        _("Balance (CNY)"),
        _("Note"),
        _("Entered by"),
    ]
    return xlsx_response(
        filename=f"ledger-{customer.pk}-{local_today():%Y%m%d}.xlsx",
        sheet_title=customer.unit_name,
        header=header,
        rows=rows,
    )


# --- receivables and renewals -------------------------------------------------------------------------


@role_required(*DEAL_ROLES)
def receivables(request: HttpRequest) -> HttpResponse:
    today = local_today()
    # The ids of the deals the person sees, once (one query); the four reads below start from them, the
    # overdue instalments from the list itself (by the instalments' deal index).
    deal_ids = deal_ids_seen_by(user=request.user)
    deals = deals_seen_by(user=request.user, ids=deal_ids)
    teams = receivables_by_salesperson(user=request.user, today=today, deals=deals, deal_ids=deal_ids)
    overdue = overdue_instalments(user=request.user, today=today, deals=deals, deal_ids=deal_ids)
    paginator = Paginator(overdue, PAGE_SIZE)
    # The per-salesperson lines count the same overdue instalments: no second COUNT over the deals.
    paginator.count = sum(line.overdue_count for team in teams for line in team.lines)
    context = {
        "teams": teams,
        "page_obj": paginator.get_page(request.GET.get("page")),
        "today": today,
        "credits": list(deal_credits(user=request.user, deals=deals)[:CREDITS_SHOWN]),
    }
    return render(request, "accounts/instalment_receivables.html", context)


@role_required(*DEAL_ROLES)
@replica_view
def receivables_export(request: HttpRequest) -> HttpResponse:
    """The overdue instalments the person sees: at once when few, else written by a worker (My exports)."""
    return export_response(request, kind="overdue_instalments")


@role_required(*DEAL_ROLES)
def renewal_list(request: HttpRequest) -> HttpResponse:
    today = local_today()
    days = settings.CRM["RENEWAL_REMINDER_DAYS"]
    deals = deals_seen_by(user=request.user)  # the ids once: the count and the page read them by key
    page = Paginator(renewals_due(user=request.user, today=today, days=days, deals=deals), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/deal_renewals.html", {"page_obj": page, "today": today, "days": days})


# --- agreed prices and the showcase ---------------------------------------------------------------------


@role_required(*DEAL_ROLES)
def customer_prices(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    form = PriceAgreementForm(request.POST or None, products=products_for_entry())
    if request.method == "POST" and form.is_valid():
        try:
            set_price_agreement(customer_id=customer.pk, created_by=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Agreed price saved."))
            return redirect("deals:customer_prices", pk=customer.pk)
    context = {"customer": customer, "form": form, "agreements": agreed_prices_of(customer=customer)}
    return render(request, "accounts/priceagreement_list.html", context)


@role_required(*DEAL_ROLES)
def customer_showcase(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    form = ShowcasePhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            add_showcase_photo(
                customer_id=customer.pk,
                image=clean_image(data["image"]),
                added_by=request.user,
                consent=data["consent"],
                consent_by=data["consent_by"],
                consent_on=data["consent_on"],
                caption=data["caption"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Photo added."))
            return redirect("deals:customer_showcase", pk=customer.pk)
    context = {"customer": customer, "form": form, "photos": showcase_photos_of(user=request.user, customer=customer)}
    return render(request, "accounts/showcasephoto_list.html", context)


@role_required(*DEAL_ROLES)
def customer_flyer(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-page A4 flyer from a won customer's archive and photos, for visiting new customers."""
    customer = _visible_customer(request, pk)
    context = {
        "customer": customer,
        "deals": won_deals_of(customer=customer)[:5],
        "photos": showcase_photos_of(user=request.user, customer=customer)[:4],
        "back_url": reverse("deals:customer_showcase", kwargs={"pk": customer.pk}),
    }
    return render(request, "accounts/customer_flyer.html", context)


@require_safe
def showcase_photo_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo's file, only for those who see its customer (404 otherwise; media is never public)."""
    photo = get_object_or_404(ShowcasePhoto.objects.visible_to(request.user), pk=pk)
    return protected_file_response(request, photo.image)

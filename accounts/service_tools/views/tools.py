"""Pages of the service tools (服务职能): on-site quote and policy check-up.

Thin: customers, quotes and check-ups are fetched through ``visible_to`` (404 outside it); each page validates
a form and calls one service.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.customers.models import Customer
from accounts.service_tools.forms import CheckupForm, QuoteDealForm, QuoteForm
from accounts.service_tools.models import Coverage
from accounts.service_tools.selectors import (
    checkup_coverages,
    checkups_for_list,
    products_with_price_tables,
    quotes_for_list,
)
from accounts.service_tools.services import (
    convert_quote_to_deal,
    create_policy_checkup,
    create_quote,
    price_quote,
)
from crm.dates import local_today
from crm.errors import ApplicationError
from crm.models import User
from crm.permissions import role_required

Role = User.Role
SERVICE_ROLES = (Role.SALESPERSON, Role.MANAGER, Role.ADMIN)
PAGE_SIZE = 30


def _visible_customer(request: HttpRequest, pk) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


def _form_errors(form, error: ValidationError | ApplicationError) -> None:
    from crm.htmx import add_refusal_to_form

    add_refusal_to_form(form, error, on_fields=True)


def _customer_from_query(request: HttpRequest) -> Customer | None:
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if not customer_id or not str(customer_id).isdigit():
        return None
    return _visible_customer(request, customer_id)


@role_required(*SERVICE_ROLES)
def service_home(request: HttpRequest) -> HttpResponse:
    """Find the customer you are standing with, then quote or check their policies."""
    query = request.GET.get("q", "").strip()
    found = (
        Customer.objects.visible_to(request.user).filter(unit_name__icontains=query).order_by("unit_name")[:20]
        if query
        else []
    )
    context = {
        "q": query,
        "customers": found,
        "quotes": quotes_for_list(user=request.user).filter(created_by=request.user)[:5],
        "checkups": checkups_for_list(user=request.user).filter(created_by=request.user)[:5],
    }
    return render(request, "service_tools/customer_picker.html", context)


# --- quotes -------------------------------------------------------------------------------------------------


@role_required(*SERVICE_ROLES)
def quote_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(quotes_for_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service_tools/quote_list.html", {"page_obj": page})


@role_required(*SERVICE_ROLES)
def quote_create(request: HttpRequest) -> HttpResponse:
    """``?customer=<id>&product=<id>``: the inputs; "Calculate" shows the breakdown, "Save" keeps the quote."""
    customer = _customer_from_query(request)
    if customer is None:
        return redirect("service_tools:home")
    today = local_today()
    products = list(products_with_price_tables(on=today))
    product_id = request.GET.get("product") or request.POST.get("product")
    product = next((p for p in products if str(p.pk) == str(product_id)), None)
    if product is None and len(products) == 1:
        product = products[0]
    context: dict = {"customer": customer, "products": products, "product": product, "pricing": None}
    if product is None:
        return render(request, "service_tools/quote_form.html", context)
    form = QuoteForm(request.POST if request.method == "POST" else None, product=product)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        try:
            if request.POST.get("action") == "save":
                quote = create_quote(created_by=request.user, customer_id=customer.pk, product=product, **arguments)
                messages.success(request, _("Quote saved: ¥%(total)s.") % {"total": quote.total})
                return redirect(quote)
            context["pricing"] = price_quote(customer_id=customer.pk, product=product, on=today, **arguments)
        except ValidationError as error:
            _form_errors(form, error)
    template = "service_tools/quote_form.html"
    if request.htmx and not request.htmx.boosted and request.method == "POST":
        template += "#quote-inputs"
    return render(request, template, context)


@role_required(*SERVICE_ROLES)
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(quotes_for_list(user=request.user), pk=pk)
    return render(request, "service_tools/quote_detail.html", {"quote": quote})


@role_required(*SERVICE_ROLES)
def quote_present(request: HttpRequest, pk: int) -> HttpResponse:
    """The quote full screen for the customer: big numbers, printable."""
    quote = get_object_or_404(quotes_for_list(user=request.user), pk=pk)
    return render(request, "service_tools/quote_present.html", {"quote": quote})


@role_required(*SERVICE_ROLES)
def quote_deal(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(quotes_for_list(user=request.user), pk=pk)
    if quote.deal_id:
        return redirect(quote.deal)
    form = QuoteDealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deal = convert_quote_to_deal(quote_id=quote.pk, created_by=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Deal %(number)s recorded.") % {"number": deal.number})
            return redirect(deal)
    return render(request, "service_tools/quote_deal.html", {"quote": quote, "form": form})


# --- policy check-ups ----------------------------------------------------------------------------------------


@role_required(*SERVICE_ROLES)
def checkup_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(checkups_for_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service_tools/policycheckup_list.html", {"page_obj": page})


@role_required(*SERVICE_ROLES)
def checkup_create(request: HttpRequest) -> HttpResponse:
    customer = _customer_from_query(request)
    if customer is None:
        return redirect("service_tools:home")
    form = CheckupForm(request.POST if request.method == "POST" else None, coverages=list(checkup_coverages()))
    if request.method == "POST" and form.is_valid():
        try:
            checkup = create_policy_checkup(created_by=request.user, customer_id=customer.pk, policies=form.policies())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Check-up saved: %(score)s out of 100.") % {"score": checkup.score})
            return redirect(checkup)
    return render(request, "service_tools/policycheckup_form.html", {"customer": customer, "form": form})


def _checkup(request: HttpRequest, pk: int):
    checkups = checkups_for_list(user=request.user).prefetch_related("policies")
    return get_object_or_404(checkups, pk=pk)


@role_required(*SERVICE_ROLES)
def checkup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checkup = _checkup(request, pk)
    return render(request, "service_tools/policycheckup_detail.html", _report_context(checkup))


@role_required(*SERVICE_ROLES)
def checkup_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable report for the customer."""
    checkup = _checkup(request, pk)
    return render(request, "service_tools/policycheckup_report.html", _report_context(checkup))


def _report_context(checkup) -> dict:
    names = {str(rule["coverage_id"]): rule["coverage"] for rule in checkup.rules if rule.get("coverage_id")}
    missing = {key for policy in checkup.policies.all() for key in policy.sums} - set(names)
    if missing:
        names.update({str(pk): name for pk, name in _coverage_names(missing).items()})
    policies = [
        {"policy": policy, "sums": [(names.get(key, key), value) for key, value in policy.sums.items()]}
        for policy in checkup.policies.all()
    ]
    return {"checkup": checkup, "policies": policies}


def _coverage_names(ids) -> dict[int, str]:
    return dict(Coverage.objects.filter(pk__in=[int(pk) for pk in ids]).values_list("pk", "name"))

"""Customer pages: thin views over the selectors and services; everything starts from ``visible_to``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.customers import selectors, services
from accounts.customers.duplicates.lookup import find_duplicates
from accounts.customers.filters import CustomerFilter
from accounts.customers.forms import (
    AssignToTerritoryForm,
    ContactForm,
    CustomerCreateForm,
    CustomerEditForm,
    CustomerMoveForm,
    DuplicateLookupForm,
)
from accounts.customers.models import Customer
from accounts.customers.permissions import can_edit_customer, can_see_change_history
from crm.errors import ApplicationError
from crm.exports.views import export_response
from crm.htmx import add_refusal_to_form
from crm.media import protected_file_response
from crm.models import User
from crm.permissions import role_required
from crm.replica import replica_view

Role = User.Role
PAGE_SIZE = 25
LIST_ROLES = (Role.SALESPERSON, Role.MANAGER, Role.ADMIN)


def _filtered(request: HttpRequest) -> CustomerFilter:
    return CustomerFilter(
        request.GET or None, queryset=selectors.customers_for_list(user=request.user), request=request
    )


@require_GET
@role_required(*LIST_ROLES)
def customer_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    rows = filterset.rows_of(selectors.customer_rows_for_list())
    paginator = selectors.VisibleCustomerPaginator(rows, PAGE_SIZE, user=request.user)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "accounts/customer_list.html#results" if request.htmx else "accounts/customer_list.html"
    return render(request, template, {"filter": filterset, "page": page, "query": query.urlencode()})


@require_GET
@role_required(*LIST_ROLES)
@replica_view
def customer_export(request: HttpRequest) -> HttpResponse:
    """The list as the person sees it, with its filters: at once when short, else written by a worker."""
    return export_response(request, kind="customers")


@role_required(*LIST_ROLES)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(selectors.customer_for_detail(user=request.user), pk=pk)
    contact_form = ContactForm(request.POST or None)
    if request.method == "POST" and contact_form.is_valid():
        services.add_contact(customer=customer, data=contact_form.cleaned_data)
        messages.success(request, _("Contact added."))
        return redirect(customer)
    context = {
        "customer": customer,
        "contacts": selectors.contacts_of(customer=customer),
        "owner_changes": selectors.owner_history(customer=customer),
        "change_history": selectors.change_history(customer=customer) if can_see_change_history(request.user) else None,
        "contact_form": contact_form,
        "can_edit": can_edit_customer(request.user),
    }
    return render(request, "accounts/customer_detail.html", context, status=400 if contact_form.errors else 200)


@require_safe
def customer_business_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The business-card photo, only for those who see the customer (404 otherwise, as if missing)."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user).only("business_card"), pk=pk)
    return protected_file_response(request, customer.business_card)


@role_required(*LIST_ROLES)
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.register_customer(
                created_by=request.user,
                data=form.customer_data(),
                contacts=form.contacts(),
                business_card=form.cleaned_data.get("business_card_upload"),
                sources=form.sources(),
            )
        except (ValidationError, ApplicationError) as error:
            _add_errors(form, error)
        else:
            if selectors.customers_for_list(user=request.user).filter(pk=customer.pk).exists():
                messages.success(request, _("Customer registered."))
                return redirect(customer)
            messages.info(request, selectors.routed_elsewhere_message(customer))
            return redirect("accounts:customer_list")
    return render(request, "accounts/customer_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(*LIST_ROLES)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(selectors.customer_for_detail(user=request.user), pk=pk)
    form = CustomerEditForm(request.POST or None, request.FILES or None, instance=customer, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_customer(
                    customer_id=customer.pk,
                    changed_by=request.user,
                    version=form.cleaned_data["version"],
                    data=form.customer_data(),
                    business_card=form.cleaned_data.get("business_card_upload"),
                )
            except services.StaleCustomer as error:
                form.add_error(None, error.message)
                status = 409
            except (ValidationError, ApplicationError) as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Customer saved."))
                return redirect(customer)
        status = status if status != 200 else 400
    return render(request, "accounts/customer_form.html", {"form": form, "customer": customer}, status=status)


def _add_errors(form, error: ValidationError | ApplicationError) -> None:
    from crm.htmx import add_refusal_to_form

    add_refusal_to_form(form, error, on_fields=True)


@require_GET
@role_required(Role.SALESPERSON, Role.MANAGER, Role.INFO_STAFF, Role.ADMIN)
def customer_duplicates(request: HttpRequest) -> HttpResponse:
    """While typing (htmx, the registration form) or as info staff's lookup page: may this customer be
    registered already? The candidates with why each matches, as the user may see them."""
    form = DuplicateLookupForm(request.GET or None)
    candidates = None
    if form.is_valid() and form.has_input():
        data = form.cleaned_data
        candidates = find_duplicates(
            user=request.user,
            unit_name=data["unit_name"],
            phones=form.phones(),
            district=data["district"],
            address=data["address"],
            exclude_pk=data["customer_id"],
        )
    template = "accounts/customer_duplicates.html#matches" if request.htmx else "accounts/customer_duplicates.html"
    return render(request, template, {"form": form, "candidates": candidates}, status=400 if form.errors else 200)


@require_GET
@role_required(Role.MANAGER, Role.ADMIN)
def customer_unassigned(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.customers_to_be_assigned(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/customer_unassigned.html",
        {"page": page, "assign_form": AssignToTerritoryForm(user=request.user)},
    )


@require_POST
@role_required(Role.MANAGER, Role.ADMIN)
def customer_assign(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(selectors.customers_to_be_assigned(user=request.user), pk=pk)
    form = AssignToTerritoryForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a territory."))
        return redirect("accounts:customer_unassigned")
    try:
        services.assign_customer_to_territory(
            customer_id=customer.pk,
            territory=form.cleaned_data["territory"],
            assigned_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(customer)s assigned to %(territory)s.")
            % {"customer": customer.unit_name, "territory": form.cleaned_data["territory"]},
        )
    return redirect("accounts:customer_unassigned")


@require_GET
@role_required(*LIST_ROLES)
def customer_pool(request: HttpRequest) -> HttpResponse:
    pooled = (
        selectors.public_pool_for(user=request.user)
        .select_related("territory", "channel_type", "pooled_from")
        .order_by("-pooled_at", "pk")
    )
    page = Paginator(pooled, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/customer_pool.html", {"page": page})


@require_POST
@role_required(Role.SALESPERSON)
def customer_claim(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.public_pool_for(user=request.user).filter(pk=pk).exists():
        raise Http404
    try:
        customer = services.claim_from_pool(customer_id=pk, salesperson=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("accounts:customer_pool")
    messages.success(request, _("%(customer)s is now yours.") % {"customer": customer.unit_name})
    return redirect(customer)


@role_required(User.Role.SALESPERSON)
def customer_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the manager to move one of my customers to another salesperson."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    form = CustomerMoveForm(request.POST if request.method == "POST" else None, requester=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            approval = services.request_customer_move(
                customer_id=customer.pk,
                requester=request.user,
                to_owner_id=form.cleaned_data["to_owner"].pk,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, ApplicationError) as error:
            add_refusal_to_form(form, error, on_fields=True)
        else:
            messages.success(
                request,
                _("Move asked for: %(summary)s. Awaiting approval by %(name)s.")
                % {"summary": approval.summary, "name": approval.approver},
            )
            return redirect(customer)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/customer_move.html", {"customer": customer, "form": form}, status=status)

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from crm.errors import ApplicationError
from crm.htmx import render_error
from crm.models import User
from crm.permissions import role_required
from visits.models import QuotaShortfall
from visits.services import explain_shortfall, review_shortfall


@role_required(User.Role.SALESPERSON)
def today(request: HttpRequest) -> HttpResponse:
    return render(request, "visits/today.html")


def _shortfalls_for(user: User):
    # What needs the viewer's action comes first: explanations for salespeople, reviews for managers.
    first = QuotaShortfall.Review.AWAITING_EXPLANATION if user.is_salesperson else QuotaShortfall.Review.AWAITING_REVIEW
    return (
        QuotaShortfall.objects.visible_to(user)
        .select_related("salesperson", "reviewed_by")
        .annotate(needs_me=Case(When(status=first, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("needs_me", "-day", "salesperson__username")
    )


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def shortfall_list(request: HttpRequest) -> HttpResponse:
    """Shortfalls to explain (salesperson) or to review (manager), most urgent first."""
    page = Paginator(_shortfalls_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "visits/quotashortfall_list.html", {"page_obj": page})


def _row(request: HttpRequest, shortfall: QuotaShortfall) -> HttpResponse:
    return render(request, "visits/quotashortfall_list.html#shortfall-row", {"shortfall": shortfall})


@require_POST
@role_required(User.Role.SALESPERSON)
def shortfall_explain(request: HttpRequest, pk: int) -> HttpResponse:
    shortfall = get_object_or_404(QuotaShortfall.objects.visible_to(request.user), pk=pk)
    try:
        shortfall = explain_shortfall(
            shortfall=shortfall, salesperson=request.user, explanation=request.POST.get("explanation", "")
        )
    except ApplicationError as error:
        return render_error(request, error)
    return _row(request, shortfall)


@require_POST
@role_required(User.Role.MANAGER, User.Role.ADMIN)
def shortfall_review(request: HttpRequest, pk: int) -> HttpResponse:
    shortfall = get_object_or_404(QuotaShortfall.objects.visible_to(request.user), pk=pk)
    try:
        shortfall = review_shortfall(
            shortfall=shortfall,
            manager=request.user,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as error:
        return render_error(request, error)
    return _row(request, shortfall)

"""The admin's territory console: the tree, owners, unowned territories, history and reassignment."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.errors import ApplicationError
from crm.models import User
from crm.permissions import role_required
from territories import selectors, services
from territories.forms import AssignTerritoryForm, ReleaseTerritoryForm
from territories.models import Territory


@require_GET
@role_required(User.Role.ADMIN)
def console(request: HttpRequest) -> HttpResponse:
    territories = list(selectors.territories_with_owners(user=request.user))
    for territory in territories:
        territory.owner_assignment = territory.current_assignments[0] if territory.current_assignments else None
    unowned = [t for t in territories if t.kind == Territory.Kind.CHANNEL and t.is_active and not t.owner_assignment]
    context = {
        "territories": territories,
        "unowned": unowned,
        "salespeople": selectors.assignable_salespeople(),
    }
    return render(request, "territories/territory_console.html", context)


@require_POST
@role_required(User.Role.ADMIN)
def territory_assign(request: HttpRequest, pk: int) -> HttpResponse:
    territory = get_object_or_404(Territory.objects.visible_to(request.user), pk=pk)
    form = AssignTerritoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return redirect("territories:console")
    try:
        result = services.assign_territory(
            territory=territory,
            salesperson=form.cleaned_data["salesperson"],
            assigned_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("territories:console")
    moved = ", ".join(
        mover.label % {"count": count} for mover in services.OPEN_WORK_MOVERS if (count := result.moved.get(mover.name))
    )
    messages.success(
        request,
        _("%(territory)s now belongs to %(owner)s. Moved: %(moved)s.")
        % {"territory": territory, "owner": result.assignment.salesperson, "moved": moved or _("nothing")},
    )
    return redirect("territories:console")


@require_POST
@role_required(User.Role.ADMIN)
def territory_release(request: HttpRequest, pk: int) -> HttpResponse:
    territory = get_object_or_404(Territory.objects.visible_to(request.user), pk=pk)
    form = ReleaseTerritoryForm(request.POST)
    form.is_valid()
    services.end_territory_assignment(
        territory=territory, ended_by=request.user, reason=form.cleaned_data.get("reason", "")
    )
    messages.success(request, _("%(territory)s has no owner now.") % {"territory": territory})
    return redirect("territories:console")

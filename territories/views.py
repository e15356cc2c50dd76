"""The admin's territory console: the tree, owners, unowned territories, history and reassignment."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.errors import ApplicationError
from crm.models import User
from crm.permissions import role_required
from territories import selectors, services
from territories.forms import AssignTerritoryForm, ReleaseTerritoryForm
from territories.models import Territory

HISTORY_SHOWN = 10


@require_GET
@role_required(User.Role.ADMIN)
def console(request: HttpRequest) -> HttpResponse:
    territories = list(selectors.territories_with_owners(user=request.user))
    for territory in territories:
        territory.owner_assignment = territory.current_assignments[0] if territory.current_assignments else None
    unowned = [t for t in territories if t.kind == Territory.Kind.CHANNEL and t.is_active and not t.owner_assignment]
    return render(
        request,
        "territories/territory_console.html",
        {"territories": territories, "unowned": unowned, "queues": selectors.console_queues(user=request.user)},
    )


@require_GET
@role_required(User.Role.ADMIN)
def territory_owner(request: HttpRequest, pk: int) -> HttpResponse:
    """One territory's owner form and history: loaded into the console when the admin opens a territory
    (htmx), or a page of its own without JavaScript. The latest HISTORY_SHOWN changes, all with ``?all=1``."""
    territory = get_object_or_404(Territory.objects.visible_to(request.user).select_related("channel_type"), pk=pk)
    history = selectors.assignment_history(territory=territory)
    show_all = request.GET.get("all") == "1"
    shown = list(history if show_all else history[: HISTORY_SHOWN + 1])
    more = not show_all and len(shown) > HISTORY_SHOWN
    context = {
        "territory": territory,
        "owner_assignment": territory.assignments.current().select_related("salesperson").first(),
        "history": shown[:HISTORY_SHOWN] if more else shown,
        "more_history": more,
        "salespeople": selectors.assignable_salespeople(),
    }
    template = "territories/territory_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#owner-panel"
    return render(request, template, context)


def _back_to_console(territory: Territory) -> HttpResponse:
    return redirect(f"{reverse('territories:console')}#territory-{territory.pk}")


@require_POST
@role_required(User.Role.ADMIN)
def territory_assign(request: HttpRequest, pk: int) -> HttpResponse:
    territory = get_object_or_404(Territory.objects.visible_to(request.user), pk=pk)
    form = AssignTerritoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return _back_to_console(territory)
    try:
        result = services.assign_territory(
            territory=territory,
            salesperson=form.cleaned_data["salesperson"],
            assigned_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back_to_console(territory)
    moved = ", ".join(
        mover.label % {"count": count} for mover in services.OPEN_WORK_MOVERS if (count := result.moved.get(mover.name))
    )
    messages.success(
        request,
        _("%(territory)s now belongs to %(owner)s. Moved: %(moved)s.")
        % {"territory": territory, "owner": result.assignment.salesperson, "moved": moved or _("nothing")},
    )
    return _back_to_console(territory)


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
    return _back_to_console(territory)

"""The admin's territory console: the tree, owners, unowned territories, history and reassignment."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.errors import ApplicationError
from crm.htmx import add_refusal_to_form
from crm.models import User
from crm.params import id_param
from crm.permissions import role_required
from territories import selectors, services
from territories.forms import AssignTerritoryForm, ReleaseTerritoryForm, RoutingRuleForm
from territories.models import RoutingRule, Territory, TerritoryHandover

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
    _attach_handovers(territory, shown)
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


def _attach_handovers(territory: Territory, assignments: list) -> None:
    """Each assignment shown with what moved to its owner when it started (``moved_in``) and what went to the
    queue when it ended (``released``), from the territory's handovers: one query. A handover that moved
    nothing is not mentioned."""
    moments = {a.started_at for a in assignments} | {a.ended_at for a in assignments if a.ended_at}
    handovers = {
        (handover.kind, handover.changed_at): handover
        for handover in selectors.handover_history(territory=territory).filter(changed_at__in=moments)
    }
    for handover in handovers.values():
        handover.moved_text = services.describe_moved(handover.moved)  # empty: nothing moved, nothing said
    for assignment in assignments:
        assignment.moved_in = handovers.get((TerritoryHandover.Kind.REASSIGNED, assignment.started_at))
        assignment.released = handovers.get((TerritoryHandover.Kind.RELEASED, assignment.ended_at))


def _back_to_console(territory: Territory) -> HttpResponse:
    return redirect(f"{reverse('territories:console')}#territory-{territory.pk}")


def _show_preview(
    request: HttpRequest, preview: services.HandoverPreview, *, reason: str, outdated: bool = False
) -> HttpResponse:
    """What will move, with the confirmation bound to it (its token); nothing has changed yet."""
    parts = [
        {
            "name": mover.name,
            "label": mover.label % {"count": shown.count},
            "count": shown.count,
            "sample": shown.sample,
            "more": shown.count - len(shown.sample),
        }
        for mover, shown in preview.parts
    ]
    context = {
        "preview": preview,
        "territory": preview.territory,
        "parts": parts,
        "reason": reason,
        "outdated": outdated,
    }
    return render(request, "territories/territory_handover.html", context, status=409 if outdated else 200)


@require_http_methods(["GET", "POST"])
@role_required(User.Role.ADMIN)
def territory_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without a confirmation): what would move to the chosen owner, to confirm. POST with the
    preview's token: the reassignment, made only if what would move is still what was shown."""
    territory = get_object_or_404(Territory.objects.visible_to(request.user), pk=pk)
    form = AssignTerritoryForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return _back_to_console(territory)
    salesperson, reason, token = (form.cleaned_data[name] for name in ("salesperson", "reason", "preview"))
    try:
        if request.method == "GET" or not token:
            preview = services.preview_reassignment(territory=territory, to_user=salesperson)
            return _show_preview(request, preview, reason=reason)
        result = services.assign_territory(
            territory=territory,
            salesperson=salesperson,
            assigned_by=request.user,
            reason=reason,
            confirmed_preview=token,
        )
    except services.PreviewOutdated as outdated:
        messages.warning(request, outdated.message)
        return _show_preview(request, outdated.preview, reason=reason, outdated=True)
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back_to_console(territory)
    messages.success(
        request,
        _("%(territory)s now belongs to %(owner)s. Moved: %(moved)s.")
        % {
            "territory": territory,
            "owner": result.assignment.salesperson,
            "moved": services.describe_moved(result.moved) or _("nothing"),
        },
    )
    return _back_to_console(territory)


@require_http_methods(["GET", "POST"])
@role_required(User.Role.ADMIN)
def territory_release(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without a confirmation): what would go to the queue. POST with the token: the release."""
    territory = get_object_or_404(Territory.objects.visible_to(request.user), pk=pk)
    form = ReleaseTerritoryForm(request.POST if request.method == "POST" else request.GET)
    form.is_valid()
    reason, token = form.cleaned_data.get("reason", ""), form.cleaned_data.get("preview", "")
    try:
        if request.method == "GET" or not token:
            return _show_preview(request, services.preview_release(territory=territory), reason=reason)
        handover = services.end_territory_assignment(
            territory=territory, ended_by=request.user, reason=reason, confirmed_preview=token
        )
    except services.PreviewOutdated as outdated:
        messages.warning(request, outdated.message)
        return _show_preview(request, outdated.preview, reason=reason, outdated=True)
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back_to_console(territory)
    moved = services.describe_moved(handover.moved) if handover is not None else ""
    messages.success(
        request,
        _("%(territory)s has no owner now. To the queue: %(moved)s.")
        % {"territory": territory, "moved": moved or _("nothing")},
    )
    return _back_to_console(territory)


# --- routing rules ---------------------------------------------------------------------------------------------


def _rule_initial(rule: RoutingRule) -> dict:
    return {
        "district": rule.district,
        "channel_type": rule.channel_type_id,
        "territory": rule.territory_id,
        "priority": rule.priority,
        "is_active": rule.is_active,
    }


@require_http_methods(["GET", "POST"])
@role_required(User.Role.ADMIN)
def routing_rules(request: HttpRequest) -> HttpResponse:
    """The rules in the order they are tried, a form to add one and (``?edit=<id>``) the form of the one being
    changed: a fixed number of queries however many rules there are. A rule decides where the next customers
    and inquiries go; what is already routed stays."""
    rules = list(selectors.routing_rules())
    wanted = request.POST.get("rule", "") if request.method == "POST" else str(id_param(request.GET, "edit") or "")
    editing = next((rule for rule in rules if str(rule.pk) == wanted), None)
    if wanted and editing is None:
        messages.error(request, _("That rule no longer exists."))
        return redirect("territories:routing_rules")
    new_form = RoutingRuleForm(prefix="new")
    edit_form = RoutingRuleForm(prefix="edit", initial=_rule_initial(editing)) if editing else None
    if request.method == "POST":
        form = RoutingRuleForm(request.POST, prefix="edit" if editing else "new")
        if form.is_valid():
            try:
                saved = services.save_routing_rule(
                    changed_by=request.user, rule_id=editing.pk if editing else None, **form.cleaned_data
                )
            except ValidationError as error:
                add_refusal_to_form(form, error, on_fields=True)
            else:
                messages.success(request, _("Routing rule saved: %(rule)s.") % {"rule": saved})
                return redirect(f"{reverse('territories:routing_rules')}#rule-{saved.pk}")
        if editing:
            edit_form = form
        else:
            new_form = form
    context = {"rules": rules, "new_form": new_form, "editing": editing, "edit_form": edit_form}
    return render(request, "territories/routingrule_list.html", context)

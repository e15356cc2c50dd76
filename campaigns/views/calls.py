"""Telemarketing 电话营销 pages: call lists for the desk, and the caller's keyboard-only screen."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns import selectors, services
from campaigns.forms import (
    CallbackForm,
    CallersForm,
    CallListForm,
    CallListSettingsForm,
    InterestedForm,
    NoteForm,
    NumbersUploadForm,
)
from campaigns.models import CallEntry, CallList
from campaigns.segments import segments_for_list
from campaigns.services.calls import CallListClosed, NotOnYourScreen, current_call
from campaigns.views import DESK_ROLES, _form_error, _page
from crm.errors import ApplicationError
from crm.models import User
from crm.permissions import role_required
from territories.models import ChannelType

Outcome = CallEntry.Outcome
CALLER_ROLES = (User.Role.SALESPERSON,)


# --- the desk's call lists -------------------------------------------------------------------------


def _channel_types():
    return ChannelType.objects.filter(is_active=True).order_by("sort_order", "name")


def _chosen_channel(value: str | None) -> ChannelType | None:
    """The channel picked in the form, else the telemarketing channel of the settings."""
    channels = _channel_types()
    if value and str(value).isdigit():
        chosen = channels.filter(pk=int(value)).first()
        if chosen is not None:
            return chosen
    return channels.filter(code=settings.CRM["TELEMARKETING_CHANNEL_CODE"]).first()


@role_required(*DESK_ROLES)
def call_list_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.call_lists_for_list(user=request.user))
    return render(request, "campaigns/calllist_list.html", {"page_obj": page})


@role_required(*DESK_ROLES)
def call_list_create(request: HttpRequest) -> HttpResponse:
    """A new call list: its numbers from a segment (or files added afterwards), its channel and callers."""
    data = request.POST if request.method == "POST" else None
    channel = _chosen_channel((data or request.GET).get("channel_type"))
    segments = segments_for_list(user=request.user)
    initial = {"channel_type": channel.pk if channel else None}
    segment_id = request.GET.get("segment", "")
    if segment_id.isdigit():
        initial["segment"] = segments.filter(pk=int(segment_id)).values_list("pk", flat=True).first()
    form = CallListForm(
        data,
        initial=initial,
        segments=segments,
        campaigns=selectors.campaigns_for_list(user=request.user),
        channel_types=_channel_types(),
        callers=selectors.callers_of_channel(channel_type=channel) if channel else User.objects.none(),
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            call_list = services.create_call_list(
                created_by=request.user,
                name=values["name"],
                channel_type=values["channel_type"],
                callers=list(values["callers"]),
                script=values["script"],
                campaign=values["campaign"],
                segment=values["segment"],
                max_attempts=values["max_attempts"],
                retry_after_minutes=values["retry_after_minutes"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            if call_list.status == CallList.Status.BUILDING:
                messages.info(request, _("Call list saved. The segment's numbers are being added…"))
            else:
                messages.success(
                    request,
                    _("Call list saved with %(count)s numbers, split among %(callers)s callers.")
                    % {"count": call_list.build_summary.get("added", 0), "callers": len(values["callers"])},
                )
            return redirect(call_list)
    if request.htmx and request.method == "GET":
        # The channel changed: only the callers of the new channel are offered.
        return render(request, "campaigns/calllist_form.html#callers", {"form": form})
    return render(request, "campaigns/calllist_form.html", {"form": form}, status=400 if form.errors else 200)


def _call_list_for(request: HttpRequest, pk: int) -> CallList:
    return get_object_or_404(
        CallList.objects.visible_to(request.user).select_related("segment", "campaign", "channel_type"), pk=pk
    )


@role_required(*DESK_ROLES)
def call_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A call list: progress per caller, its callers (changing them splits the unworked numbers again), its
    script, numbers added from a file (the import's dry run), its numbers page by page."""
    call_list = _call_list_for(request, pk)
    callers = selectors.callers_of_channel(channel_type=call_list.channel_type)
    current_callers = list(call_list.caller_rows.filter(removed_at__isnull=True).values_list("caller_id", flat=True))
    callers_form = CallersForm(initial={"callers": current_callers}, callers=callers | _users(current_callers))
    settings_form = CallListSettingsForm(instance=call_list)
    upload_form = NumbersUploadForm()
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "callers":
            callers_form = CallersForm(request.POST, callers=callers | _users(current_callers))
            if callers_form.is_valid():
                services.set_call_list_callers(
                    call_list=call_list, callers=list(callers_form.cleaned_data["callers"]), changed_by=request.user
                )
                messages.success(request, _("Callers saved; the numbers not called yet were split again."))
                return redirect(call_list)
        elif action == "settings":
            settings_form = CallListSettingsForm(request.POST, instance=CallList.objects.get(pk=call_list.pk))
            if settings_form.is_valid():
                services.update_call_list(call_list=call_list, **settings_form.cleaned_data)
                messages.success(request, _("Call list saved."))
                return redirect(call_list)
        elif action == "upload":
            upload_form = NumbersUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                prospect_import = services.start_prospect_import(
                    created_by=request.user,
                    uploaded_file=upload_form.cleaned_data["file"],
                    campaign=call_list.campaign,
                    call_list=call_list,
                )
                return redirect(prospect_import)
        elif action == "close":
            services.close_call_list(call_list=call_list)
            messages.success(request, _("Call list closed: none of its numbers is offered any more."))
            return redirect(call_list)
        elif action is not None:
            return HttpResponse(status=400)
    except CallListClosed as error:
        messages.error(request, error.message)
        return redirect(call_list)
    except (ValidationError, ApplicationError) as error:
        forms = {"callers": callers_form, "upload": upload_form}
        _form_error(forms.get(action or "", settings_form), error)
    status = request.GET.get("status", "")
    progress = selectors.call_list_progress(call_lists=CallList.objects.filter(pk=call_list.pk))
    return render(
        request,
        "campaigns/calllist_detail.html",
        {
            "call_list": call_list,
            "progress": progress[0] if progress else None,
            "callers_form": callers_form,
            "settings_form": settings_form,
            "upload_form": upload_form,
            "imports": call_list.imports.order_by("-created_at")[:10],
            "page_obj": _page(request, selectors.call_entries_of(call_list=call_list, status=status)),
            "status": status,
            "statuses": CallEntry.Status.choices,
            "query_string": f"status={status}",
        },
        status=400 if action else 200,
    )


def _users(ids: list[int]):
    return User.objects.filter(pk__in=ids)


# --- the caller's screen -----------------------------------------------------------------------------


def _render_desk(
    request: HttpRequest,
    *,
    callback_form: CallbackForm | None = None,
    interested_form: InterestedForm | None = None,
    open_panel: str = "",
    status: int = 200,
) -> HttpResponse:
    entry = current_call(caller=request.user)
    interested_initial = {}
    if entry is not None:
        interested_initial = {
            "name": entry.name,
            "unit_name": entry.unit_name,
            "district": entry.district,
            "address": entry.address,
            "business_type": entry.business_type,
        }
    return render(
        request,
        "campaigns/call_desk.html",
        {
            "entry": entry,
            "queue": selectors.caller_queue(caller=request.user),
            "calls": list(selectors.calls_of_entry(entry=entry)) if entry else [],
            "callback_form": callback_form or CallbackForm(),
            "interested_form": interested_form or InterestedForm(initial=interested_initial),
            "note_form": NoteForm(),
            "outcomes": Outcome,
            "open_panel": open_panel,
        },
        status=status,
    )


@role_required(*CALLER_ROLES)
def call_desk(request: HttpRequest) -> HttpResponse:
    """The caller's screen, made for the keyboard: N takes the next number, 1–6 say what came of the call."""
    return _render_desk(request)


@role_required(*CALLER_ROLES)
@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    if services.next_call(caller=request.user) is None:
        messages.info(request, _("Nothing to call now."))
    return redirect("campaigns:call_desk")


def _saved_message(entry: CallEntry) -> str:
    if entry.outcome == Outcome.INTERESTED and entry.inquiry is not None:
        inquiry = entry.inquiry
        if inquiry.salesperson is not None:
            return _("Interested: the inquiry went to %(salesperson)s (%(territory)s).") % {
                "salesperson": inquiry.salesperson,
                "territory": inquiry.territory,
            }
        return _("Interested: no territory matched, the inquiry waits in the managers' queue.")
    if entry.status == CallEntry.Status.RETRY and entry.next_call_at:
        return _("No answer: called again after %(time)s.") % {
            "time": timezone.localtime(entry.next_call_at).strftime("%H:%M")
        }
    if entry.status == CallEntry.Status.CALLBACK and entry.next_call_at:
        return _("Call back at %(time)s.") % {"time": timezone.localtime(entry.next_call_at).strftime("%Y-%m-%d %H:%M")}
    if entry.status == CallEntry.Status.BARRED:
        return _("Do not call: this number is offered on no list and sent no SMS again.")
    return _("Saved: %(outcome)s.") % {"outcome": entry.get_outcome_display()}


@role_required(*CALLER_ROLES)
@require_POST
def call_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """What came of the call of the number on the screen (one service for every outcome, as the API)."""
    entry = get_object_or_404(CallEntry.objects.visible_to(request.user), pk=pk)
    outcome = request.POST.get("outcome", "")
    if outcome not in Outcome.values:
        messages.error(request, _("Choose what came of the call."))
        return redirect("campaigns:call_desk")
    callback_form = interested_form = None
    values: dict = {}
    if outcome == Outcome.CALLBACK:
        callback_form = CallbackForm(request.POST)
        if not callback_form.is_valid():
            return _render_desk(request, callback_form=callback_form, open_panel="callback", status=400)
        values = {"callback_at": callback_form.cleaned_data["callback_at"], "note": callback_form.cleaned_data["note"]}
    elif outcome == Outcome.INTERESTED:
        interested_form = InterestedForm(request.POST)
        if not interested_form.is_valid():
            return _render_desk(request, interested_form=interested_form, open_panel="interested", status=400)
        values = {"details": interested_form.details()}
    else:
        note_form = NoteForm(request.POST)
        values = {"note": note_form.cleaned_data["note"] if note_form.is_valid() else ""}
    try:
        entry = services.record_call_outcome(caller=request.user, entry_id=entry.pk, outcome=outcome, **values)
    except NotOnYourScreen as error:
        messages.error(request, error.message)
        return redirect("campaigns:call_desk")
    except ValidationError as error:
        if outcome == Outcome.INTERESTED:
            interested_form = interested_form or InterestedForm(request.POST)
            _form_error(interested_form, error)
            return _render_desk(request, interested_form=interested_form, open_panel="interested", status=400)
        callback_form = callback_form or CallbackForm(request.POST)
        _form_error(callback_form, error)
        return _render_desk(request, callback_form=callback_form, open_panel="callback", status=400)
    messages.success(request, _saved_message(entry))
    return redirect("campaigns:call_desk")

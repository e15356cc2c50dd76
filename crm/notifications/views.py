"""The notification pages: the inbox (open one, mark all read), my channels, the teams' group robots (managers
and the admin), and the failed deliveries with a retry button (the admin)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.htmx import add_refusal_to_form, answers_refusals
from crm.models import Delivery, Team, User
from crm.notifications.kinds import CHANNELS, kind_label
from crm.notifications.selectors import channel_choices_of, failed_deliveries, inbox_of, teams_robots_editable_by
from crm.notifications.services import (
    mark_notifications_read,
    retry_delivery,
    set_notification_channels,
    update_team_robots,
)
from crm.permissions import role_required

PAGE_SIZE = 30


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first, the unread in bold until opened (or all marked read)."""
    page = Paginator(inbox_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "crm/notification_list.html", {"page_obj": page})


@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Open one of my notifications (the link in a chat message or e-mail): read, and on to its page."""
    notification = get_object_or_404(inbox_of(user=request.user), pk=pk)
    mark_notifications_read(recipient=request.user, ids=[notification.pk])
    target = notification.get_absolute_url()
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = mark_notifications_read(recipient=request.user)
    messages.success(request, _("%(count)s marked as read.") % {"count": count})
    return redirect("notifications")


@require_http_methods(["GET", "POST"])
def channel_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification reach me beyond the inbox, and by which channel."""
    user = request.user
    if request.method == "POST":
        chosen = {
            code: [channel for channel in CHANNELS if request.POST.get(f"{code}:{channel}")]
            for code in request.POST.getlist("kinds")
        }
        try:
            set_notification_channels(user=user, channels=chosen)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    kinds, open_to = channel_choices_of(user=user)
    channels = [(value, label, open_to[value]) for value, label in Delivery.Channel.choices]
    return render(
        request,
        "crm/notification_settings.html",
        {
            "kinds": kinds,
            "channels": channels,
            "manages_robots": teams_robots_editable_by(user=user).exists(),
        },
    )


class TeamRobotsForm(forms.ModelForm):
    wecom_robot_url = forms.URLField(
        label=gettext_lazy("WeCom group robot webhook"), required=False, max_length=500, assume_scheme="https"
    )
    dingtalk_robot_url = forms.URLField(
        label=gettext_lazy("DingTalk group robot webhook"), required=False, max_length=500, assume_scheme="https"
    )
    dingtalk_robot_secret = forms.CharField(
        label=gettext_lazy("DingTalk robot signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=True),
        help_text=Team._meta.get_field("dingtalk_robot_secret").help_text,
    )

    class Meta:
        model = Team
        fields = ["wecom_robot_url", "dingtalk_robot_url", "dingtalk_robot_secret"]


@require_http_methods(["GET", "POST"])
@role_required(User.Role.MANAGER, User.Role.ADMIN)
def team_robots(request: HttpRequest) -> HttpResponse:
    """The group robots of the teams I set (the admin: all; a manager: their own), one form per team."""
    teams = list(teams_robots_editable_by(user=request.user))
    posted = request.POST.get("team") if request.method == "POST" else None
    if posted is not None and posted not in {str(team.pk) for team in teams}:
        raise Http404  # someone else's team
    forms_by_team = []
    for team in teams:
        prefix = f"team-{team.pk}"
        if posted == str(team.pk):
            form = TeamRobotsForm(request.POST, prefix=prefix, instance=team)
            if form.is_valid():
                try:
                    update_team_robots(
                        team_id=team.pk,
                        changed_by=request.user,
                        **{name: form.cleaned_data[name] for name in TeamRobotsForm.Meta.fields},
                    )
                except ValidationError as error:
                    add_refusal_to_form(form, error, on_fields=True)
                else:
                    messages.success(request, _("%(team)s saved.") % {"team": team})
                    return redirect("notifications:team_robots")
        else:
            form = TeamRobotsForm(prefix=prefix, instance=team)
        forms_by_team.append((team, form))
    return render(request, "crm/notification_team_robots.html", {"teams": forms_by_team})


@require_GET
@role_required(User.Role.ADMIN)
def failed(request: HttpRequest) -> HttpResponse:
    """Notifications a channel could not deliver, newest first, each with why and a retry button."""
    page = Paginator(failed_deliveries(), PAGE_SIZE).get_page(request.GET.get("page"))
    for delivery in page:
        delivery.kind_label = kind_label(delivery.notification.kind)
    return render(request, "crm/delivery_failed_list.html", {"page_obj": page})


@require_POST
@role_required(User.Role.ADMIN)
@answers_refusals(redirect_to="notifications:failed")
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    retry_delivery(delivery_id=pk)
    messages.success(request, _("Sent again: it is on its way."))
    return redirect("notifications:failed")

"""Pages of the daily reports 日报: the salesperson writes and reads theirs, the manager reads the team's
of a day and comments. Thin: every write is a service of visits.reports.services."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.bounds import max_note_length
from crm.errors import ApplicationError, NotFound
from crm.htmx import answers_refusals, refusal_message, render_error
from crm.models import User
from crm.params import BadParameter, date_param
from crm.permissions import role_required
from visits.calendar import previous_working_day
from visits.day import forms_status
from visits.reports.forms import CommentForm, DailyReportForm
from visits.reports.models import DailyReport
from visits.reports.permissions import commented_by_others, texts_locked_reason
from visits.reports.selectors import (
    comments_for_my_day,
    day_figures_of,
    report_of_day,
    reports_for_list,
    reports_with_comments,
    team_reports_of_day,
)
from visits.reports.services import comment_on_daily_report, edit_daily_report, submit_daily_report
from visits.selectors import day_counts
from visits.services import form_period
from visits.tasks import default_quota_day

PAGE_SIZE = 25


def my_day_report_context(*, salesperson: User, day: date, with_forms: bool) -> dict:
    """What My day shows of the reports: today's report (or its form), and the comments on one's reports."""
    return {
        "daily_report": report_of_day(salesperson=salesperson, day=day),
        "report_with_forms": with_forms,
        "report_comments": comments_for_my_day(salesperson=salesperson),
        "max_length": max_note_length(),
    }


def _day_of(request: HttpRequest) -> date:
    today = timezone.localdate()
    day = date_param(request.POST if request.method == "POST" else request.GET, "day") or today
    if day > today:
        raise BadParameter("day", _("A report cannot be submitted for a day that has not come yet."))
    return day


@role_required(User.Role.SALESPERSON)
def my_reports(request: HttpRequest) -> HttpResponse:
    """The salesperson's reports, newest first, with a way to today's."""
    reports = reports_for_list(user=request.user).filter(salesperson=request.user)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    today_report = report_of_day(salesperson=request.user, day=timezone.localdate())
    return render(request, "visits/reports/report_list.html", {"page_obj": page, "today_report": today_report})


@role_required(User.Role.SALESPERSON)
def report_write(request: HttpRequest) -> HttpResponse:
    """The report of a day (``?day=``, default today) written from the day, and the three texts to add.

    POST submits it (with the day's forms where the team hands them in daily). From My day (htmx) the
    answer is My day's card, and the forms' status above it; a refusal is the message in #messages.
    Once submitted, the page is the report itself."""
    day = _day_of(request)
    if request.method == "POST":
        form = DailyReportForm(request.POST)
        try:
            report = submit_daily_report(salesperson=request.user, day=day, **form.texts())
        except NotFound:
            raise
        except (ValidationError, ApplicationError) as error:
            if request.htmx:
                return render_error(request, ApplicationError(refusal_message(error)))
            return _write_page(request, day, texts=form.texts(), error=refusal_message(error), status=400)
        if request.htmx and request.POST.get("from") == "my_day":
            return _my_day_card(request, report)
        if not report.replayed:
            messages.success(request, _("Your report of %(day)s is submitted.") % {"day": report.day.isoformat()})
        return redirect(report)
    existing = report_of_day(salesperson=request.user, day=day)
    if existing is not None:
        return redirect(existing)
    return _write_page(request, day)


def _write_page(
    request: HttpRequest, day: date, *, texts: dict | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    start, end, _due = form_period(salesperson=request.user, day=day)
    _visits, unrated = day_counts(salesperson=request.user, day=day)
    context = {
        "day": day,
        "figures": day_figures_of(salesperson=request.user, day=day),
        "unrated": unrated,
        "with_forms": start == end,
        "texts": texts or {},
        "error": error,
        "max_length": max_note_length(),
    }
    return render(request, "visits/reports/report_write.html", context, status=status)


def _my_day_card(request: HttpRequest, report: DailyReport) -> HttpResponse:
    forms = forms_status(salesperson=request.user, day=report.day)
    context = {"daily_report": report, "with_forms": report.form_submission_id is not None, "forms": forms}
    html = render_to_string("visits/reports/my_day_report.html", context, request)
    if report.form_submission_id is not None:
        # The forms' status at the top of My day changes with it.
        html += render_to_string("visits/visit_today.html#forms-status", context | {"oob": True}, request)
    return HttpResponse(html)


def _detail_context(request: HttpRequest, report: DailyReport) -> dict:
    is_author = request.user.pk == report.salesperson_id
    locked = texts_locked_reason(report=report, commented=commented_by_others(report)) if is_author else ""
    return {
        "report": report,
        "can_edit": is_author and not locked,
        "locked_reason": locked,
        "editable_until": report.day + timedelta(days=1),  # the last day the texts may change
        "max_length": max_note_length(),
    }


@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: the figures as submitted (and what changed in the day since), the texts, the comments.
    For whoever sees it (visible_to); 404 for anyone else."""
    report = get_object_or_404(reports_with_comments(user=request.user), pk=pk)
    current = day_figures_of(salesperson=report.salesperson, day=report.day)
    return render(
        request,
        "visits/reports/report_detail.html",
        _detail_context(request, report) | {"changes": current.changes_since(report.figures)},
    )


@require_POST
@role_required(User.Role.SALESPERSON)
@answers_refusals
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The salesperson changes the texts of their report (while the service allows it)."""
    report = edit_daily_report(report_id=pk, salesperson=request.user, **DailyReportForm(request.POST).texts())
    if not request.htmx:
        messages.success(request, _("The texts are saved."))
        return redirect(report)
    report = get_object_or_404(reports_with_comments(user=request.user), pk=report.pk)
    return render(request, "visits/reports/report_detail.html#texts", _detail_context(request, report))


@require_POST
@role_required(User.Role.SALESPERSON, User.Role.MANAGER, User.Role.ADMIN)
@answers_refusals
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Add to a report's comment thread; answers the thread (htmx) or goes back to the report."""
    comment = comment_on_daily_report(report_id=pk, author=request.user, text=CommentForm(request.POST).comment())
    if not request.htmx:
        return redirect(comment.report)
    report = get_object_or_404(reports_with_comments(user=request.user), pk=comment.report_id)
    return render(request, "visits/reports/_comment_thread.html", {"report": report, "max_length": max_note_length()})


@role_required(User.Role.MANAGER, User.Role.ADMIN)
def team_reports(request: HttpRequest) -> HttpResponse:
    """The team's reports of a day (default: the previous working day, as the morning meeting), each
    with its figures, texts and comments; those who have not submitted listed. The admin sees all teams."""
    today = timezone.localdate()
    day = date_param(request.GET, "day") or default_quota_day()
    team = team_reports_of_day(viewer=request.user, day=day, page_number=request.GET.get("page"))
    return render(
        request,
        "visits/reports/team_reports.html",
        {
            "day": day,
            "today": today,
            "previous_working_day": previous_working_day(today),
            "team": team,
            "show_teams": request.user.sees_everything,
            "query": f"day={day.isoformat()}",
            "max_length": max_note_length(),
        },
    )

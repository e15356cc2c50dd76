"""Writes of the daily reports: submit (with the day's forms where the team hands them in daily), edit
the texts, comment. Every door (the pages, the API) comes through here."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.bounds import check_date_in_window, validate_note_length
from crm.errors import ApplicationError, NotFound, NotPermitted
from crm.models import Team, User
from crm.services import Message, Note, notify_many
from visits.calendar import next_working_day
from visits.reports.models import DailyReport, DailyReportComment
from visits.reports.permissions import texts_locked_reason
from visits.reports.selectors import day_figures_of
from visits.services import DAILY_FORMS_DUE, form_period, lock_forms_of, refuse_unrated_visits, submit_forms

TEXT_FIELDS = ("went_well", "problems", "tomorrow_plan")
# A comment sent twice this soon with the same words (a double tap, a retried request) is the same comment.
REPEATED_COMMENT_WINDOW = timedelta(minutes=2)


def _clean_texts(**texts: str) -> dict[str, str]:
    """The three texts stripped, each within the bound on free text (crm.bounds), else a ValidationError
    naming the field."""
    cleaned, errors = {}, {}
    for name in TEXT_FIELDS:
        value = texts.get(name)
        value = value.strip() if isinstance(value, str) else ""
        try:
            validate_note_length(value)
        except ValidationError as error:
            errors[name] = error.messages
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _daily_due(day: date) -> datetime:
    """A day's report is due as daily forms are: before the next working day's morning meeting."""
    return timezone.make_aware(datetime.combine(next_working_day(day), DAILY_FORMS_DUE))


@transaction.atomic
def submit_daily_report(
    *,
    salesperson: User,
    day: date | None = None,
    went_well: str = "",
    problems: str = "",
    tomorrow_plan: str = "",
    at: datetime | None = None,
) -> DailyReport:
    """Hand in the report of ``day`` (default: today): the day's figures as they are now, kept as
    submitted, with the salesperson's three texts (each optional, within the bound on free text).

    Where the salesperson's team hands in its forms daily, this is also the day's form submission
    (``visits.services.submit_forms``, in the same transaction): one action does both, and the report
    names the submission (forms already handed in are linked, not handed in again). A team on weekly
    forms keeps handing them in by the week; its report touches no submission.

    Refused, with nothing stored: someone who is not a salesperson; a day not come yet or outside the
    date window; a text too long (ValidationError on its field); a visit of the day still unrated (the
    message names them, as for the forms). Late when ``at`` (default now) is after 08:30 on the next
    working day. One report per salesperson and day: the same texts again return the report stored
    first (``replayed``); other texts are refused (the texts are edited on the report).
    """
    if not salesperson.is_salesperson:
        raise NotPermitted(_("Only salespeople submit daily reports."))
    at = at or timezone.now()
    day = day or timezone.localdate(at)
    if day > timezone.localdate(at):
        raise ApplicationError(_("A report cannot be submitted for a day that has not come yet."))
    outside = check_date_in_window(day)
    if outside:
        raise ValidationError({"day": outside})
    texts = _clean_texts(went_well=went_well, problems=problems, tomorrow_plan=tomorrow_plan)
    lock_forms_of(salesperson)  # one submission at a time, and visits logged meanwhile wait or amend
    existing = DailyReport.objects.filter(salesperson=salesperson, day=day).first()
    if existing is not None:
        return _resent(existing, texts)
    start, end, due = form_period(salesperson=salesperson, day=day)
    submission = None
    if start == end:
        submission = submit_forms(salesperson=salesperson, day=day, at=at)  # refuses unrated visits
        due = submission.due_at
    else:
        refuse_unrated_visits(salesperson=salesperson, start=day, end=day)
        due = _daily_due(day)
    figures = day_figures_of(salesperson=salesperson, day=day)
    report = DailyReport(
        salesperson=salesperson,
        day=day,
        form_submission=submission,
        submitted_at=at,
        due_at=due,
        late=at > due,
        visits_by_kind=dict(figures.visits_by_kind),
        intent_counts=dict(figures.intent_counts),
        new_customers=figures.new_customers,
        deal_count=figures.deal_count,
        deal_amount=figures.deal_amount,
        quota_required=figures.quota_required,
        quota_counted=figures.quota_counted,
        **texts,
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Sent twice at once from two devices: the salesperson's lock makes this rare; the other one stands.
        return _resent(DailyReport.objects.get(salesperson=salesperson, day=day), texts)
    return report


def _resent(report: DailyReport, texts: dict[str, str]) -> DailyReport:
    if all(getattr(report, name) == value for name, value in texts.items()):
        report.replayed = True
        return report
    raise ApplicationError(
        _("Your report of %(day)s was submitted at %(time)s. Change its texts on the report instead.")
        % {"day": report.day.isoformat(), "time": timezone.localtime(report.submitted_at).strftime("%m-%d %H:%M")}
    )


@transaction.atomic
def edit_daily_report(
    *,
    report_id: int,
    salesperson: User,
    went_well: str = "",
    problems: str = "",
    tomorrow_plan: str = "",
    at: datetime | None = None,
) -> DailyReport:
    """Change the three texts of one's own report; the figures never change (they are what was handed in).

    Only until someone else comments on it, and at most until the end of the day after the report's day
    (``texts_locked_reason``); refused with that reason, nothing changed. Another's report, or one that
    does not exist: NotFound. The same texts again change nothing.
    """
    report = DailyReport.objects.select_for_update().filter(pk=report_id, salesperson=salesperson).first()
    if report is None:
        raise NotFound(_("No daily report matches the given query."))
    commented = report.comments.exclude(author=salesperson).exists()
    reason = texts_locked_reason(report=report, commented=commented, now=at)
    if reason:
        raise ApplicationError(reason)
    texts = _clean_texts(went_well=went_well, problems=problems, tomorrow_plan=tomorrow_plan)
    if all(getattr(report, name) == value for name, value in texts.items()):
        return report
    for name, value in texts.items():
        setattr(report, name, value)
    report.texts_edited_at = at or timezone.now()
    report.save(update_fields=[*TEXT_FIELDS, "texts_edited_at"])
    return report


@transaction.atomic
def comment_on_daily_report(*, report_id: int, author: User, text: str) -> DailyReportComment:
    """Add ``text`` to the report's comment thread and tell the others in the app.

    Whoever sees the report may write (the salesperson's manager, the admin, the salesperson answering);
    anyone else gets NotFound, as for a report that does not exist. A comment by someone other than the
    salesperson tells the salesperson (and from then on the texts of the report stay as they are); the
    salesperson's answer tells their team's manager and whoever else commented. The text is required and
    within the bound on free text. The same words from the same author again within
    REPEATED_COMMENT_WINDOW return the comment stored first (a double tap posts once).
    """
    report = (
        DailyReport.objects.visible_to(author)
        .select_for_update(of=("self",))
        .select_related("salesperson")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(_("No daily report matches the given query."))
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationError({"text": _("Write a comment first.")})
    try:
        validate_note_length(text)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from error
    now = timezone.now()
    repeated = (
        DailyReportComment.objects.filter(
            report=report, author=author, text=text, created_at__gte=now - REPEATED_COMMENT_WINDOW
        )
        .order_by("-created_at")
        .first()
    )
    if repeated is not None:
        return repeated
    comment = DailyReportComment.objects.create(report=report, author=author, text=text)
    _notify_comment(report=report, comment=comment)
    return comment


def _notify_comment(*, report: DailyReport, comment: DailyReportComment) -> None:
    """Tell the others in the thread, each in their own language (else the site's): the salesperson of a
    comment by someone else; the team's manager and the other commenters of the salesperson's answer."""
    salesperson = report.salesperson
    author = comment.author
    recipients: set[int]
    if author.pk != salesperson.pk:
        recipients = {salesperson.pk}
        message = gettext_noop("%(name)s commented on your daily report of %(day)s: %(comment)s")
    else:
        manager_id = (
            Team.objects.filter(pk=salesperson.team_id).values_list("manager_id", flat=True).first()
            if salesperson.team_id is not None
            else None
        )
        others = set(report.comments.exclude(author=author).values_list("author_id", flat=True))
        recipients = {pk for pk in (*others, manager_id) if pk is not None and pk != author.pk}
        message = gettext_noop("%(name)s answered on the daily report of %(day)s: %(comment)s")
    values = {"name": author, "day": report.day.isoformat(), "comment": comment.text}
    link = report.get_absolute_url()
    notify_many(
        notes=[
            Note(recipient_id=recipient_id, kind="daily_report_comment", text=Message(message, values), link=link)
            for recipient_id in sorted(recipients)
        ]
    )

"""Writes of the visits app: the scheduled quota check and the weekly assessment."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.errors import ApplicationError, NotPermitted
from crm.locks import lock_job
from crm.models import Notification, Team, User
from crm.services import notify, notify_many
from visits.calendar import is_working_day
from visits.models import Assessment, QuotaShortfall
from visits.permissions import can_review_shortfall
from visits.selectors import quota_results_for, salespeople_counted_on, weekly_visit_counts

logger = logging.getLogger(__name__)


@transaction.atomic
def check_visit_quotas(*, day: date) -> int:
    """Record one shortfall per counted salesperson below quota on ``day``; return how many are new.

    Set-based: one query computes required and actual visits for everyone, one insert stores the
    shortfalls. Idempotent: the unique (salesperson, day) constraint and the job lock mean a second
    run, even a concurrent one, creates and notifies nothing. Days that are not working days
    (weekends, holidays) have no quota.
    """
    if not is_working_day(day):
        logger.info("Visit-quota check for %s: not a working day", day.isoformat())
        return 0
    lock_job(name="check_visit_quotas", period=day.isoformat())
    already = set(QuotaShortfall.objects.filter(day=day).values_list("salesperson_id", flat=True))
    below = quota_results_for(day=day).filter(actual__lt=F("required")).values_list("id", "required", "actual")
    shortfalls = [
        QuotaShortfall(salesperson_id=salesperson_id, day=day, required=required, actual=actual)
        for salesperson_id, required, actual in below
        if salesperson_id not in already
    ]
    QuotaShortfall.objects.bulk_create(shortfalls, ignore_conflicts=True)
    _notify_shortfalls(shortfalls, day=day)
    logger.info("Visit-quota check for %s: %d shortfalls created", day.isoformat(), len(shortfalls))
    return len(shortfalls)


def _notify_shortfalls(shortfalls: list[QuotaShortfall], *, day: date) -> None:
    link = reverse("visits:shortfall_list")
    with translation.override(settings.LANGUAGE_CODE):
        notifications = [
            Notification(
                recipient_id=shortfall.salesperson_id,
                kind="quota_shortfall",
                text=_("%(day)s: %(actual)d of %(required)d visits. Please explain the shortfall.")
                % {"day": day.isoformat(), "actual": shortfall.actual, "required": shortfall.required},
                link=link,
            )
            for shortfall in shortfalls
        ]
    notify_many(notifications=notifications)


@transaction.atomic
def assess_visit_counts(*, week: date) -> int:
    """Flag, in each team, the salespeople with the fewest visits in each of the N weeks up to ``week``.

    N is settings.CRM["ASSESSMENT_CONSECUTIVE_WEEKS"]. A team needs at least two counted salespeople
    to have a "fewest". The weekly figures are kept as evidence. Idempotent: one assessment per
    salesperson and week (unique constraint and job lock). Returns how many were created.
    """
    weeks_running = settings.CRM["ASSESSMENT_CONSECUTIVE_WEEKS"]
    first_week = week - timedelta(weeks=weeks_running - 1)
    lock_job(name="assess_visit_counts", period=week.isoformat())
    people = list(salespeople_counted_on(day=first_week).filter(team__isnull=False).values_list("id", "team_id"))
    counts = weekly_visit_counts(first_week=first_week, last_week=week)
    weeks = [first_week + timedelta(weeks=n) for n in range(weeks_running)]

    teams: dict[int, list[int]] = defaultdict(list)
    for salesperson_id, team_id in people:
        teams[team_id].append(salesperson_id)

    already = set(Assessment.objects.filter(week=week).values_list("salesperson_id", flat=True))
    assessments = []
    for members in teams.values():
        if len(members) < 2:
            continue
        lowest_each_week = {
            monday: min(counts.get(member, {}).get(monday, 0) for member in members) for monday in weeks
        }
        for member in members:
            figures = [counts.get(member, {}).get(monday, 0) for monday in weeks]
            if member in already or any(figures[i] > lowest_each_week[monday] for i, monday in enumerate(weeks)):
                continue
            evidence = [
                {
                    "week": monday.isoformat(),
                    "visits": figures[i],
                    "team_lowest": lowest_each_week[monday],
                    "team_highest": max(counts.get(other, {}).get(monday, 0) for other in members),
                }
                for i, monday in enumerate(weeks)
            ]
            assessments.append(
                Assessment(salesperson_id=member, week=week, consecutive_weeks=weeks_running, evidence=evidence)
            )
    Assessment.objects.bulk_create(assessments, ignore_conflicts=True)
    logger.info("Weekly assessment for the week of %s: %d flagged", week.isoformat(), len(assessments))
    return len(assessments)


@transaction.atomic
def explain_shortfall(*, shortfall: QuotaShortfall, salesperson: User, explanation: str) -> QuotaShortfall:
    """The salesperson's written explanation; it goes to the manager for review.

    Only the salesperson concerned may explain, and only until the manager has decided.
    """
    shortfall = QuotaShortfall.objects.select_for_update().get(pk=shortfall.pk)
    if shortfall.salesperson_id != salesperson.id:
        raise NotPermitted(_("Only the salesperson concerned can explain a shortfall."))
    if shortfall.status in (QuotaShortfall.Review.ACCEPTED, QuotaShortfall.Review.REJECTED):
        raise ApplicationError(_("This shortfall has already been reviewed."))
    explanation = explanation.strip()
    if len(explanation) < 4:
        raise ApplicationError(_("Please write a few words on why the quota was not met."))
    shortfall.explanation = explanation
    shortfall.explained_at = timezone.now()
    shortfall.status = QuotaShortfall.Review.AWAITING_REVIEW
    shortfall.save(update_fields=["explanation", "explained_at", "status"])
    manager = Team.objects.filter(members=salesperson).values_list("manager_id", flat=True).first()
    if manager:
        notify(
            recipient=User(pk=manager),
            kind="shortfall_explained",
            text=_("%(name)s explained the shortfall of %(day)s.") % {"name": salesperson, "day": shortfall.day},
            link=reverse("visits:shortfall_list"),
        )
    return shortfall


@transaction.atomic
def review_shortfall(*, shortfall: QuotaShortfall, manager: User, accept: bool, note: str = "") -> QuotaShortfall:
    """The manager accepts or rejects the explanation. Only the salesperson's team manager (or admin)."""
    shortfall = QuotaShortfall.objects.select_for_update().select_related("salesperson__team").get(pk=shortfall.pk)
    if not can_review_shortfall(user=manager, shortfall=shortfall):
        raise NotPermitted(_("Only the salesperson's manager can review this shortfall."))
    if shortfall.status != QuotaShortfall.Review.AWAITING_REVIEW:
        raise ApplicationError(_("There is no explanation to review yet."))
    if not accept and not note.strip():
        raise ApplicationError(_("Say why the explanation is rejected."))
    shortfall.status = QuotaShortfall.Review.ACCEPTED if accept else QuotaShortfall.Review.REJECTED
    shortfall.reviewed_by = manager
    shortfall.reviewed_at = timezone.now()
    shortfall.review_note = note.strip()
    shortfall.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    notify(
        recipient=shortfall.salesperson,
        kind="shortfall_reviewed",
        text=(
            _("Your explanation for %(day)s was accepted.")
            if accept
            else _("Your explanation for %(day)s was rejected.")
        )
        % {"day": shortfall.day},
        link=reverse("visits:shortfall_list"),
    )
    return shortfall

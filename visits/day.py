"""Reads of "my day": the quota as progress, the forms' status, what is planned next, what the manager asked.

Each part is a fixed number of queries whatever the data: the start page stays as fast with a
year of visits as with one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.customers.models import Customer
from crm.models import User
from visits.calendar import is_working_day
from visits.key_accounts.models import JointVisitRequest
from visits.models import FormAmendment, FormSubmission, Leave, QuotaShortfall, RouteStop, Visit
from visits.selectors import FIELD_VISIT_KINDS, ROUTE_SOURCES, quota_of_day, visits_counted_for_quota

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Next steps overdue longer than this are no longer "next": they are the manager's list of neglected
# customers, not the day's plan. Bounding it also keeps the page to a range scan of the salesperson's
# recent visits (all of them: 240 ms at the large data set's 10,000 visits a person).
NEXT_STEP_LOOKBACK = timedelta(days=14)
# How many planned visits and manager's requests the start page lists; the rest are on their pages.
NEXT_VISITS_SHOWN = 6
ASKS_SHOWN = 5
# Answers and rejections stay on the start page this long after they were given.
ANSWERS_SHOWN_FOR = timedelta(days=14)


# --- the quota as progress ----------------------------------------------------------------------


class NoQuota:
    LEAVE = "leave"
    NOT_WORKING_DAY = "not_working_day"
    NEW_STARTER = "new_starter"


@dataclass
class DayProgress:
    """Today's visits against the quota, counted as the quota check counts them."""

    required: int | None  # None: no quota today (``no_quota`` says why)
    counted: int
    not_counted: list[str] = field(default_factory=list)  # "1 phone call not counted", ...
    no_quota: str = ""

    @property
    def to_go(self) -> int:
        return max((self.required or 0) - self.counted, 0)

    @property
    def met(self) -> bool:
        return self.required is not None and self.counted >= self.required

    @property
    def shown(self) -> int:
        """The bar's value: never past its end (a seventh visit of six fills it)."""
        return min(self.counted, self.required or 0)

    @property
    def bar_max(self) -> int:
        return self.required or 1

    @property
    def bar_value(self) -> int:
        return self.bar_max if self.met else self.shown

    @property
    def text(self) -> str:
        """ "4 / 6 visits counted toward today's quota — 2 to go" (or "quota met"; or why there is none)."""
        if self.required is None:
            return self.no_quota_text
        counted = _("%(counted)d / %(required)d visits counted toward today's quota") % {
            "counted": self.counted,
            "required": self.required,
        }
        if self.met:
            return _("%(counted)s — quota met") % {"counted": counted}
        return ngettext("%(counted)s — %(count)d to go", "%(counted)s — %(count)d to go", self.to_go) % {
            "counted": counted,
            "count": self.to_go,
        }

    @property
    def no_quota_text(self) -> str:
        return {
            NoQuota.LEAVE: _("No quota today: you are on leave."),
            NoQuota.NOT_WORKING_DAY: _("No quota today: not a working day."),
            NoQuota.NEW_STARTER: _("No quota today: your first days are not counted."),
        }.get(self.no_quota, "")


def _not_counted_texts(*, salesperson: User, day: date) -> list[str]:
    """What was logged today and does not count, by why (one grouped query)."""
    rows = (
        Visit.objects.filter(salesperson=salesperson, visited_on=day)
        .values("kind")
        .annotate(total=Count("id"), counted=Count("id", filter=visits_counted_for_quota()))
        .order_by()
    )
    phone = office = unverified = 0
    for row in rows:
        missing = row["total"] - row["counted"]
        if row["kind"] == Visit.Kind.PHONE:
            phone += missing
        elif row["kind"] == Visit.Kind.OFFICE:
            office += missing
        elif row["kind"] in FIELD_VISIT_KINDS:
            unverified += missing  # only a verified check-in counts (QUOTA_COUNTS_VERIFIED_ONLY)
    texts = []
    if phone:
        texts.append(
            ngettext("%(count)d phone call not counted", "%(count)d phone calls not counted", phone) % {"count": phone}
        )
    if office:
        texts.append(
            ngettext("%(count)d office visit not counted", "%(count)d office visits not counted", office)
            % {"count": office}
        )
    if unverified:
        texts.append(
            ngettext(
                "%(count)d visit without a verified check-in not counted",
                "%(count)d visits without a verified check-in not counted",
                unverified,
            )
            % {"count": unverified}
        )
    return texts


def day_progress(*, salesperson: User, day: date) -> DayProgress:
    """Today's counted visits against the quota (quota_of_day), and what was logged but not counted."""
    quota = quota_of_day(salesperson=salesperson, day=day)
    not_counted = _not_counted_texts(salesperson=salesperson, day=day)
    if quota is not None:
        return DayProgress(required=quota["required"], counted=quota["actual"], not_counted=not_counted)
    counted = Visit.objects.filter(visits_counted_for_quota(), salesperson=salesperson, visited_on=day).count()
    if Leave.objects.filter(salesperson=salesperson, start_day__lte=day, end_day__gte=day).exists():
        reason = NoQuota.LEAVE
    elif not is_working_day(day):
        reason = NoQuota.NOT_WORKING_DAY
    else:
        reason = NoQuota.NEW_STARTER
    return DayProgress(required=None, counted=counted, not_counted=not_counted, no_quota=reason)


# --- the forms' status --------------------------------------------------------------------------


@dataclass
class FormsStatus:
    """The forms of the period containing the day: submitted or not, when due, amended since."""

    period_start: date
    period_end: date
    due_at: datetime
    submission: FormSubmission | None
    amendment_count: int = 0
    amended_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        return self.submission is None and timezone.now() > self.due_at

    @property
    def text(self) -> str:
        """The forms' status in one line: due when, submitted when (late), amended since."""
        if self.submission is None:
            due = timezone.localtime(self.due_at)
            today = timezone.localdate()
            if due.date() == today + timedelta(days=1):
                when = _("%(time)s tomorrow") % {"time": due.strftime("%H:%M")}
            elif due.date() == today:
                when = _("%(time)s today") % {"time": due.strftime("%H:%M")}
            else:
                when = due.strftime("%m-%d %H:%M")
            if self.overdue:
                return _("Forms not submitted — overdue since %(when)s.") % {"when": when}
            return _("Forms not submitted — due %(when)s.") % {"when": when}
        submitted = timezone.localtime(self.submission.submitted_at).strftime("%H:%M")
        if self.amendment_count:
            return ngettext(
                "Forms submitted at %(submitted)s, amended at %(amended)s (%(count)d visit added).",
                "Forms submitted at %(submitted)s, amended at %(amended)s (%(count)d visits added).",
                self.amendment_count,
            ) % {
                "submitted": submitted,
                "amended": timezone.localtime(self.amended_at).strftime("%H:%M"),
                "count": self.amendment_count,
            }
        return _("Forms submitted at %(submitted)s.") % {"submitted": submitted}

    @property
    def amended_visit_count(self) -> int:
        """The visits of the submitted forms as they are now: the snapshot plus the amendments."""
        return (self.submission.visit_count if self.submission else 0) + self.amendment_count


def forms_status(*, salesperson: User, day: date) -> FormsStatus:
    from visits.services import form_period

    start, end, due = form_period(salesperson=salesperson, day=day)
    submission = (
        FormSubmission.objects.filter(salesperson=salesperson, period_start__lte=day, period_end__gte=day)
        .annotate(amendment_count=Count("amendments"), amended_at=Max("amendments__added_at"))
        .first()
    )
    if submission is None:
        return FormsStatus(period_start=start, period_end=end, due_at=due, submission=None)
    return FormsStatus(
        period_start=submission.period_start,
        period_end=submission.period_end,
        due_at=submission.due_at,
        submission=submission,
        amendment_count=submission.amendment_count,
        amended_at=submission.amended_at,
    )


# --- what is planned next -----------------------------------------------------------------------


@dataclass
class PlannedVisit:
    customer_id: int
    unit_name: str
    district: str
    why: StrOrPromise  # a route reason's label stays lazy until the page renders it
    overdue: bool = False


def next_planned_visits(*, salesperson: User, day: date, limit: int = NEXT_VISITS_SHOWN) -> list[PlannedVisit]:
    """Who else to visit, besides today's plan (its own section: ``visits.plans.selectors.day_plan``), each
    customer once, at most ``limit``:

    1. customers whose latest visit set a next step due today or in the last NEXT_STEP_LOOKBACK days
       (overdue), oldest first;
    2. the customers registered route sources wait a first visit for (campaigns: inquiries).

    Only customers the salesperson sees now and has not planned for today. One query plus one per route source.
    """
    visible = (
        Customer.objects.visible_to(salesperson).filter(pooled_at__isnull=True).exclude(status=Customer.Status.LOST)
    )
    planned_today = RouteStop.objects.filter(plan__salesperson=salesperson, plan__day=day)
    planned: dict[int, PlannedVisit] = {}

    later = Visit.objects.filter(customer=OuterRef("customer")).filter(
        Q(visited_at__gt=OuterRef("visited_at")) | Q(visited_at=OuterRef("visited_at"), pk__gt=OuterRef("pk"))
    )
    follow_ups = (
        Visit.objects.filter(
            salesperson=salesperson,
            next_step_on__isnull=False,
            next_step_on__range=(day - NEXT_STEP_LOOKBACK, day),
            customer__in=visible,
        )
        .exclude(Exists(later))
        .exclude(Exists(planned_today.filter(customer=OuterRef("customer"))))
        .select_related("customer")
        .only("next_step", "next_step_on", "customer__id", "customer__unit_name", "customer__district")
        .order_by("next_step_on", "pk")[:limit]
    )
    for visit in follow_ups:
        assert visit.next_step_on is not None  # the query asks for next_step_on__isnull=False
        overdue = visit.next_step_on < day
        if overdue:
            why = _("Next step overdue since %(day)s") % {"day": visit.next_step_on.strftime("%m-%d")}
        else:
            why = _("Next step due today")
        if visit.next_step:
            why = f"{why}: {visit.next_step}"
        planned.setdefault(
            visit.customer.pk,
            PlannedVisit(
                customer_id=visit.customer.pk,
                unit_name=visit.customer.unit_name,
                district=visit.customer.district,
                why=why,
                overdue=overdue,
            ),
        )

    for source in sorted(ROUTE_SOURCES.values(), key=lambda source: source.urgency):
        awaited = (
            visible.filter(pk__in=source.customer_ids(salesperson=salesperson, day=day))
            .exclude(Exists(Visit.objects.filter(customer=OuterRef("pk"))))
            .exclude(Exists(planned_today.filter(customer=OuterRef("pk"))))
            .only("pk", "unit_name", "district")
            .order_by("pk")[:limit]
        )
        label = RouteStop.Reason(source.name).label
        for customer in awaited:
            planned.setdefault(
                customer.pk,
                PlannedVisit(
                    customer_id=customer.pk, unit_name=customer.unit_name, district=customer.district, why=label
                ),
            )
    return list(planned.values())[:limit]


# --- what the manager asked ---------------------------------------------------------------------


@dataclass
class ManagerAsks:
    shortfalls: list[QuotaShortfall]  # awaiting an explanation, or the explanation rejected lately
    joint_visits: list[JointVisitRequest]  # answered by the manager: accepted (to come), other time, declined lately

    def __bool__(self) -> bool:
        return bool(self.shortfalls or self.joint_visits)


def manager_asks(*, salesperson: User, now: datetime | None = None, limit: int = ASKS_SHOWN) -> ManagerAsks:
    """What the manager is waiting for or has answered: two queries."""
    now = now or timezone.now()
    since = now - ANSWERS_SHOWN_FOR
    shortfalls = list(
        QuotaShortfall.objects.filter(salesperson=salesperson)
        .filter(
            Q(status=QuotaShortfall.Review.AWAITING_EXPLANATION)
            | Q(status=QuotaShortfall.Review.REJECTED, reviewed_at__gte=since)
        )
        .select_related("reviewed_by")
        .order_by("-day")[:limit]
    )
    start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(now), datetime.min.time()))
    joint_visits = list(
        JointVisitRequest.objects.filter(salesperson=salesperson, responded_at__isnull=False)
        .filter(
            Q(status=JointVisitRequest.Status.OTHER_TIME)
            | Q(status=JointVisitRequest.Status.ACCEPTED, scheduled_at__gte=start_of_today)
            | Q(status=JointVisitRequest.Status.DECLINED, responded_at__gte=since)
        )
        .select_related("manager", "customer")
        .order_by("-responded_at", "-pk")[:limit]
    )
    return ManagerAsks(shortfalls=shortfalls, joint_visits=joint_visits)


# --- the manager's list of submissions ----------------------------------------------------------


def amendments_by_submission(*, submission_ids: list[int]) -> dict[int, list[FormAmendment]]:
    """The amendments of these submissions with their visits and customers, in the order added: one query."""
    grouped: dict[int, list[FormAmendment]] = {}
    rows = (
        FormAmendment.objects.filter(submission_id__in=submission_ids)
        .select_related("visit__customer")
        .order_by("added_at", "pk")
    )
    for amendment in rows:
        grouped.setdefault(amendment.submission_id, []).append(amendment)
    return grouped

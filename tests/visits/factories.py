"""Factories for the visit log, photos, forms, the working-day calendar, quotas and routes.

Rows are stored directly, for building state: ``visits.services`` (``record_visit``, ``submit_forms``,
``check_visit_quotas``, ``assess_visit_counts``, ``save_route_plan``, ``sync_offline_work`` …) apply the
rules (repeat guard, location trust, amendments, shortfall withdrawals); use them when the test is about those.
"""

import uuid
from datetime import date, timedelta

import factory
from django.utils import timezone

from crm.dates import week_start
from tests.accounts.factories import CustomerFactory
from tests.crm.factories import SalespersonFactory
from visits.models import (
    Assessment,
    FormAmendment,
    FormSubmission,
    Leave,
    OfflineCustomerReceipt,
    QuotaOverride,
    QuotaShortfall,
    RoutePlan,
    RouteStop,
    Visit,
    VisitPhoto,
    WorkingDay,
)


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit stored directly (no service, so no repeat guard or location trust): for building state.
    Built alone, a new salesperson visits a new customer they hold; tests usually give both."""

    class Meta:
        model = Visit

    salesperson = factory.SubFactory(SalespersonFactory)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..salesperson"))
    kind = Visit.Kind.FIRST
    visited_at = factory.LazyFunction(timezone.now)
    visited_on = factory.LazyAttribute(lambda visit: timezone.localdate(visit.visited_at))


class WorkingDayFactory(factory.django.DjangoModelFactory):
    """A public holiday (a day off), on a day of its own from 2030 on so that it meets no test's dates."""

    class Meta:
        model = WorkingDay
        django_get_or_create = ("day",)

    day = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    is_working = False
    note = "节假日"


class LeaveFactory(factory.django.DjangoModelFactory):
    """Three days of leave from next week."""

    class Meta:
        model = Leave

    salesperson = factory.SubFactory(SalespersonFactory)
    start_day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    end_day = factory.LazyAttribute(lambda leave: leave.start_day + timedelta(days=2))
    reason = "年假"


class QuotaOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuotaOverride

    salesperson = factory.SubFactory(SalespersonFactory)
    daily_minimum = 4
    valid_from = factory.LazyFunction(timezone.localdate)
    reason = "新人减量"


class VisitPhotoFactory(factory.django.DjangoModelFactory):
    """A camera photo of a visit, stored as generated (not stamped or thumbnailed by ``visits.photos``).
    Point ``settings.MEDIA_ROOT`` at ``tmp_path`` in the test."""

    class Meta:
        model = VisitPhoto

    visit = factory.SubFactory(VisitFactory)
    image = factory.django.ImageField(filename="visit.jpg", format="JPEG", width=64, height=48)
    source = VisitPhoto.Source.CAMERA
    taken_at = factory.LazyFunction(timezone.now)


class FormSubmissionFactory(factory.django.DjangoModelFactory):
    """Today's forms, handed in on time with no visit counted."""

    class Meta:
        model = FormSubmission

    salesperson = factory.SubFactory(SalespersonFactory)
    period_start = factory.LazyFunction(timezone.localdate)
    period_end = factory.SelfAttribute("period_start")
    visit_count = 0
    submitted_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda submission: submission.submitted_at + timedelta(hours=1))
    late = False


class FormAmendmentFactory(factory.django.DjangoModelFactory):
    """A visit of the same salesperson added to forms already handed in (``amend_submitted_forms`` writes these)."""

    class Meta:
        model = FormAmendment

    submission = factory.SubFactory(FormSubmissionFactory)
    visit = factory.SubFactory(VisitFactory, salesperson=factory.SelfAttribute("..submission.salesperson"))
    added_at = factory.LazyFunction(timezone.now)


class QuotaShortfallFactory(factory.django.DjangoModelFactory):
    """Yesterday: 2 visits of 6 required (the check constraint wants fewer than required), awaiting explanation."""

    class Meta:
        model = QuotaShortfall

    salesperson = factory.SubFactory(SalespersonFactory)
    day = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    required = 6
    actual = 2


class AssessmentFactory(factory.django.DjangoModelFactory):
    """Flagged last week after three weeks with the fewest visits; ``evidence`` as ``assess_visit_counts`` keeps it."""

    class Meta:
        model = Assessment

    salesperson = factory.SubFactory(SalespersonFactory)
    week = factory.LazyFunction(lambda: week_start(timezone.localdate()) - timedelta(days=7))
    consecutive_weeks = 3
    evidence = factory.LazyAttribute(
        lambda assessment: [
            {
                "week": assessment.week.isoformat(),
                "visits": 10,
                "working_days": 5,
                "rate": "2.00",
                "team_lowest_rate": "2.00",
                "team_highest_rate": "6.00",
                "fewest": True,
            }
        ]
    )


class RoutePlanFactory(factory.django.DjangoModelFactory):
    """Today's plan with no stop and no start position."""

    class Meta:
        model = RoutePlan

    salesperson = factory.SubFactory(SalespersonFactory)
    day = factory.LazyFunction(timezone.localdate)


class RouteStopFactory(factory.django.DjangoModelFactory):
    """The next stop of the plan, a customer the plan's salesperson holds."""

    class Meta:
        model = RouteStop

    plan = factory.SubFactory(RoutePlanFactory)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..plan.salesperson"))
    position = factory.LazyAttribute(lambda stop: stop.plan.stops.count() + 1)
    reason = RouteStop.Reason.CHOSEN
    # Not blank in the model (full_clean); save_route_plan stores each leg's length.
    distance_from_previous_m = 1200


class OfflineCustomerReceiptFactory(factory.django.DjangoModelFactory):
    """A customer registered offline and synced (``sync_offline_customer`` writes these)."""

    class Meta:
        model = OfflineCustomerReceipt

    salesperson = factory.SubFactory(SalespersonFactory)
    client_id = factory.LazyFunction(uuid.uuid4)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..salesperson"))

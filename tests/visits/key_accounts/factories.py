"""Factories for the key-account shortlist and joint-visit requests.

Rows are stored directly. ``build_shortlists`` puts customers on the shortlist from their ratings and
carries open entries to the next week, ``request_joint_visit`` checks that the manager is the
salesperson's and notifies them (``visits.key_accounts.services``);
use the services when the test is about those rules.
"""

from datetime import timedelta

import factory
from django.utils import timezone

from crm.dates import week_start
from tests.accounts.factories import CustomerFactory
from tests.crm.factories import ManagerFactory, SalespersonFactory
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry


class KeyAccountEntryFactory(factory.django.DjangoModelFactory):
    """An open entry on this week's (Monday's) shortlist, for a customer the salesperson holds."""

    class Meta:
        model = KeyAccountEntry

    week = factory.LazyFunction(lambda: week_start(timezone.localdate()))
    salesperson = factory.SubFactory(SalespersonFactory)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..salesperson"))
    intent = "A"
    rated_at = factory.LazyFunction(timezone.now)


class JointVisitRequestFactory(factory.django.DjangoModelFactory):
    """A pending request to a manager (never the salesperson themself: the check constraint) for tomorrow.

    The manager is not made the salesperson's team manager; give ``salesperson`` and ``manager`` from the
    ``people`` fixture (sales1 and manager1) when the test opens the pages.
    """

    class Meta:
        model = JointVisitRequest

    salesperson = factory.SubFactory(SalespersonFactory)
    manager = factory.SubFactory(ManagerFactory)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..salesperson"))
    reason = "客户关注赔付比例，请经理陪同讲解"
    proposed_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))

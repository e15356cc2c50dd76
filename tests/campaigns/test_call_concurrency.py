"""Never two callers on the same number at once, on PostgreSQL with real threads (a connection each, released
together). SQLite serialises every writer, so there is no race to lose there."""

from functools import partial

import pytest
from django.db import connection

from campaigns.models import CallEntry
from campaigns.services import next_call
from campaigns.services.calls import resplit_call_list
from tests.campaigns.factories import CallEntryFactory, CallListCallerFactory, CallListFactory
from tests.concurrency import at_once

pytestmark = [
    # Not serialized_rollback: see tests/visits/test_visit_concurrency.py.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]
TRIALS = 20


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


def test_one_caller_asking_twice_at_once_gets_two_different_numbers(telemarketing, people):
    for trial in range(TRIALS):
        call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
        CallListCallerFactory(call_list=call_list, caller=people.sales2, added_by=people.info1)
        for position in range(1, 4):
            CallEntryFactory(call_list=call_list, position=position, phone=f"+8613{trial:03d}00000{position}")
        resplit_call_list(call_list=call_list)

        first, second = at_once(partial(next_call, caller=people.sales2), partial(next_call, caller=people.sales2))

        assert isinstance(first, CallEntry) and isinstance(second, CallEntry), (first, second)
        assert first.pk != second.pk
        CallEntry.objects.filter(call_list=call_list).update(
            status=CallEntry.Status.DONE, claimed_by=None, claimed_at=None
        )


def test_two_callers_never_get_the_same_phone_from_two_lists(telemarketing, people):
    """The same phone is on sales2's list and on sales3's: of the two asking at once, one gets it and the other
    the next number of their own list."""
    for trial in range(TRIALS):
        shared = f"+8613{trial:03d}000009"
        one = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
        two = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
        CallEntryFactory(call_list=one, position=1, phone=shared, caller=people.sales2)
        CallEntryFactory(call_list=one, position=2, phone=f"+8613{trial:03d}000001", caller=people.sales2)
        CallEntryFactory(call_list=two, position=1, phone=shared, caller=people.sales3)
        CallEntryFactory(call_list=two, position=2, phone=f"+8613{trial:03d}000002", caller=people.sales3)

        mine, theirs = at_once(partial(next_call, caller=people.sales2), partial(next_call, caller=people.sales3))

        assert isinstance(mine, CallEntry) and isinstance(theirs, CallEntry), (mine, theirs)
        assert str(mine.phone) != str(theirs.phone)
        assert shared in {str(mine.phone), str(theirs.phone)}
        assert CallEntry.objects.filter(phone=shared, claimed_by__isnull=False).count() == 1
        CallEntry.objects.filter(call_list__in=[one, two]).update(
            status=CallEntry.Status.DONE, claimed_by=None, claimed_at=None
        )

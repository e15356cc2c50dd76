"""Never two callers on the same number at once, on PostgreSQL with real threads (a connection each, released
together). SQLite serialises every writer, so there is no race to lose there."""

from functools import partial

import pytest
from django.db import connection

from campaigns.models import CallEntry
from campaigns.services import next_call
from tests.campaigns.factories import CallEntryFactory, CallListFactory
from tests.concurrency import at_once
from tests.crm.factories import SalespersonFactory

pytestmark = [
    # Not serialized_rollback: see tests/visits/test_visit_concurrency.py.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]
TRIALS = 20


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


def test_four_callers_whose_lists_share_phones_never_have_one_phone_on_two_screens(telemarketing, people):
    """Each caller has a list of their own; the lists share three phones. Asking at once, again and again
    (each taking the next number while the others still hold theirs), no phone is ever on two screens."""
    callers = [people.sales1, people.sales2, people.sales3, SalespersonFactory(username="sales4")]
    shared = [f"+861380000000{n}" for n in range(3)]
    for index, caller in enumerate(callers):
        call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
        phones = shared + [f"+8613900000{index}{n:02d}" for n in range(TRIALS)]
        for position, phone in enumerate(phones, start=1):
            CallEntryFactory(call_list=call_list, position=position, phone=phone, caller=caller)

    for _round in range(TRIALS // 2):
        taken = at_once(*(partial(next_call, caller=caller) for caller in callers))

        assert all(isinstance(entry, CallEntry) for entry in taken), taken
        on_screens = [str(entry.phone) for entry in taken]
        assert len(set(on_screens)) == len(callers), on_screens
        # Each screen is cleared (given back unsaved) before the next round, so the shared phones are asked for again.
        CallEntry.objects.filter(pk__in=[entry.pk for entry in taken]).update(
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

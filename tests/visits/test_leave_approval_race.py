"""manager1 and the admin decide sales1's leave at the same instant: the first decision stands, once."""

from datetime import date

import pytest
from django.db import connection

from crm.approvals.services import AlreadyDecided, decide_approval
from crm.models import Approval
from tests.concurrency import at_once
from visits.models import Leave
from visits.services import request_leave

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises"),
]


def test_two_simultaneous_decisions_one_stands_and_the_leave_enters_once(people):
    day = date.today()
    approval = request_leave(salesperson=people.sales1, start_day=day, end_day=day)

    outcomes = at_once(
        lambda: decide_approval(approval_id=approval.pk, user=people.manager1, approve=True),
        lambda: decide_approval(approval_id=approval.pk, user=people.admin, approve=True),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["AlreadyDecided", "Approval"]
    refused = next(outcome for outcome in outcomes if isinstance(outcome, AlreadyDecided))
    winner = Approval.objects.get(pk=approval.pk).decided_by
    assert str(winner) in str(refused)
    assert Leave.objects.filter(salesperson=people.sales1).count() == 1

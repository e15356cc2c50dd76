"""The pipelines under real races on PostgreSQL (threads with a connection each, released together): two
reminder jobs at once send one reminder per deadline; two people moving one candidate at once move it once."""

from datetime import date
from functools import partial

import pytest
from django.db import connection

from campaigns.pipelines.models import CandidateStage, TenderReminder
from campaigns.pipelines.services import StageRefused, move_candidate, send_tender_reminders
from crm.models import Notification
from tests.campaigns.factories import CandidateFactory, TenderFactory
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose there"),
]
TRIALS = 5


@pytest.fixture(autouse=True)
def _reference_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


def test_two_reminder_jobs_at_once_send_one_reminder_per_deadline():
    for trial in range(TRIALS):
        today = date(2026, 12, 1 + trial)
        tenders = [TenderFactory(documents_deadline=today, submission_deadline=date(2026, 12, 28)) for _ in range(3)]

        sent = at_once(partial(send_tender_reminders, today=today), partial(send_tender_reminders, today=today))

        assert sorted(sent) == [0, 3], sent
        assert TenderReminder.objects.filter(tender__in=tenders).count() == 3
        assert (
            Notification.objects.filter(kind="tender_deadline", recipient__in=[t.owner for t in tenders]).count() == 3
        )


def test_two_people_moving_one_candidate_at_once_move_it_once():
    for _trial in range(TRIALS):
        candidate = CandidateFactory()
        move = partial(
            move_candidate, candidate_id=candidate.pk, to_stage=CandidateStage.INTERVIEWED, changed_by=candidate.owner
        )

        outcomes = at_once(move, move)

        assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Candidate", "StageRefused"], outcomes
        assert isinstance(next(o for o in outcomes if not hasattr(o, "pk")), StageRefused)
        assert candidate.stage_changes.filter(to_stage=CandidateStage.INTERVIEWED).count() == 1

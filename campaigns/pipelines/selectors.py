"""Reads of the recruitment and tender pipelines: the boards (counts per stage), the lists, a record's
history, the territories one may open a record in, and the morning meeting's section. Set-based: a fixed
number of queries whatever the number of records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextChoices

from campaigns.pipelines.models import (
    TENDER_CHANNEL,
    Candidate,
    CandidateStage,
    CandidateStageChange,
    Tender,
    TenderStage,
    TenderStageChange,
)
from crm.models import User
from territories.models import Territory, TerritoryAssignment

# The meeting shows the most overdue few; the tender list has them all (?overdue=1).
MEETING_OVERDUE_LIMIT = 10


def candidates_for(*, viewer: User, stage: str = "") -> QuerySet[Candidate]:
    rows = Candidate.objects.visible_to(viewer).select_related("owner", "source_channel", "territory")
    if stage:
        rows = rows.filter(stage=stage)
    return rows.order_by("-stage_changed_at", "-id")


def overdue_tenders_q(*, today: date) -> Q:
    """A deadline passed while the tender is still before it: documents not bought, bid not submitted, or the
    opening passed without a result written down."""
    return (
        Q(stage=TenderStage.ANNOUNCED, documents_deadline__lt=today)
        | Q(stage__in=(TenderStage.ANNOUNCED, TenderStage.DOCUMENTS_BOUGHT), submission_deadline__lt=today)
        | Q(stage=TenderStage.SUBMITTED, opening_on__lt=today)
    )


def tenders_for(*, viewer: User, stage: str = "", overdue_on: date | None = None) -> QuerySet[Tender]:
    rows = Tender.objects.visible_to(viewer).select_related("owner", "territory")
    if stage:
        rows = rows.filter(stage=stage)
    if overdue_on is not None:
        rows = rows.filter(overdue_tenders_q(today=overdue_on))
    return rows.order_by("submission_deadline", "id")


@dataclass
class Board:
    """Counts per stage, in stage order, as (value, label, count); ``overdue`` for tenders."""

    stages: list[tuple[str, str, int]] = field(default_factory=list)
    total: int = 0
    overdue: int = 0

    def count(self, stage: str) -> int:
        return next((count for value, _label, count in self.stages if value == stage), 0)


def _stage_counts(
    rows: QuerySet, choices: type[TextChoices], **extra: Count
) -> tuple[list[tuple[str, str, int]], dict]:
    aggregates = {value: Count("pk", filter=Q(stage=value)) for value in choices.values}
    result = rows.order_by().aggregate(**aggregates, **extra)
    return [(value, label, result[value]) for value, label in choices.choices], result


def candidate_board(*, viewer: User) -> Board:
    """One query."""
    stages, _result = _stage_counts(Candidate.objects.visible_to(viewer), CandidateStage)
    return Board(stages=stages, total=sum(count for _v, _l, count in stages))


def tender_board(*, viewer: User, today: date) -> Board:
    """One query."""
    stages, result = _stage_counts(
        Tender.objects.visible_to(viewer), TenderStage, overdue=Count("pk", filter=overdue_tenders_q(today=today))
    )
    return Board(stages=stages, total=sum(count for _v, _l, count in stages), overdue=result["overdue"])


def candidate_history(*, candidate: Candidate) -> QuerySet[CandidateStageChange]:
    return candidate.stage_changes.select_related("changed_by").order_by("changed_at", "id")


def tender_history(*, tender: Tender) -> QuerySet[TenderStageChange]:
    return tender.stage_changes.select_related("changed_by").order_by("changed_at", "id")


def territories_for_pipeline(*, viewer: User, tenders: bool) -> QuerySet[Territory]:
    """The channel territories ``viewer`` may open a record in: active, owned now, seen by the viewer (the
    government-tenders channel's for tenders)."""
    owned = TerritoryAssignment.objects.current().filter(territory=OuterRef("pk"))
    rows = Territory.objects.visible_to(viewer).filter(Exists(owned), is_active=True, channel_type__isnull=False)
    if tenders:
        rows = rows.filter(channel_type__code=TENDER_CHANNEL)
    return rows.select_related("channel_type").order_by("path")


@dataclass
class PipelineMeeting:
    recruitment: Board
    tenders: Board
    overdue: list[Tender]


def pipelines_for_meeting(*, viewer: User, today: date) -> PipelineMeeting:
    """The morning meeting's pipelines section: per pipeline the count per stage, the tenders' overdue
    deadlines and the most overdue few. Three queries."""
    return PipelineMeeting(
        recruitment=candidate_board(viewer=viewer),
        tenders=tender_board(viewer=viewer, today=today),
        overdue=list(tenders_for(viewer=viewer, overdue_on=today)[:MEETING_OVERDUE_LIMIT]),
    )

"""API shapes of the daily reports: the figures, the texts, the comments; and what the doors take in."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from visits.reports.figures import INTENTS, KINDS, DayFigures
from visits.reports.models import DailyReport, DailyReportComment
from visits.reports.permissions import commented_by_others, texts_locked_reason


class DayFiguresSerializer(serializers.Serializer):
    """A day in figures (visits.reports.figures.DayFigures). Money is a string with two decimals."""

    visit_count = serializers.IntegerField(help_text="Every visit of the day, calls and office visits included.")
    visits_by_kind = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Visits per kind, every kind listed: {', '.join(KINDS)}."
    )
    intent_counts = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Visits rated per rating: {', '.join(INTENTS)}."
    )
    new_customers = serializers.IntegerField(help_text="Customers the salesperson registered that day.")
    deal_count = serializers.IntegerField(help_text="Deals credited to them, issued that day (not cancelled).")
    deal_amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Those deals' amount (CNY).")
    quota_required = serializers.IntegerField(allow_null=True, help_text="The visit quota; null: none that day.")
    quota_counted = serializers.IntegerField(help_text="Visits counted toward the quota.")
    shortfall = serializers.IntegerField(help_text="Visits missing to the quota (0 when met or without a quota).")


class DailyReportCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = DailyReportComment
        fields = ["id", "report", "author", "author_name", "text", "created_at"]
        read_only_fields = fields


REPORT_FIELDS = [
    "id",
    "salesperson",
    "salesperson_name",
    "day",
    "submitted_at",
    "due_at",
    "late",
    "form_submission",
    "figures",
    "went_well",
    "problems",
    "tomorrow_plan",
    "texts_edited_at",
]


class DailyReportSerializer(serializers.ModelSerializer):
    """A report in a list: the figures as submitted, the texts, how many comments."""

    salesperson_name = serializers.CharField(source="salesperson.__str__", read_only=True)
    figures = DayFiguresSerializer(read_only=True, help_text="The figures as submitted.")
    comment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DailyReport
        fields = [*REPORT_FIELDS, "comment_count"]
        read_only_fields = fields


class DailyReportDetailSerializer(serializers.ModelSerializer):
    """One report: the figures as submitted and as they are now, what changed, the texts, the comments.

    Needs ``current_figures`` in its context: the day's figures now, by salesperson id
    (visits.reports.selectors.day_figures)."""

    salesperson_name = serializers.CharField(source="salesperson.__str__", read_only=True)
    figures = DayFiguresSerializer(read_only=True, help_text="The figures as submitted.")
    comments = DailyReportCommentSerializer(many=True, read_only=True)
    current_figures = serializers.SerializerMethodField(help_text="The day's figures as they are now.")
    changes_since_submission = serializers.SerializerMethodField(
        help_text="What changed in the day since the submission, one line each; empty when nothing did."
    )
    texts_editable = serializers.SerializerMethodField(
        help_text="Whether the salesperson may still change the texts (PATCH)."
    )

    class Meta:
        model = DailyReport
        fields = [*REPORT_FIELDS, "comments", "current_figures", "changes_since_submission", "texts_editable"]
        read_only_fields = fields

    def _current(self, report: DailyReport) -> DayFigures:
        return self.context["current_figures"][report.salesperson_id]

    @extend_schema_field(DayFiguresSerializer)
    def get_current_figures(self, report: DailyReport) -> dict:
        return DayFiguresSerializer(self._current(report)).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_changes_since_submission(self, report: DailyReport) -> list[str]:
        return self._current(report).changes_since(report.figures)

    @extend_schema_field(serializers.BooleanField())
    def get_texts_editable(self, report: DailyReport) -> bool:
        return not texts_locked_reason(report=report, commented=commented_by_others(report))


class TextOnlyField(serializers.CharField):
    """Text as sent: a number, a list or an object is refused (DRF's CharField would turn 0 into "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text_field(help_text: str) -> serializers.CharField:
    return TextOnlyField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.CRM["MAX_NOTE_LENGTH"],
        help_text=help_text,
    )


class DailyReportTextsSerializer(serializers.Serializer):
    went_well = _text_field("What went well.")
    problems = _text_field("Problems met.")
    tomorrow_plan = _text_field("Tomorrow's plan.")


class DailyReportSubmitSerializer(DailyReportTextsSerializer):
    day = serializers.DateField(required=False, help_text="The day reported on; default today. Not a day to come.")


class DailyReportCommentInputSerializer(serializers.Serializer):
    text = TextOnlyField(trim_whitespace=False, max_length=settings.CRM["MAX_NOTE_LENGTH"])


class TeamDayPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    team = serializers.CharField(allow_null=True)


class TeamDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    count = serializers.IntegerField(help_text="Reports submitted for the day (all pages).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    reports = DailyReportDetailSerializer(many=True, help_text="This page's reports, with comments and changes.")
    not_submitted = TeamDayPersonSerializer(many=True, help_text="Everyone overseen who has not submitted yet.")

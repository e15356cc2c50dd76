"""Forms of the daily-report pages: they turn the posted texts into strings; the bounds and every rule
are the services' (crm.bounds, visits.reports.services), so the page and the API refuse the same things."""

from __future__ import annotations

from django import forms

TEXT_FIELDS = ("went_well", "problems", "tomorrow_plan")


class DailyReportForm(forms.Form):
    went_well = forms.CharField(required=False, strip=False)
    problems = forms.CharField(required=False, strip=False)
    tomorrow_plan = forms.CharField(required=False, strip=False)

    def texts(self) -> dict[str, str]:
        """The three texts as posted ("" for one left out)."""
        self.is_valid()  # optional text fields: nothing is refused here
        return {name: self.cleaned_data.get(name) or "" for name in TEXT_FIELDS}


class CommentForm(forms.Form):
    text = forms.CharField(required=False, strip=False)

    def comment(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("text") or ""

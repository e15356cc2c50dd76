"""Filters of the visit lists (pages, export and API share them)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Customer
from crm.models import User
from territories.models import Territory
from visits.models import Visit
from visits.trust import flagged_q


def _people(request) -> object:
    user = getattr(request, "user", None)
    people = User.objects.filter(role=User.Role.SALESPERSON).order_by("username")
    if user is None or not user.is_authenticated:
        return people.none()
    if user.sees_everything:
        return people
    if user.is_manager:
        return people.filter(team__manager=user)
    return people.filter(pk=user.pk)


def _territories(request) -> object:
    user = getattr(request, "user", None)
    territories = Territory.objects.filter(kind=Territory.Kind.CHANNEL).order_by("path")
    if user is None or not user.is_authenticated:
        return territories.none()
    if user.sees_everything:
        return territories
    if user.is_manager:
        return territories.filter(assignments__salesperson__team__manager=user).distinct()
    return territories.filter(assignments__salesperson=user).distinct()


class VisitFilter(django_filters.FilterSet):
    salesperson = django_filters.ModelChoiceFilter(label=_("Salesperson"), queryset=_people)
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="visited_on", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="visited_on", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    intent = django_filters.ChoiceFilter(label=_("Intent"), choices=Customer.Intent.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind of visit"), choices=Visit.Kind.choices)
    territory = django_filters.ModelChoiceFilter(
        label=_("Territory"), field_name="customer__territory", queryset=_territories
    )
    # Where the salesperson stood: far, near, or no usable position at all (none recorded, or too
    # vague to measure). "true" stays the value the far check-in notification links to.
    far = django_filters.ChoiceFilter(
        label=_("Far from the customer"),
        choices=[("true", _("Far from the customer")), ("false", _("Near the customer")), ("none", _("No position"))],
        method="filter_far",
    )
    # Choices, not a yes/no/unknown boolean: "unknown" means nothing to a manager reading the list.
    flagged = django_filters.ChoiceFilter(
        label=_("Flagged for review"),
        choices=[("true", _("Flagged")), ("false", _("Not flagged"))],
        method="filter_flagged",
    )

    class Meta:
        model = Visit
        fields = ["salesperson", "date_from", "date_to", "intent", "kind", "territory", "far", "flagged"]

    def filter_flagged(self, queryset, name: str, value: str):
        if value == "true":
            return queryset.filter(flagged_q())
        if value == "false":
            return queryset.exclude(flagged_q())
        return queryset

    def filter_far(self, queryset, name: str, value: str):
        if value == "true":
            return queryset.filter(far_from_customer=True)
        if value == "false":
            return queryset.filter(far_from_customer=False, distance_m__isnull=False)
        if value == "none":
            return queryset.filter(distance_m__isnull=True)
        return queryset

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs.setdefault("class", "form-select" if is_select else "form-control")

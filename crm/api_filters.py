"""The API's filter backend: django-filter's, except that a well-formed id that matches nothing filters to nothing,
and that a yes/no filter refuses what is neither.

``?customer=12345`` for a customer that does not exist (or that the caller may not see) is a valid question
whose answer is an empty list, as the schema says (an integer); django-filter's choice fields would answer
400 "not one of the available choices". A malformed id (``?customer=abc``) is still a 400.
"""

from __future__ import annotations

import re

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

_INTEGER = re.compile(r"-?[0-9]+")
_BOOLEANS = frozenset({"true", "false", "True", "False", "1", "0"})
_ID_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)


def _matches_nothing(filterset) -> bool:
    """True when every error is a well-formed id that is not among the filter's choices."""
    errors = filterset.form.errors.as_data()
    for name, field_errors in errors.items():
        if not isinstance(filterset.filters.get(name), _ID_FILTERS):
            return False
        if any(error.code not in ("invalid_choice", "invalid_pk_value") for error in field_errors):
            return False
        values = filterset.data.getlist(name) if hasattr(filterset.data, "getlist") else [filterset.data.get(name)]
        if not all(_INTEGER.fullmatch(str(value)) for value in values):
            return False
    return bool(errors)


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        # First: an unreadable yes/no is refused even when another filter already matches nothing.
        _refuse_unreadable_booleans(filterset)
        if not filterset.is_valid():
            if _matches_nothing(filterset):
                return queryset.none()
            raise translate_validation(filterset.errors)
        return filterset.qs


def _refuse_unreadable_booleans(filterset) -> None:
    """django-filter ignores ``?is_active=maybe`` (it lists everything); a yes/no filter takes true or false."""
    errors = {
        name: [_("Enter true or false.")]
        for name, value in filterset.data.items()
        if isinstance(filterset.filters.get(name), django_filters.BooleanFilter) and value and value not in _BOOLEANS
    }
    if errors:
        raise ValidationError(errors)

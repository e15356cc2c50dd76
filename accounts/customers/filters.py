"""The customer list's filters, shared by the page, the export and the API."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.customers.models import Contact, Customer
from accounts.customers.selectors import customers_for_list, customers_of_segment, owner_choices_for
from crm.forms import LongSelect
from crm.models import User
from crm.phones import normalise_phone
from territories.models import ChannelType, Territory

RENEWAL_MONTHS = [(month, str(month)) for month in range(1, 13)]
SORT_LABELS = {
    "created_at": _("Registered"),
    "unit_name": _("Unit name"),
    "last_activity_at": _("Last activity"),
    "renewal_month": _("Renewal month"),
    "status": _("Status"),
}
# django-filter writes the descending choices with "%", which translates the label once, at import:
# they are named here, lazily, so that each request reads them in its own language.
SORT_LABELS |= {f"-{name}": format_lazy(_("{label} (descending)"), label=label) for name, label in SORT_LABELS.items()}


# The choices read only what their options show and their filter uses: the admin's are every territory and
# every salesperson, and building hundreds of full rows (JSON columns decoded) cost as much as their HTML.
def _visible_territories(request):
    if request is None:
        return Territory.objects.none()
    return Territory.objects.visible_to(request.user).order_by("path").only("pk", "name", "path")


def _owner_choices(request):
    if request is None:
        return Customer.objects.none()
    return owner_choices_for(user=request.user).only("pk", "username", "first_name", "last_name")


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or phone"), method="filter_text")
    # LongSelect: the admin's choices are every territory and every salesperson (hundreds of options), which
    # Django's option templates made the slowest part of the page.
    territory = django_filters.ModelChoiceFilter(
        label=_("Territory (and below)"), queryset=_visible_territories, method="filter_territory", widget=LongSelect
    )
    channel_type = django_filters.ModelChoiceFilter(
        label=_("Channel type"), queryset=ChannelType.objects.all(), widget=LongSelect
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Customer.Status.choices)
    intent = django_filters.ChoiceFilter(label=_("Intent"), choices=Customer.Intent.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Customer.Source.choices)
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=_owner_choices, widget=LongSelect)
    renewal_month = django_filters.ChoiceFilter(label=_("Renewal month"), choices=RENEWAL_MONTHS)
    located = django_filters.BooleanFilter(label=_("Position on the map known"), method="filter_located")
    vehicle_type = django_filters.ChoiceFilter(label=_("Vehicle type"), choices=Customer.VehicleType.choices)
    # A saved segment (campaigns' segments page links here and to the export with ``?segment=<id>``).
    # Any value that names no segment of the user's filters to nothing, never to the whole list.
    segment = django_filters.CharFilter(label=_("Segment"), method="filter_segment", widget=forms.HiddenInput)
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("created_at", "created_at"),
            ("unit_name", "unit_name"),
            ("last_activity_at", "last_activity_at"),
            ("renewal_month", "renewal_month"),
            ("status", "status"),
        ),
        field_labels=SORT_LABELS,
    )

    class Meta:
        model = Customer
        fields = [
            "q",
            "territory",
            "channel_type",
            "status",
            "intent",
            "source",
            "owner",
            "renewal_month",
            "vehicle_type",
            "segment",
            "located",
        ]

    def rows_of(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        """This filterset's filters and ordering over another ``queryset``, as ``qs`` applies them to its own (the
        list's page rows: ``selectors.VisibleCustomerPaginator``)."""
        queryset = queryset.all()
        if self.is_bound:
            self.errors  # noqa: B018 - validates the form, as ``qs`` does
            queryset = self.filter_queryset(queryset)
        return queryset

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(unit_name__icontains=value) | Exists(
            Contact.objects.filter(customer=OuterRef("pk"), name__icontains=value)
        )
        normalised = normalise_phone(value)
        digits = re.sub(r"\D", "", value)
        if normalised:
            condition |= Q(phone=normalised)
        elif len(digits) >= 4:
            condition |= Q(phone__contains=digits)
        return queryset.filter(condition)

    def filter_segment(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if self.request is None or not value.isdigit() or int(value) > 2**31 - 1:
            return queryset.none()
        segment = customers_of_segment(user=self.request.user, segment_id=int(value))
        return queryset.filter(pk__in=segment.values("pk"))

    def filter_territory(self, queryset, name, value):
        return queryset.in_territory_tree(value) if value else queryset

    def filter_located(self, queryset, name, value):
        """Customers with a position (both coordinates) or without one (the map counts and links to these)."""
        if value is None:
            return queryset
        if value:
            return queryset.filter(latitude__isnull=False, longitude__isnull=False)
        return queryset.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))


def customers_for_export(user: User, query: QueryDict) -> QuerySet[Customer]:
    """What ``user`` sees of the customer list with its filters (``query``): the export's rows, the same
    whether written in the request or by a worker (which passes the owner, never itself)."""
    request = HttpRequest()
    request.user = user  # the filters' choices (territories, owners, segments) are the user's
    return CustomerFilter(query or None, queryset=customers_for_list(user=user), request=request).qs

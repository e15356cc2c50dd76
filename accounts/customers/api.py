"""REST API of customers: the list's FilterSet and ``visible_to``, writes through the services."""

from __future__ import annotations

from functools import partial

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.customers import selectors, services
from accounts.customers.duplicates.lookup import find_duplicates
from accounts.customers.filters import CustomerFilter
from accounts.customers.models import Contact
from accounts.customers.permissions import can_edit_customer
from accounts.customers.serializers import (
    CustomerSerializer,
    CustomerWriteSerializer,
    DuplicateCandidateSerializer,
    DuplicateQuerySerializer,
)
from crm.api_filters import FilterBackend
from crm.errors import NotPermitted


def _registration_sources(data) -> dict:
    """Where the new customer came through (``services.REGISTRATION_SOURCES``, e.g. ``partner``: an id), each
    optional; an unknown id is a 400 with the field's message."""
    fields = {
        source.name: serializers.PrimaryKeyRelatedField(queryset=source.choices(), required=False, allow_null=True)
        for source in services.REGISTRATION_SOURCES.values()
    }
    sources = type("RegistrationSources", (serializers.Serializer,), fields)(data=data)
    sources.is_valid(raise_exception=True)
    return dict(sources.validated_data)


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    filter_backends = [FilterBackend]  # sorting is the FilterSet's ``ordering``, as on the page

    def get_queryset(self):
        return selectors.customers_for_list(user=self.request.user).prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("id"))
        )

    def list(self, request, *args, **kwargs):
        # The page read as the list page reads it (``selectors.VisibleCustomerPaginator``): the filters and order
        # inside each branch of the visibility rule, the count from the indexes; ``pk IN (UNION)`` sorted a
        # manager's 10,000 customers to send 50 (issue #24). The paginator applies the visibility: ``rows`` never
        # leaves this method unpaginated. (A comment: a docstring would become the operation's description.)
        rows = self.filter_queryset(
            selectors.customer_rows_for_list().prefetch_related(
                Prefetch("contacts", queryset=Contact.objects.order_by("id"))
            )
        )
        self.paginator.django_paginator_class = partial(selectors.VisibleCustomerPaginator, user=request.user)
        page = self.paginate_queryset(rows)
        assert page is not None, "the API always paginates (REST_FRAMEWORK PAGE_SIZE)"
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _write_input(self, *, partial: bool) -> dict:
        if not can_edit_customer(self.request.user):
            raise NotPermitted
        serializer = CustomerWriteSerializer(data=self.request.data, partial=partial, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=CustomerWriteSerializer, responses={201: CustomerSerializer})
    def create(self, request, *args, **kwargs):
        data = self._write_input(partial=False)
        if not data.get("unit_name"):
            raise serializers.ValidationError({"unit_name": [serializers.Field.default_error_messages["required"]]})
        business_card = data.pop("business_card", None)
        contacts = data.pop("contacts", [])
        data.pop("version", None)
        customer = services.register_customer(
            created_by=request.user,
            data=data,
            contacts=contacts,
            business_card=business_card,
            sources=_registration_sources(request.data),
        )
        return Response(self._read(customer.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerWriteSerializer, responses={200: CustomerSerializer})
    def update(self, request, *args, **kwargs):
        customer = self.get_object()
        data = self._write_input(partial=True)
        if "version" not in data:
            raise serializers.ValidationError({"version": [serializers.Field.default_error_messages["required"]]})
        version = data.pop("version")
        business_card = data.pop("business_card", None)
        data.pop("contacts", None)
        services.update_customer(
            customer_id=customer.pk, changed_by=request.user, version=version, data=data, business_card=business_card
        )
        return Response(self._read(customer.pk))

    @extend_schema(parameters=[DuplicateQuerySerializer], responses=DuplicateCandidateSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="duplicates", filter_backends=[], pagination_class=None)
    def duplicates(self, request, *args, **kwargs):
        """The duplicate check: registered customers the typed one may be, with why each matches, as the
        caller may see them (the registration form's and the desk's check)."""
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        candidates = find_duplicates(
            user=request.user,
            unit_name=data["unit_name"],
            phones=[phone for phone in data["phone"] if phone],
            district=data["district"],
            address=data["address"],
            exclude_pk=data.get("exclude"),
        )
        return Response(DuplicateCandidateSerializer(candidates, many=True).data)

    def _read(self, pk: int) -> dict:
        customer = self.get_queryset().filter(pk=pk).first()
        if customer is None:  # registered outside the caller's own scope: say only that it exists
            return {"id": pk}
        return CustomerSerializer(customer, context=self.get_serializer_context()).data


router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")

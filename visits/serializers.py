"""API shapes of visits and shortfalls."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from visits.inputs import VisitInput
from visits.models import Material, Obstacle, QuotaShortfall, TalkingPoint, Visit, VisitPhoto


class VisitPhotoSerializer(serializers.ModelSerializer):
    """A photo's links go to the protected views: they open only for those who see the visit."""

    url = serializers.SerializerMethodField(help_text="The stamped photo, full size.")
    thumbnail_url = serializers.SerializerMethodField(help_text="Its thumbnail (the photo itself until made).")

    class Meta:
        model = VisitPhoto
        fields = ["id", "source", "taken_at", "url", "thumbnail_url"]
        read_only_fields = fields

    def _link(self, name: str, photo: VisitPhoto) -> str:
        path = reverse(name, args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.URLField())
    def get_url(self, photo: VisitPhoto) -> str:
        return self._link("visits:visit_photo", photo)

    @extend_schema_field(serializers.URLField())
    def get_thumbnail_url(self, photo: VisitPhoto) -> str:
        return self._link("visits:visit_photo_thumbnail", photo)


class VisitSerializer(serializers.ModelSerializer):
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)
    customer_name = serializers.CharField(source="customer.unit_name", read_only=True)
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "salesperson",
            "customer",
            "customer_name",
            "kind",
            "visited_at",
            "visited_on",
            "materials",
            "talking_points",
            "notes",
            "next_step",
            "next_step_on",
            "latitude",
            "longitude",
            "accuracy_m",
            "distance_m",
            "far_from_customer",
            "far_reason",
            "intent",
            "obstacles",
            "obstacle_detail",
            "rated_at",
            "client_id",
            "created_at",
            "photos",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "string", "format": "binary"})
class PhotoFileField(serializers.FileField):
    """An uploaded photo (multipart); crm.images checks and re-encodes it in the service."""


# The documented shape of a new visit (its docstring is the schema's description). The one visit input
# (visits.inputs.VisitInput, the page form's and offline sync's too) reads what is sent, so its
# ``validated_data`` are record_visit's arguments and a bad visit gets the other doors' messages.
class VisitCreateSerializer(serializers.Serializer):
    """What a client sends; checked again, with the scope, by the record_visit service."""

    def to_internal_value(self, data):
        # The fields below document the shape (the OpenAPI schema); the one input reads it, with the same
        # messages as the other doors.
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)
        request = self.context.get("request")
        visit_input = VisitInput(data=data, files=getattr(request, "FILES", None))
        if not visit_input.is_valid():
            raise serializers.ValidationError(
                {field: [str(message) for message in messages] for field, messages in visit_input.errors.items()}
            )
        return visit_input.visit_kwargs()

    customer = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Visit.Kind.choices, default=Visit.Kind.FIRST)
    visited_at = serializers.DateTimeField(required=False)
    materials = serializers.ListField(child=serializers.ChoiceField(choices=Material.choices), required=False)
    talking_points = serializers.ListField(child=serializers.ChoiceField(choices=TalkingPoint.choices), required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    next_step_on = serializers.DateField(required=False, allow_null=True)
    latitude = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    longitude = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    accuracy_m = serializers.FloatField(required=False, allow_null=True)
    client_id = serializers.UUIDField(required=False, allow_null=True)
    far_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Required when the check-in is beyond the team's radius: the first try answers 400 with "
        "code far_reason_required, distance_m and radius_m.",
    )
    # Multipart only. Two fields so that the server knows what the phone says came from its camera;
    # the stamp labels the others "from gallery" (with their EXIF time), and so are camera photos
    # whose EXIF time is well before the visit. At most 5 in all, 5 MB each, JPEG/PNG/WebP.
    camera_photos = serializers.ListField(
        child=PhotoFileField(), required=False, default=list, help_text="Photos taken with the camera."
    )
    photos = serializers.ListField(
        child=PhotoFileField(), required=False, default=list, help_text="Photos picked from the gallery."
    )


class RatingSerializer(serializers.Serializer):
    intent = serializers.CharField(help_text="A, B, C or D")
    obstacles = serializers.ListField(child=serializers.ChoiceField(choices=Obstacle.choices), required=False)
    obstacle_detail = serializers.CharField(required=False, allow_blank=True, default="")


class QuotaShortfallSerializer(serializers.ModelSerializer):
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None)

    class Meta:
        model = QuotaShortfall
        fields = [
            "id",
            "salesperson",
            "day",
            "required",
            "actual",
            "explanation",
            "explained_at",
            "status",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "withdrawn_at",
            "withdrawal_reason",
            "counted_at_withdrawal",
        ]
        read_only_fields = fields


class NearbyCustomerSerializer(serializers.Serializer):
    """One customer near the point: where it is, how far, its intent and its last visit the caller sees."""

    id = serializers.IntegerField(source="customer.pk")
    unit_name = serializers.CharField(source="customer.unit_name")
    district = serializers.CharField(source="customer.district")
    address = serializers.CharField(source="customer.address")
    intent = serializers.CharField(source="customer.intent", help_text="A–D, or empty when never rated.")
    latitude = serializers.DecimalField(source="customer.latitude", max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(source="customer.longitude", max_digits=9, decimal_places=6)
    location_source = serializers.CharField(
        source="customer.location_source", help_text="check_in, geocoded, imported or pin."
    )
    distance_m = serializers.IntegerField(help_text="Great-circle distance from the point, whole metres.")
    last_visit_on = serializers.DateField(allow_null=True)
    owner = serializers.CharField(source="customer.owner.username", default=None, allow_null=True)


class NearbyAnswerSerializer(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    radius_m = serializers.IntegerField()
    results = NearbyCustomerSerializer(many=True)

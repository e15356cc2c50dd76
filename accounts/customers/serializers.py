from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.customers.models import Contact, Customer
from crm.bounds import validate_name, validate_note_length, validate_phone_without_letters
from crm.images import clean_image
from territories.models import ChannelType, Territory


class ContactSerializer(serializers.ModelSerializer):
    mobile = PhoneNumberField(required=False, allow_blank=True, validators=[validate_phone_without_letters])
    phone = PhoneNumberField(required=False, allow_blank=True, validators=[validate_phone_without_letters])

    class Meta:
        model = Contact
        fields = ["id", "name", "title", "mobile", "phone"]
        extra_kwargs = {"name": {"validators": [validate_name]}, "title": {"validators": [validate_name]}}


class CustomerSerializer(serializers.ModelSerializer):
    """What the API shows of a customer the caller may see."""

    contacts = ContactSerializer(many=True, read_only=True)
    channel_type_name = serializers.CharField(source="channel_type.name", default=None, read_only=True)
    territory_name = serializers.CharField(source="territory.name", default=None, read_only=True)
    owner_name = serializers.CharField(source="owner", default=None, read_only=True)
    owner_username = serializers.CharField(source="owner.username", default=None, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "unit_name",
            "business_type",
            "channel_type",
            "channel_type_name",
            "source",
            "phone",
            "address",
            "district",
            "territory",
            "territory_name",
            "owner",
            "owner_username",
            "owner_name",
            "current_insurer",
            "renewal_month",
            "vehicle_type",
            "vehicle_count",
            "notes",
            "status",
            "intent",
            "last_activity_at",
            "pooled_at",
            "version",
            "created_at",
            "contacts",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(serializers.Serializer):
    """Input of registration (POST) and edits (PATCH, with the ``version`` that was read)."""

    unit_name = serializers.CharField(max_length=200, required=False, validators=[validate_name])
    business_type = serializers.CharField(max_length=100, required=False, allow_blank=True)
    channel_type = serializers.PrimaryKeyRelatedField(
        queryset=ChannelType.objects.filter(is_active=True), required=False, allow_null=True
    )
    source = serializers.ChoiceField(choices=Customer.Source.choices, required=False)
    status = serializers.ChoiceField(choices=Customer.Status.choices, required=False)
    phone = PhoneNumberField(required=False, allow_blank=True, validators=[validate_phone_without_letters])
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    district = serializers.CharField(max_length=50, required=False, allow_blank=True)
    current_insurer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    renewal_month = serializers.IntegerField(min_value=1, max_value=12, required=False, allow_null=True)
    vehicle_type = serializers.ChoiceField(choices=Customer.VehicleType.choices, required=False, allow_blank=True)
    vehicle_count = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, validators=[validate_note_length])
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.none(), required=False, allow_null=True)
    business_card = serializers.FileField(required=False, write_only=True)
    contacts = ContactSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["territory"].queryset = Territory.objects.visible_to(request.user)

    def validate_business_card(self, upload):
        try:
            return clean_image(upload)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class DuplicateQuerySerializer(serializers.Serializer):
    """What is typed, as query parameters of ``GET /api/customers/duplicates/``."""

    unit_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="The unit name as typed or heard."
    )
    phone = serializers.ListField(
        child=serializers.CharField(max_length=30, allow_blank=True),
        required=False,
        max_length=3,
        default=list,
        help_text="Up to three phone numbers, in any format.",
    )
    district = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    exclude = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="A customer not to report (the one edited).",
    )


class DuplicateReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["phone", "same_name", "similar_name", "address"])
    text = serializers.CharField()


class DuplicateCandidateSerializer(serializers.Serializer):
    """A candidate as the caller may see it: ``id``, ``district`` and ``owner`` only for a customer in their
    scope; ``unit_name`` also outside it when the name is what matched (else null)."""

    strength = serializers.ChoiceField(choices=["duplicate", "possible"])
    score = serializers.FloatField()
    reasons = DuplicateReasonSerializer(many=True)
    id = serializers.IntegerField(source="customer.pk", allow_null=True, default=None)
    unit_name = serializers.SerializerMethodField()
    district = serializers.CharField(source="customer.district", allow_null=True, default=None)
    holder = serializers.ChoiceField(choices=["you", "colleague", "pool", "queue"])
    holder_name = serializers.CharField(allow_blank=True)

    def get_unit_name(self, candidate) -> str | None:
        return candidate.unit_name or None

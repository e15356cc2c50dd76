"""API of notifications: my inbox (list, unread only, mark read or all read) and how I am told (the pages'
services)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import Delivery, Notification
from crm.notifications.selectors import channel_choices_of, inbox_of
from crm.notifications.services import mark_notifications_read, set_notification_channels
from crm.parsers import JSONParser


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text=_("The notifications to mark read; without it, all of mine."),
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Only the unread ones"))

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """My notifications, newest first; ``unread=true`` for the unread only. Reading them here does not mark
    them read: POST read/ does (some ids, or all)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return inbox_of(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])  # a list of ids: JSON only
    def read(self, request):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids")
        marked = mark_notifications_read(recipient=request.user, ids=ids)
        unread = inbox_of(user=request.user, unread_only=True).count()
        return Response({"marked": marked, "unread": unread})


class KindChannelsSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Delivery.Channel.choices))


class ChannelSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Delivery.Channel.choices)
    label = serializers.CharField()
    available = serializers.BooleanField(help_text=_("Set up here, and the address it needs is known."))


class NotificationSettingsSerializer(serializers.Serializer):
    kinds = KindChannelsSerializer(many=True)
    channels = ChannelSerializer(many=True)


class NotificationSettingsUpdateSerializer(serializers.Serializer):
    channels = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=Delivery.Channel.choices)),
        help_text=_("For each kind to change, the channels it reaches me by beyond the inbox (may be empty)."),
    )


def _settings_of(user) -> dict:
    kinds, open_to = channel_choices_of(user=user)
    return {
        "kinds": [{"kind": kind.code, "label": kind.label, "channels": list(kind.channels)} for kind in kinds],
        "channels": [
            {"channel": value, "label": str(label), "available": open_to[value]}
            for value, label in Delivery.Channel.choices
        ],
    }


class NotificationSettingsView(APIView):
    """How I am told: for each kind of notification, the channels beyond the inbox; PUT changes some kinds."""

    # A JSON object of lists: a form-encoded body cannot say it (DRF read one as "no change" and answered 200,
    # found by the contract run); it is refused with 415.
    parser_classes = [JSONParser]

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request):
        return Response(_settings_of(request.user))

    @extend_schema(request=NotificationSettingsUpdateSerializer, responses=NotificationSettingsSerializer)
    def put(self, request):
        body = NotificationSettingsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        set_notification_channels(user=request.user, channels=body.validated_data["channels"])
        return Response(_settings_of(request.user))

"""API wiring shared by every app: the exception handler that speaks our error family."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.errors import ApplicationError, Conflict, NotPermitted
from crm.params import BadParameter
from crm.selectors import SECOND_FACTOR_ENROL, SECOND_FACTOR_VERIFY, second_factor_due
from crm.services import verify_second_factor


def exception_handler(exc, context):
    if isinstance(exc, BadParameter):
        # A bad ?day= / ?month= reads like any other field error: {"day": ["…"]}.
        exc = exceptions.ValidationError(detail={exc.parameter: [str(exc.message)]})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ApplicationError):
        code = status.HTTP_400_BAD_REQUEST
        if isinstance(exc, NotPermitted):
            code = status.HTTP_403_FORBIDDEN
        elif isinstance(exc, Conflict):
            code = status.HTTP_409_CONFLICT
        return Response({"detail": str(exc.message), **exc.extra}, status=code)
    return drf_exception_handler(exc, context)


class TokenView(ObtainAuthToken):
    """POST ``username`` and ``password``, and ``code`` when the user has two-step verification: the user's
    API token. A user whose role must use two-step verification and has not set it up gets none."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        due = second_factor_due(user=user)
        if due == SECOND_FACTOR_ENROL:
            raise NotPermitted(_("Set up two-step verification on the web page first."))
        if due == SECOND_FACTOR_VERIFY:
            verify_second_factor(user=user, code=str(request.data.get("code", "")))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

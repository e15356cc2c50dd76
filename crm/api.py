"""API wiring shared by every app: the exception handler that speaks our error family."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, parsers, renderers, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from crm.errors import ApplicationError, Conflict, NotFound, NotPermitted
from crm.params import BadParameter
from crm.selectors import SECOND_FACTOR_ENROL, SECOND_FACTOR_VERIFY, second_factor_due
from crm.services import issue_api_token, verify_second_factor
from crm.signin import SignInRefused, lockout_refusal, note_api_sign_in


def exception_handler(exc, context):
    if isinstance(exc, BadParameter):
        # A bad ?day= / ?month= reads like any other field error: {"day": ["…"]}.
        exc = exceptions.ValidationError(detail={exc.parameter: [str(exc.message)]})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, SignInRefused):
        return Response({"detail": str(exc.message)}, status=429, headers={"Retry-After": str(exc.retry_after)})
    elif isinstance(exc, ApplicationError):
        code = status.HTTP_400_BAD_REQUEST
        if isinstance(exc, NotPermitted):
            code = status.HTTP_403_FORBIDDEN
        elif isinstance(exc, NotFound):
            code = status.HTTP_404_NOT_FOUND
        elif isinstance(exc, Conflict):
            code = status.HTTP_409_CONFLICT
        return Response({"detail": str(exc.message), **exc.extra}, status=code)
    return drf_exception_handler(exc, context)


class TokenRequestSerializer(AuthTokenSerializer):
    code = serializers.CharField(
        required=False, write_only=True, help_text=_("A two-step verification code, for users who have it.")
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as 'Authorization: Token <token>'. It is shown only once."))
    expiry = serializers.DateTimeField(help_text=_("The token stops working at this time."))


class TokenView(APIView):
    """POST ``username`` and ``password``, and ``code`` when the user has two-step verification: a new API token
    and when it expires. A user whose role must use two-step verification and has not set it up gets none.

    Each call issues another token (one per device), stored hashed (django-rest-knox). Locked out or slowed
    down (crm.signin): 429 with Retry-After."""

    throttle_classes = ()
    permission_classes = ()
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, parsers.JSONParser)
    renderer_classes = (renderers.JSONRenderer,)
    serializer_class = TokenRequestSerializer

    def get_serializer(self, *args, **kwargs):
        return self.serializer_class(*args, context={"request": self.request}, **kwargs)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description=_("Wrong username, password or code.")),
            403: OpenApiResponse(description=_("Two-step verification must be set up on the web page first.")),
            429: OpenApiResponse(description=_("Too many failed sign-ins: try again after Retry-After seconds.")),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # set by axes on this request: locked, not wrong
                raise lockout_refusal(request)
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        due = second_factor_due(user=user)
        if due == SECOND_FACTOR_ENROL:
            raise NotPermitted(_("Set up two-step verification on the web page first."))
        if due == SECOND_FACTOR_VERIFY:
            verify_second_factor(user=user, code=str(request.data.get("code", "")))
        note_api_sign_in(request, username=user.get_username())
        row, token = issue_api_token(user=user)
        return Response(TokenResponseSerializer({"token": token, "expiry": row.expiry}).data)


class FirstRendererNegotiation(BaseContentNegotiation):
    """Answers with the view's first renderer whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for staff: the page (or its start-up script) whatever the browser accepts.

    Its only renderer is HTML, so DRF's negotiation answered 406 to a client that asked for JSON."""

    content_negotiation_class = FirstRendererNegotiation

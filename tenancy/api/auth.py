"""POST /api/v1/auth/token/: DRF's ObtainAuthToken behind the password-guessing limits of
tenancy.login_throttle."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from .. import login_throttle
from .parsers import JSONParser
from .schema import VALIDATION_ERROR_SCHEMA

_detail = inline_serializer("LoginLockedError", {"detail": serializers.CharField()})


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Exchange a username and password for the user's API token. A locked account or address
    is answered 429 with Retry-After (seconds) before the password is checked. The body is
    JSON, as everywhere in the API: `{"username": "…", "password": "…"}`."""

    parser_classes = [JSONParser]

    @extend_schema(
        auth=[],  # signing in needs no credentials: a generated client calls it unauthenticated
        parameters=[
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds until the lock ends.",
            )
        ],
        responses={
            200: AuthTokenSerializer,
            400: OpenApiResponse(
                VALIDATION_ERROR_SCHEMA,
                description="Missing fields (named) or a wrong username or password "
                "(`non_field_errors`).",
            ),
            429: OpenApiResponse(
                response=_detail,
                description=(
                    "Too many failed sign-in attempts for this account or from this address. "
                    "The Retry-After header gives the seconds until the lock ends."
                ),
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        username = data.get("username", "")
        refusal = login_throttle.check_allowed(request, username)
        if refusal is not None:
            return Response(
                {"detail": refusal.message},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(refusal.retry_after)},
            )
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # AuthTokenSerializer.validate checks the password only when both fields passed.
            attempted = not ({"username", "password"} & set(serializer.errors))
            if attempted and data.get("username") and data.get("password"):
                login_throttle.record_failure(request, username)
            # Answered here, not raised: a rolled-back request must not undo the count.
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        login_throttle.record_success(request, serializer.validated_data["username"])
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

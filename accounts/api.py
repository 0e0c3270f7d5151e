from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Entity
from accounts.services import (
    STAFF_TOKEN_LIFETIME,
    InvalidCredentialsError,
    InvalidEnrolmentError,
    OtpRequiredError,
    StaffUserInputError,
    staff_enrol,
    staff_token_issue,
)
from core.api_errors import ApiError, validation_error
from core.throttling import attempt_failed, attempts_retry_after


class EntityListApi(APIView):
    """The organisations that accept reports (public)."""

    authentication_classes: list[type] = []

    @extend_schema(
        responses=inline_serializer(
            "Entity",
            fields={"code": serializers.CharField(), "name": serializers.CharField()},
            many=True,
        )
    )
    def get(self, request: Request) -> Response:
        entities = (
            Entity.objects.filter(accepts_reports=True).order_by("code").values("code", "name")
        )
        return Response(list(entities))


class AuthTokenApi(APIView):
    """Staff sign-in for the API: password and TOTP in, an expiring bearer token out."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            fields={
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp": serializers.CharField(required=False),
            },
        ),
        responses={200: OpenApiResponse(description="token, expires_in, role")},
    )
    def post(self, request: Request) -> Response:
        retry_after = attempts_retry_after(request, scope="staff-login")
        if retry_after is not None:
            raise ApiError(
                status_code=429,
                code="rate_limited",
                detail=_("Too many attempts. Wait and try again."),
                retry_after=retry_after,
            )
        data = request.data if isinstance(request.data, dict) else {}
        username, password, otp = (str(data.get(k) or "") for k in ("username", "password", "otp"))
        if not username or not password:
            raise validation_error(
                {
                    k: [_("This field is required.")]
                    for k in ("username", "password")
                    if not data.get(k)
                }
            )
        try:
            token, user = staff_token_issue(
                username=username[:150], password=password[:200], otp=otp[:12]
            )
        except InvalidCredentialsError:
            attempt_failed(request, scope="staff-login")
            raise ApiError(
                status_code=401, code="invalid_credentials", detail=_("Wrong username or password.")
            ) from None
        except OtpRequiredError:
            attempt_failed(request, scope="staff-login")
            raise ApiError(
                status_code=401,
                code="otp_required",
                detail=_("Give the current code from your authenticator app."),
            ) from None
        return Response(
            {
                "token": token,
                "expires_in": int(STAFF_TOKEN_LIFETIME.total_seconds()),
                "role": user.role,
            }
        )


class StaffEnrolApi(APIView):
    """A new staff member sets their password with the emailed token; gets their TOTP secret."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        request=inline_serializer(
            "EnrolRequest",
            fields={"token": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: OpenApiResponse(description="username and TOTP secret, shown once")},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        token, password = str(data.get("token") or ""), str(data.get("password") or "")
        try:
            user, totp_secret = staff_enrol(token=token[:100], password=password[:200])
        except InvalidEnrolmentError:
            raise ApiError(
                status_code=401,
                code="invalid_credentials",
                detail=_("This invitation is unknown, used or expired."),
            ) from None
        except StaffUserInputError as error:
            raise validation_error(error.fields) from None
        return Response({"username": user.username, "totp_secret": totp_secret})

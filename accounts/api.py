from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import IsStaffMember, StaffTokenAuthentication
from accounts.models import Role, User
from accounts.selectors import (
    entities_accepting_reports,
    entity_by_code,
    staff_administrator,
    staff_member_managed_by,
    staff_page_managed_by,
)
from accounts.services import (
    STAFF_TOKEN_LIFETIME,
    staff_enrol,
    staff_invitation_resend,
    staff_password_change,
    staff_sign_in_reset,
    staff_token_issue,
    staff_user_create,
    staff_user_deactivate,
)
from core.api_errors import ApiError
from core.errors import InvalidInputError, NotFoundError
from core.language_choice import staff_language_activate
from core.openapi import error_responses
from core.paging import PageQuerySerializer, paged_response
from core.throttling import attempt_start, attempt_succeeded
from vault.crypto import DerivationsBusyError


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
        return Response(entities_accepting_reports())


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
        responses={
            200: OpenApiResponse(description="token, expires_in, role"),
            **error_responses(401, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        username, password, otp = (str(data.get(k) or "") for k in ("username", "password", "otp"))
        # Counted as failed until it succeeds, per address and per account (core.throttling).
        attempt = attempt_start(request, scope="staff-login", account=username[:150])
        if attempt.retry_after is not None:
            raise ApiError(
                status_code=429,
                code="rate_limited",
                detail=_("Too many attempts. Wait and try again."),
                retry_after=attempt.retry_after,
            )
        if not username or not password:
            raise InvalidInputError(
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
        except DerivationsBusyError:
            # Refused for a busy server (503), not for the password: no failure is counted.
            attempt_succeeded(attempt)
            raise
        attempt_succeeded(attempt)
        enrolled = getattr(user, "reading_key_enrolled", None)
        return Response(
            {
                "token": token,
                "expires_in": int(STAFF_TOKEN_LIFETIME.total_seconds()),
                "role": user.role,
                # A member from before reading keys got theirs at this sign-in: shown once.
                **({"recovery_key": enrolled.recovery_key} if enrolled else {}),
            }
        )


class StaffEnrolApi(APIView):
    """A new staff member sets their password with the emailed token; gets their TOTP secret."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        request=inline_serializer(
            "EnrolRequest",
            fields={
                "token": serializers.CharField(),
                "password": serializers.CharField(),
                "recovery_key": serializers.CharField(required=False),
            },
        ),
        responses={
            200: OpenApiResponse(
                description="username, TOTP secret and (for a new reading key) its recovery "
                "key, each shown once"
            ),
            **error_responses(401),
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        token, password = str(data.get("token") or ""), str(data.get("password") or "")
        user, totp_secret = staff_enrol(
            token=token[:100],
            password=password[:200],
            recovery_key=str(data.get("recovery_key") or "")[:200],
        )
        enrolled = getattr(user, "reading_key_enrolled", None)
        return Response(
            {
                "username": user.username,
                "totp_secret": totp_secret,
                "recovery_key": enrolled.recovery_key if enrolled else None,
            }
        )


class StaffApi(APIView):
    """The door of every staff API view: a staff token, and validation in one place."""

    authentication_classes = [StaffTokenAuthentication]
    permission_classes = [IsStaffMember]

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        # Its messages, from the permission check on, in the language the member chose.
        if isinstance(request.user, User):
            staff_language_activate(request, request.user.language)

    def staff(self, request: Request) -> User:
        user = request.user
        if not isinstance(user, User):
            raise ApiError(status_code=401, code="not_authenticated", detail=_("Sign in first."))
        return user

    def validated(
        self, serializer_class: type[serializers.Serializer[Any]], request: Request
    ) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def validated_query(
        self, serializer_class: type[serializers.Serializer[Any]], request: Request
    ) -> dict[str, Any]:
        """The query string, validated like a body (400 ``validation_error`` naming the field)."""
        serializer = serializer_class(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PasswordChangeSerializer(serializers.Serializer[Any]):
    current_password = serializers.CharField(max_length=200, trim_whitespace=False)
    new_password = serializers.CharField(max_length=200, trim_whitespace=False)


class StaffPasswordApi(StaffApi):
    """The signed-in member changes their own password; their reading key follows it, and their
    token keeps working (it seals the unlocked key, not the password)."""

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: OpenApiResponse(description="changed"),
            **error_responses(400, 401, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        user = self.staff(request)
        # A stolen token must not be a way to guess the password.
        attempt = attempt_start(request, scope="staff-password", account=user.username)
        if attempt.retry_after is not None:
            raise ApiError(
                status_code=429,
                code="rate_limited",
                detail=_("Too many attempts. Wait and try again."),
                retry_after=attempt.retry_after,
            )
        data = self.validated(PasswordChangeSerializer, request)
        staff_password_change(
            actor=user, current=data["current_password"], new=data["new_password"]
        )
        attempt_succeeded(attempt)
        return Response({"username": user.username, "changed": True})


class StaffUserSerializer(serializers.Serializer[Any]):
    username = serializers.RegexField(r"^[A-Za-z0-9_.@+-]{3,150}$", max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    entity = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    email = serializers.EmailField(max_length=254)
    # Optional: kept only as a keyed index, which keeps reports naming the member from them.
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _staff_row(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "entity": user.entity.code if user.entity else None,
        "is_active": user.is_active,
    }


class AdminApi(StaffApi):
    """Administrators manage staff accounts; they never see a case (see cases.selectors)."""

    def admin(self, request: Request) -> User:
        return staff_administrator(self.staff(request))


class StaffUsersApi(AdminApi):
    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: OpenApiResponse(description="staff accounts, by username")},
    )
    def get(self, request: Request) -> Response:
        admin = self.admin(request)
        params = self.validated_query(PageQuerySerializer, request)
        page = staff_page_managed_by(admin, limit=params["limit"], cursor=params["cursor"])
        return paged_response([_staff_row(user) for user in page.rows], request, page)

    @extend_schema(
        request=StaffUserSerializer,
        responses={201: OpenApiResponse(description="first credentials")},
    )
    def post(self, request: Request) -> Response:
        admin = self.admin(request)
        data = self.validated(StaffUserSerializer, request)
        entity = None
        if data.get("entity"):
            entity = entity_by_code(data["entity"])
            if entity is None:
                raise InvalidInputError({"entity": [_("There is no entity with this code.")]})
        user = staff_user_create(
            actor=admin,
            username=data["username"],
            role=data["role"],
            entity=entity,
            email=data["email"],
            full_name=data["full_name"],
        )
        # No credentials in the answer: the new member enrols through the emailed link.
        return Response({**_staff_row(user), "enrolment": "sent"}, status=201)


class StaffUserDeactivateApi(AdminApi):
    @extend_schema(request=None, responses={200: OpenApiResponse(description="deactivated")})
    def post(self, request: Request, username: str) -> Response:
        admin = self.admin(request)
        user = staff_member_managed_by(admin, username)
        if user is None:
            raise NotFoundError
        staff_user_deactivate(actor=admin, user=user)
        return Response(_staff_row(user))


class StaffUserInviteApi(AdminApi):
    @extend_schema(request=None, responses={200: OpenApiResponse(description="invitation sent")})
    def post(self, request: Request, username: str) -> Response:
        admin = self.admin(request)
        user = staff_member_managed_by(admin, username)
        if user is None:
            raise NotFoundError
        staff_invitation_resend(actor=admin, user=user)
        return Response({**_staff_row(user), "enrolment": "sent"})


class StaffUserResetApi(AdminApi):
    """An administrator resets a colleague's sign-in: they enrol again from a new invitation.
    The new password does not open their old reading key; only their recovery key does."""

    @extend_schema(request=None, responses={200: OpenApiResponse(description="reset, invited")})
    def post(self, request: Request, username: str) -> Response:
        admin = self.admin(request)
        user = staff_member_managed_by(admin, username)
        if user is None:
            raise NotFoundError
        staff_sign_in_reset(actor=admin, user=user)
        return Response({**_staff_row(user), "enrolment": "sent"})

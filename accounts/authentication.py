"""Bearer-token authentication for staff API calls."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User
from accounts.policy import is_staff_member
from accounts.services import staff_token_resolve
from core.api_errors import ApiError


def bearer_token(request: Request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class StaffTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, str] | None:
        token = bearer_token(request)
        if not token:
            return None
        user = staff_token_resolve(token)
        if user is None:
            raise ApiError(
                status_code=401,
                code="not_authenticated",
                detail=_("Your sign-in has expired. Sign in again."),
            )
        return user, "staff-token"

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class IsStaffMember(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.auth == "staff-token" and is_staff_member(request.user)

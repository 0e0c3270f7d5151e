"""The staff member's reading key across the requests of a signed-in browser (issue 14).

At sign-in the private key is sealed under a random secret; the session (on the server) keeps
the sealed key, the browser keeps the secret in a cookie of its own and nothing else does. Each
request joins the two halves in memory (``ReadingKeyMiddleware``). A copy of the database or of
the session store, with every server key, holds only the sealed half; signing out or the
session's expiry deletes it, and the cookie alone opens nothing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts.policy import is_staff_member
from vault import readers

COOKIE = "upstander_reading_key"
_SESSION_FIELD = "reading_key_sealed"


def _binding(user_id: object) -> str:
    return f"staff-session:{user_id}"


def reading_key_keep(
    request: HttpRequest, response: HttpResponse, unlocked: readers.UnlockedKey | None
) -> None:
    """After ``login()``: the sealed key into the session, its secret into the cookie."""
    if unlocked is None:
        request.session.pop(_SESSION_FIELD, None)
        response.delete_cookie(COOKIE, samesite="Strict")
        return
    secret = readers.session_secret_new()
    sealed = readers.unlock_seal(unlocked, secret, binding=_binding(request.user.pk))
    request.session[_SESSION_FIELD] = base64.b64encode(sealed).decode()
    response.set_cookie(
        COOKIE,
        base64.urlsafe_b64encode(secret).decode(),
        # No max_age: the browser forgets it when it closes; the session's half expires anyway.
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def reading_key_forget(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, samesite="Strict")


def _reading_key_of(request: HttpRequest) -> readers.UnlockedKey | None:
    sealed_text = request.session.get(_SESSION_FIELD)
    secret_text = request.COOKIES.get(COOKIE, "")
    if not sealed_text or not secret_text:
        return None
    try:
        sealed = base64.b64decode(sealed_text)
        secret = base64.urlsafe_b64decode(secret_text)
    except (binascii.Error, ValueError):
        return None
    return readers.unlock_open(sealed, secret, binding=_binding(request.user.pk))


class ReadingKeyMiddleware:
    """Attach the signed-in staff member's reading key to ``request.user`` for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and is_staff_member(user):
            readers.attach(user, _reading_key_of(request))
        return self.get_response(request)

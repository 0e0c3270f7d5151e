"""Staff as the tests sign them in: the password every test account has, the code their
authenticator app shows now, an API client holding a bearer token, and a browser session on the
staff pages."""

from __future__ import annotations

import base64
from typing import Any

from django.test import Client
from django_otp.oath import totp
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple"


def authenticator_code(totp_secret: str) -> str:
    """The code an authenticator app given the base32 ``totp_secret`` shows now."""
    return f"{totp(base64.b32decode(totp_secret)):06d}"


def current_otp(user: Any) -> str:
    """The code the user's authenticator app shows now (``make_staff`` keeps the secret)."""
    return authenticator_code(user.totp_secret)


def staff_token(user: Any) -> str:
    """A bearer token obtained the way a client does (password and TOTP).

    A TOTP code is accepted once (replay guard): sign a user in once per test, as the
    ``staff_api`` fixture does.
    """
    response = APIClient().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD, "otp": current_otp(user)},
        format="json",
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def api_for(user: Any) -> APIClient:
    """An API client holding a bearer token (``staff_token``: once per user and test)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_token(user)}")
    return client


def signed_in(user: Any) -> Client:
    """A browser session on the staff pages, signed in with password and TOTP."""
    client = Client()
    response = client.post(
        "/staff/login/", {"username": user.username, "password": PASSWORD, "otp": current_otp(user)}
    )
    assert response.status_code == 302, response.content
    return client

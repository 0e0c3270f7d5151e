"""The staff sign-in page (``accounts.views``): the staff pages need it, and it needs the TOTP
code as well as the password."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from tests.helpers.staff import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def test_staff_pages_need_sign_in(db: Any) -> None:
    response = Client().get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"


def test_password_alone_does_not_sign_in(focal_point: Any) -> None:
    client = Client()
    response = client.post(
        "/staff/login/", {"username": focal_point.username, "password": PASSWORD}
    )
    assert response.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_sign_in_with_totp_is_audited(focal_point: Any) -> None:
    signed_in(focal_point)
    assert AuditEntry.objects.filter(
        action="staff.login", actor=focal_point, detail__via="web"
    ).exists()

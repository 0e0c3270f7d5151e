"""Administrators manage staff accounts, and nothing else."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.core import mail
from django_otp.oath import totp
from rest_framework.test import APIClient

from accounts.models import StaffToken, User
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_staff: Any) -> Any:
    return make_staff("admin", username="sysadmin", entity_obj=None)


def test_admin_creates_a_staff_member_who_enrols_by_email_and_then_signs_in(
    admin: Any, staff_api: Any, entity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api(admin).post(
            "/api/v1/staff/users",
            {
                "username": "new_fp",
                "role": "focal_point",
                "entity": "UNW",
                "email": "new.fp@example.org",
            },
            format="json",
        )
    assert response.status_code == 201
    body = response.json()
    # The administrator receives no credential for the new account
    assert body["role"] == "focal_point" and body["entity"] == "UNW"
    assert "password" not in body and "totp_secret" not in body
    assert not User.objects.get(username="new_fp").has_usable_password()
    # The invitation goes to the new member's address only
    assert [message.to for message in mail.outbox] == [["new.fp@example.org"]]
    token = re.search(r"token=([\w-]+)", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    enrolled = APIClient().post(
        "/api/v1/auth/enrol", {"token": token, "password": "a long pass phrase 42"}, format="json"
    )
    assert enrolled.status_code == 200
    code = f"{totp(base64.b32decode(enrolled.json()['totp_secret'])):06d}"
    signed_in = APIClient().post(
        "/api/v1/auth/token",
        {"username": "new_fp", "password": "a long pass phrase 42", "otp": code},
        format="json",
    )
    assert signed_in.status_code == 200
    # The invitation works once
    again = APIClient().post(
        "/api/v1/auth/enrol", {"token": token, "password": "another long phrase 7"}, format="json"
    )
    assert again.status_code == 401
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"staff.user_created", "staff.enrolled"} <= actions


def test_enrolment_refuses_a_weak_password_and_keeps_the_invitation(
    admin: Any, staff_api: Any, entity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        staff_api(admin).post(
            "/api/v1/staff/users",
            {
                "username": "weak_fp",
                "role": "focal_point",
                "entity": "UNW",
                "email": "w@example.org",
            },
            format="json",
        )
    token = re.search(r"token=([\w-]+)", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    weak = APIClient().post(
        "/api/v1/auth/enrol", {"token": token, "password": "123"}, format="json"
    )
    assert weak.status_code == 400
    assert "password" in weak.json()["fields"]
    assert not User.objects.get(username="weak_fp").has_usable_password()


def test_bad_staff_input_is_refused_and_creates_nothing(
    admin: Any, staff_api: Any, entity: Any
) -> None:
    client = staff_api(admin)
    for body, field in [
        ({"username": "x1x", "role": "focal_point", "email": "a@example.org"}, "entity"),
        ({"username": "x2x", "role": "king", "entity": "UNW", "email": "a@example.org"}, "role"),
        (
            {"username": "x3x", "role": "focal_point", "entity": "NOPE", "email": "a@example.org"},
            "entity",
        ),
        ({"username": "sysadmin", "role": "admin", "email": "a@example.org"}, "username"),
        ({"username": "x4x", "role": "focal_point", "entity": "UNW"}, "email"),
    ]:
        response = client.post("/api/v1/staff/users", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["fields"]
    assert User.objects.count() == 1


def test_deactivated_staff_lose_their_tokens(admin: Any, staff_api: Any, focal_point: Any) -> None:
    fp_client = staff_api(focal_point)
    assert fp_client.get("/api/v1/cases").status_code == 200
    response = staff_api(admin).post(f"/api/v1/staff/users/{focal_point.username}/deactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert not StaffToken.objects.filter(user=focal_point).exists()
    assert fp_client.get("/api/v1/cases").status_code == 401


@pytest.mark.parametrize("role", ["focal_point", "ombudsperson", "investigator", "leadership"])
def test_only_admins_manage_staff(role: str, make_staff: Any, staff_api: Any) -> None:
    user = make_staff(role, username=f"{role}_u")
    client = staff_api(user)
    assert client.get("/api/v1/staff/users").status_code == 403
    assert (
        client.post(
            "/api/v1/staff/users", {"username": "zzz", "role": "admin"}, format="json"
        ).status_code
        == 403
    )


def test_admin_lists_staff_but_reaches_no_case(admin: Any, staff_api: Any, open_case: Any) -> None:
    case = open_case()
    client = staff_api(admin)
    assert "sysadmin" in {row["username"] for row in client.get("/api/v1/staff/users").json()}
    assert client.get("/api/v1/cases").json() == []
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 404


def test_a_failed_invitation_can_be_sent_again(
    admin: Any, staff_api: Any, entity: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client = staff_api(admin)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/staff/users",
            {
                "username": "unlucky",
                "role": "focal_point",
                "entity": "UNW",
                "email": "u@example.org",
            },
            format="json",
        )
    # The mail server was down: the account exists and the administrator was not told otherwise
    assert created.status_code == 201
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/api/v1/staff/users/unlucky/invitation")
    assert resent.status_code == 200
    assert [message.to for message in mail.outbox] == [["u@example.org"]]


def test_an_overlong_email_is_a_validation_error(admin: Any, staff_api: Any, entity: Any) -> None:
    response = staff_api(admin).post(
        "/api/v1/staff/users",
        {
            "username": "longmail",
            "role": "focal_point",
            "entity": "UNW",
            "email": "a" * 300 + "@example.org",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()["fields"]

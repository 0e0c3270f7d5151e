"""The accounts API: administrators manage staff accounts, and nothing else; ``GET
/api/v1/entities`` lists the organisations a reporter can choose, without authentication."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Entity, StaffToken, User
from audit.models import AuditEntry
from tests.helpers.staff import authenticator_code

pytestmark = pytest.mark.django_db


def create_focal_point(client: APIClient, username: str, email: str) -> Any:
    """The administrator asks for a focal point of UN Women, invited at ``email``."""
    return client.post(
        "/api/v1/staff/users",
        {"username": username, "role": "focal_point", "entity": "UNW", "email": email},
        format="json",
    )


def invitation_token() -> str:
    """The enrolment token of the last invitation sent."""
    found = re.search(r"token=([\w-]+)", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


def test_admin_creates_a_staff_member_who_enrols_by_email_and_then_signs_in(
    admin: Any, staff_api: Any, entity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = create_focal_point(staff_api(admin), "new_fp", "new.fp@example.org")
    assert response.status_code == 201
    body = response.json()
    # The administrator receives no credential for the new account
    assert body["role"] == "focal_point"
    assert body["entity"] == "UNW"
    assert "password" not in body
    assert "totp_secret" not in body
    assert not User.objects.get(username="new_fp").has_usable_password()
    # The invitation goes to the new member's address only
    assert [message.to for message in mail.outbox] == [["new.fp@example.org"]]
    token = invitation_token()
    enrolled = APIClient().post(
        "/api/v1/auth/enrol", {"token": token, "password": "a long pass phrase 42"}, format="json"
    )
    assert enrolled.status_code == 200
    code = authenticator_code(enrolled.json()["totp_secret"])
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
        create_focal_point(staff_api(admin), "weak_fp", "w@example.org")
    token = invitation_token()
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
def test_only_admins_manage_staff(
    role: str, request: pytest.FixtureRequest, staff_api: Any
) -> None:
    client = staff_api(request.getfixturevalue(role))
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
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 403


def test_a_failed_invitation_can_be_sent_again(
    admin: Any, staff_api: Any, entity: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Regression (second case-workflow review, fixed in cf4798b): a failed send of the
    invitation is not an error for the administrator, and the invitation can be sent again."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client = staff_api(admin)
    with django_capture_on_commit_callbacks(execute=True):
        created = create_focal_point(client, "unlucky", "u@example.org")
    # The mail server was down: the account exists and the administrator was not told otherwise
    assert created.status_code == 201
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/api/v1/staff/users/unlucky/invitation")
    assert resent.status_code == 200
    assert [message.to for message in mail.outbox] == [["u@example.org"]]


def test_an_overlong_email_is_a_validation_error(admin: Any, staff_api: Any, entity: Any) -> None:
    """Regression (second case-workflow review, fixed in cf4798b): an email address longer than the
    column is a validation error, not a server error."""
    response = create_focal_point(staff_api(admin), "longmail", "a" * 300 + "@example.org")
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


# --- GET /api/v1/entities ---------------------------------------------------------------------


def test_it_lists_the_entities_that_accept_reports_by_code(client: Client) -> None:
    Entity.objects.create(code="UNW", name="UN Women")
    Entity.objects.create(code="OCHA", name="Office for the Coordination of Humanitarian Affairs")
    Entity.objects.create(code="UNDP", name="United Nations Development Programme")

    response = client.get("/api/v1/entities")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {"code": "OCHA", "name": "Office for the Coordination of Humanitarian Affairs"},
        {"code": "UNDP", "name": "United Nations Development Programme"},
        {"code": "UNW", "name": "UN Women"},
    ]


def test_entities_that_do_not_accept_reports_are_not_listed(client: Client) -> None:
    Entity.objects.create(code="UNW", name="UN Women")
    Entity.objects.create(code="OLD", name="A closed office", accepts_reports=False)

    response = client.get("/api/v1/entities")

    assert response.json() == [{"code": "UNW", "name": "UN Women"}]


def test_it_returns_an_empty_list_when_there_are_no_entities(client: Client) -> None:
    response = client.get("/api/v1/entities")

    assert response.status_code == 200
    assert response.json() == []


def test_it_shows_nothing_but_code_and_name(client: Client) -> None:
    Entity.objects.create(code="UNW", name="UN Women", feedback_due_months=1)

    (entity,) = client.get("/api/v1/entities").json()

    assert set(entity) == {"code", "name"}


def test_the_api_answers_a_staff_token_in_the_language_its_member_chose_issue_13(
    focal_point: Any, staff_api: Any
) -> None:
    focal_point.language = "fr"
    focal_point.save(update_fields=["language"])
    client = staff_api(focal_point)

    response = client.get(f"/api/v1/cases/{uuid.uuid4()}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Introuvable."}


def test_an_invitation_is_written_in_the_new_members_language_not_the_inviters_issue_13(
    admin: Any, staff_api: Any, entity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given an administrator who reads French
    admin.language = "fr"
    admin.save(update_fields=["language"])
    client = staff_api(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"

    # When they invite someone who has chosen no language yet
    with django_capture_on_commit_callbacks(execute=True):
        created = create_focal_point(client, "newcomer", "n@example.org")

    # Then the administrator's answer is French, the invitation English
    assert created.status_code == 201
    assert created["Content-Language"] == "fr"
    assert [message.subject for message in mail.outbox] == ["Your Upstander staff account"]

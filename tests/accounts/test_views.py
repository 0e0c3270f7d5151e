"""The staff sign-in page (``accounts.views``): the staff pages need it, and it needs the TOTP
code as well as the password."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from audit.models import AuditEntry
from cases import views as cases_views
from cases.services import correspondence
from tests.helpers.reporter import WORKFLOW_CONSENTS
from tests.helpers.staff import PASSWORD, current_otp, signed_in

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


def test_a_staff_session_ended_while_its_request_runs_is_signed_out_after_never_a_500_issue_10(
    open_case: Any, focal_point: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a staff page's write whose session ends (signed out in another tab) while it runs
    case = open_case(consents=WORKFLOW_CONSENTS)
    browser = signed_in(focal_point)
    browser.raise_request_exception = False
    real_note_add = correspondence.note_add

    def signed_out_meanwhile(**kwargs: Any) -> Any:
        Session.objects.all().delete()
        return real_note_add(**kwargs)

    monkeypatch.setattr(cases_views, "note_add", signed_out_meanwhile)

    # When it goes on, then it ends as a signed-in request does, and the next page asks to
    # sign in again
    done = browser.post(f"/staff/cases/{case.id}/messages", {"body": "Called.", "kind": "note"})
    assert done.status_code == 302
    assert done["Location"] == f"/staff/cases/{case.id}/"
    assert browser.get(done["Location"])["Location"] == "/staff/login/"


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("focal_point", "/staff/"),
        ("ombudsperson", "/staff/"),
        ("investigator", "/staff/"),
        ("leadership", "/dashboard/"),
        ("admin", "/staff/admin/"),
    ],
)
def test_each_role_lands_on_the_page_made_for_its_job_issue_11(
    role: str, landing: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)
    response = Client().post(
        "/staff/login/", {"username": user.username, "password": PASSWORD, "otp": current_otp(user)}
    )
    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_staff_member_chooses_the_time_zone_their_pages_show_issue_11(focal_point: Any) -> None:
    client = signed_in(focal_point)
    page = client.get("/staff/settings/").content.decode()
    assert '<option value="UTC" selected>' in page
    saved = client.post("/staff/settings/", {"time_zone": "Africa/Nairobi"}, follow=True)
    assert "Dates are now shown in Africa/Nairobi" in saved.content.decode()
    focal_point.refresh_from_db()
    assert focal_point.time_zone == "Africa/Nairobi"
    assert "(Africa/Nairobi)" in client.get("/staff/").content.decode()


def test_a_time_zone_not_in_the_list_is_refused_and_changes_nothing_issue_11(
    focal_point: Any,
) -> None:
    response = signed_in(focal_point).post("/staff/settings/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a time zone from the list." in page
    assert 'aria-invalid="true"' in page
    focal_point.refresh_from_db()
    assert focal_point.time_zone == "UTC"

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

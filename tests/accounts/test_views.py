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


def reading_french(user: Any, *, browser: str) -> Client:
    """A signed-in session of ``user``, who chose French, in a browser asking for ``browser``."""
    user.language = "fr"
    user.save(update_fields=["language"])
    client = signed_in(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = browser
    return client


def test_a_staff_member_who_chooses_french_reads_their_queue_and_cases_in_french_issue_13(
    open_case: Any, focal_point: Any
) -> None:
    # Given a focal point whose browser asks for English
    case = open_case(consents=WORKFLOW_CONSENTS)
    client = signed_in(focal_point)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "All cases" in client.get("/staff/").content.decode()

    # When they choose French on their settings page
    saved = client.post("/staff/settings/", {"time_zone": "UTC", "language": "fr"}, follow=True)

    # Then the settings page they land on, the queue and the case page are French, at their
    # unprefixed addresses, whatever the browser asks for
    assert saved.redirect_chain == [("/staff/settings/", 302)]
    assert "Vos paramètres" in saved.content.decode()
    focal_point.refresh_from_db()
    assert focal_point.language == "fr"
    queue = client.get("/staff/")
    assert "Tous les dossiers" in queue.content.decode()
    assert '<html lang="fr"' in queue.content.decode()
    assert queue["Content-Language"] == "fr"
    assert "Type de lieu" in client.get(f"/staff/cases/{case.id}/").content.decode()
    # And the English address is still English for that request
    english = client.get("/en/staff/").content.decode()
    assert "All cases" in english
    assert "Tous les dossiers" not in english


def test_following_the_browser_again_gives_the_browsers_language_issue_13(
    focal_point: Any,
) -> None:
    client = reading_french(focal_point, browser="es")

    client.post("/staff/settings/", {"time_zone": "UTC", "language": ""})

    page = client.get("/staff/settings/").content.decode()
    assert '<html lang="es"' in page
    assert "Su configuración" in page
    assert '<option value="" selected>' in page


def test_a_language_not_offered_is_refused_and_changes_nothing_issue_13(
    focal_point: Any,
) -> None:
    response = signed_in(focal_point).post(
        "/staff/settings/", {"time_zone": "Africa/Nairobi", "language": "de"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a language from the list." in page
    assert 'href="#id_language"' in page
    focal_point.refresh_from_db()
    assert (focal_point.time_zone, focal_point.language) == ("UTC", "")


def test_the_leadership_dashboard_follows_the_language_chosen_issue_13(leadership: Any) -> None:
    client = reading_french(leadership, browser="en")

    assert "Tableau de bord statistique" in client.get("/dashboard/").content.decode()


def test_a_staff_members_language_never_reaches_the_reporters_pages_issue_13(
    focal_point: Any,
) -> None:
    # A focal point helping a reporter on their own computer: the intake follows the browser.
    client = reading_french(focal_point, browser="en")

    intake = client.get("/report/")

    assert intake.status_code == 200
    assert '<html lang="en"' in intake.content.decode()

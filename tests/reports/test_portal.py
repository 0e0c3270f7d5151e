"""The reporter's portal: sessions, reading the report, consents, messages, route, expiry,
the HTML portal and quick exit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from reports.models import Consent, Message, Report, ReporterSession
from tests.reports.helpers import (
    NARRATIVE,
    content_policy_violations,
    quick_exit_links,
    record_only_payload,
    sign_in,
    submit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _expire_sessions() -> None:
    ReporterSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


# --- API ------------------------------------------------------------------------------------


def test_session_returns_a_token_that_reads_the_report() -> None:
    body = submit()
    response = APIClient().post(
        "/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expires_in"] == 15 * 60

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    view = client.get("/api/v1/reporter/report")

    assert view.status_code == 200
    data = view.json()
    assert data["reference"] == body["report"]["reference"]
    assert data["narrative"] == NARRATIVE
    assert isinstance(data["status_label"], str) and data["status_label"]
    assert data["timeline"] and all({"at", "label"} <= set(e) for e in data["timeline"])
    assert data["state"] == "received"


def test_session_token_is_not_stored_in_plaintext() -> None:
    body = submit()
    token = (
        APIClient()
        .post("/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json")
        .json()["token"]
    )
    session = ReporterSession.objects.get()
    assert session.token_index != token
    assert token.encode() not in bytes(session.wrapped_data_key)


def test_report_without_a_token_is_refused() -> None:
    response = APIClient().get("/api/v1/reporter/report")
    assert response.status_code in (401, 403)
    assert response.json()["error"] in ("not_authenticated", "forbidden")


def test_report_with_an_unknown_token_is_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    response = client.get("/api/v1/reporter/report")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_consent_decisions_are_all_kept_and_the_latest_wins() -> None:
    reporter = sign_in(submit()["receipt"])

    first = reporter.post(
        "/api/v1/reporter/consents", {"action": "statistics", "granted": True}, format="json"
    )
    second = reporter.post(
        "/api/v1/reporter/consents", {"action": "statistics", "granted": False}, format="json"
    )

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert first.json()["consents"]["statistics"] is True
    assert second.json()["consents"]["statistics"] is False
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["consents"]["statistics"] is False
    history = [(c["action"], c["granted"]) for c in view["consent_history"]]
    assert [h for h in history if h[0] == "statistics"] == [
        ("statistics", True),
        ("statistics", False),
    ]
    assert Consent.objects.filter(action="statistics").count() == 2
    labels = [entry["label"] for entry in view["timeline"]]
    assert any("gave your consent" in label for label in labels)
    assert any("withdrew your consent" in label for label in labels)


def test_consent_with_an_unknown_action_is_400_and_records_nothing() -> None:
    reporter = sign_in(submit()["receipt"])
    before = Consent.objects.count()
    response = reporter.post(
        "/api/v1/reporter/consents", {"action": "everything", "granted": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "action" in response.json()["fields"]
    assert Consent.objects.count() == before


def test_message_is_201_when_a_case_exists() -> None:
    reporter = sign_in(submit()["receipt"])
    response = reporter.post(
        "/api/v1/reporter/messages", {"body": "I have one more thing to add."}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from"] == "reporter"
    assert body["body"] == "I have one more thing to add."
    assert set(body) >= {"id", "from", "body", "sent_at"}
    view = reporter.get("/api/v1/reporter/report").json()
    assert [(m["from"], m["body"]) for m in view["messages"]] == [
        ("reporter", "I have one more thing to add.")
    ]


def test_message_on_a_sealed_record_only_report_is_409_consent_required() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])
    response = reporter.post(
        "/api/v1/reporter/messages", {"body": "Is anyone there?"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"] == "consent_required"
    assert response.json()["missing"] == ["case_review"]
    assert Message.objects.count() == 0


def test_message_after_case_review_was_withdrawn_is_409() -> None:
    reporter = sign_in(submit()["receipt"])
    reporter.post(
        "/api/v1/reporter/consents", {"action": "case_review", "granted": False}, format="json"
    )
    response = reporter.post("/api/v1/reporter/messages", {"body": "Hello?"}, format="json")
    assert response.status_code == 409
    assert response.json()["missing"] == ["case_review"]
    assert Message.objects.count() == 0


def test_route_change_changes_the_route_and_adds_a_timeline_entry() -> None:
    reporter = sign_in(submit()["receipt"])
    before = reporter.get("/api/v1/reporter/report").json()

    response = reporter.post(
        "/api/v1/reporter/route", {"route": "formal", "informal_channel": None}, format="json"
    )

    assert response.status_code == 200, response.content
    after = response.json()
    assert after["route"] == "formal"
    assert after["informal_channel"] is None
    assert Report.objects.get().route == "formal"
    assert len(after["timeline"]) == len(before["timeline"]) + 1
    assert "Formal complaint" in after["timeline"][-1]["label"]


def test_route_change_to_informal_needs_a_channel() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])
    response = reporter.post("/api/v1/reporter/route", {"route": "informal"}, format="json")
    assert response.status_code == 400
    assert "informal_channel" in response.json()["fields"]
    assert Report.objects.get().route == "record_only"


def test_route_change_to_record_only_once_a_case_exists_is_refused() -> None:
    reporter = sign_in(submit()["receipt"])
    response = reporter.post("/api/v1/reporter/route", {"route": "record_only"}, format="json")
    assert response.status_code == 400
    assert "route" in response.json()["fields"]
    assert Report.objects.get().route == "informal"


def test_idle_session_expires_and_the_api_answers_401() -> None:
    reporter = sign_in(submit()["receipt"])
    assert reporter.get("/api/v1/reporter/report").status_code == 200

    _expire_sessions()
    response = reporter.get("/api/v1/reporter/report")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert ReporterSession.objects.count() == 0


def test_activity_slides_the_idle_expiry() -> None:
    reporter = sign_in(submit()["receipt"])
    ReporterSession.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assert reporter.get("/api/v1/reporter/report").status_code == 200
    assert ReporterSession.objects.get().expires_at > timezone.now() + timedelta(minutes=14)


def test_absolute_session_limit_ends_an_active_session() -> None:
    reporter = sign_in(submit()["receipt"])
    ReporterSession.objects.update(absolute_expiry=timezone.now() - timedelta(seconds=1))
    assert reporter.get("/api/v1/reporter/report").status_code == 401


def test_ending_the_session_with_delete_logs_out() -> None:
    reporter = sign_in(submit()["receipt"])
    assert reporter.delete("/api/v1/reporter/session").status_code == 204
    assert ReporterSession.objects.count() == 0
    assert reporter.get("/api/v1/reporter/report").status_code == 401


# --- HTML portal ----------------------------------------------------------------------------


def _signed_in_browser(receipt: str) -> Client:
    browser = Client()
    response = browser.post("/access/", {"receipt": receipt})
    assert response.status_code == 302, response.content
    assert response["Location"] == "/my-report/"
    return browser


def test_html_access_sets_the_reporter_cookie_and_shows_the_portal() -> None:
    body = submit()
    browser = Client()
    response = browser.post("/access/", {"receipt": body["receipt"].lower()})

    assert response.status_code == 302
    cookie = response.cookies["upstander_reporter"]
    assert cookie.value
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    portal = browser.get("/my-report/")
    assert portal.status_code == 200
    html = portal.content.decode()
    assert body["report"]["reference"] in html
    assert "no-store" in portal["Cache-Control"]
    assert quick_exit_links(portal.content)


def test_html_access_with_a_wrong_receipt_is_401_and_sets_no_cookie() -> None:
    submit()
    response = Client().post("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN"})
    assert response.status_code == 401
    assert "upstander_reporter" not in response.cookies
    assert ReporterSession.objects.count() == 0


def test_html_portal_redirects_to_access_with_expired_after_idle_timeout() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    assert browser.get("/my-report/").status_code == 200

    _expire_sessions()
    response = browser.get("/my-report/")

    assert response.status_code == 302
    assert response["Location"] == "/access/?expired=1"
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert "15 minutes" in page.content.decode()


def test_html_portal_without_a_session_redirects_to_access() -> None:
    response = Client().get("/my-report/")
    assert response.status_code == 302
    assert response["Location"].startswith("/access/")


def test_quick_exit_ends_the_session_and_leaves_for_the_neutral_site() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    assert ReporterSession.objects.count() == 1

    response = browser.get("/exit/")

    assert response.status_code == 302
    assert response["Location"] == settings.UPSTANDER_QUICK_EXIT_URL
    assert ReporterSession.objects.count() == 0
    clear = response["Clear-Site-Data"]
    for directive in ('"cache"', '"cookies"', '"storage"'):
        assert directive in clear
    assert response.cookies["upstander_reporter"]["max-age"] == 0
    # The old cookie no longer opens anything.
    assert browser.get("/my-report/").status_code == 302


def test_quick_exit_works_without_a_session() -> None:
    response = Client().get("/exit/")
    assert response.status_code == 302
    assert response["Location"] == settings.UPSTANDER_QUICK_EXIT_URL


def test_html_portal_consent_form_records_the_decision() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    response = browser.post("/my-report/consent", {"action": "statistics", "granted": "yes"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.current_consents()["statistics"] is True


def test_html_portal_message_form_sends_a_message_when_a_case_exists() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    response = browser.post("/my-report/message", {"body": "Following up."})
    assert response.status_code == 302
    assert Message.objects.filter(sender="reporter").count() == 1
    assert "Following up." in browser.get("/my-report/").content.decode()


def test_html_portal_of_a_sealed_report_offers_no_message_form() -> None:
    browser = _signed_in_browser(submit(**record_only_payload())["receipt"])
    html = browser.get("/my-report/").content.decode()
    assert 'action="/my-report/message"' not in html
    assert Case.objects.count() == 0


def test_not_found_page_inside_the_portal_keeps_the_quick_exit_link() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    response = browser.get(f"/my-report/attachments/{uuid.uuid4()}")
    assert response.status_code == 404
    assert quick_exit_links(response.content)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/report/", {"step": "about", "reporter_role": "witness", "entity": "UNW"}),
        ("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN"}),
    ],
)
def test_refused_form_page_for_a_reporter_keeps_the_quick_exit_link_and_no_inline_css(
    path: str, data: dict[str, str]
) -> None:
    # A reporter whose cookies were cleared (quick exit sends Clear-Site-Data) and who then
    # posts a form without its CSRF cookie still sees a reporter page.
    response = Client(enforce_csrf_checks=True).post(path, data)
    assert response.status_code == 403
    assert quick_exit_links(response.content)
    assert content_policy_violations(response.content) == []

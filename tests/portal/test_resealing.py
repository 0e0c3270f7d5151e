"""Re-sealing under a new data key (``portal.resealing``; issue 10, acceptance item 9).

The attacker: someone holding a backup taken while the report was shared (its organisation
wrapping of the data key) and the server's KEK, who later also gets the live database. After
the reporter seals the report again, that old wrapping opens nothing in the database: not what
was added afterwards, nor what was there before (re-encrypted). The reporter reads everything.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Case
from demo.directory import demo_directory_create
from portal.resealing import (
    SEALED_UNDER_THE_REPORT_KEY,
    encrypted_columns,
    models_with_encrypted_columns,
)
from portal.services import (
    ReportResealedMeanwhileError,
    consent_record,
    reporter_attachment_add,
    reporter_session_resolve,
    reporter_session_start,
    route_change,
)
from reports.attachments import CleanAttachment
from reports.models import Report, ReporterSession
from tests.helpers.keys import staff_data_key
from tests.helpers.reporter import NARRATIVE, consent_change, submit
from vault import crypto, envelope
from vault.models import DataKey, KeyWrap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]

CONSENTS = {
    "case_review": True,
    "ombudsperson_referral": True,
    "support_referral": True,
}


def _reporter(receipt: str) -> tuple[APIClient, str]:
    """A signed-in reporter's API client, and its token (for the services' own calls)."""
    token, _session = reporter_session_start(receipt=receipt)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, token


def _ciphertexts_of(report: Report) -> list[tuple[Any, str]]:
    """Every (row, column) holding ciphertext sealed under the report's key, in the database."""
    found: list[tuple[Any, str]] = []
    for model, path in SEALED_UNDER_THE_REPORT_KEY:
        for row in model._default_manager.filter(**{path: report.pk}):
            found += [(row, column) for column in encrypted_columns(model) if getattr(row, column)]
    return found


def test_every_model_holding_ciphertext_is_resealed() -> None:
    # A model that gains an EncryptedField and is not listed would stay under the old key.
    assert {model for model, _path in SEALED_UNDER_THE_REPORT_KEY} == (
        models_with_encrypted_columns()
    )


def test_an_older_backup_with_a_reader_s_wrap_reads_nothing_after_resealing(
    entity: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given a shared report with something sealed in every place a report's key seals
    demo_directory_create(entities=[entity])
    receipt = submit(consents=CONSENTS)["receipt"]
    report = Report.objects.get()
    case = Case.objects.get(report=report)
    reporter, token = _reporter(receipt)
    staff = staff_api(focal_point)
    for step in ("acknowledge", "begin_assessment"):
        staff.post(f"/api/v1/cases/{case.id}/transitions/{step}", {}, format="json")
    staff.post(f"/api/v1/cases/{case.id}/messages", {"body": "STAFF-BEFORE"}, format="json")
    staff.post(f"/api/v1/cases/{case.id}/notes", {"body": "NOTE-BEFORE"}, format="json")
    staff.post(
        f"/api/v1/cases/{case.id}/referrals",
        {"service": "medical", "note": "REFERRAL-BEFORE"},
        format="json",
    )
    asked = staff.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "escalate_to_formal", "justification": "OVERRIDE-BEFORE, risk to others"},
        format="json",
    )
    assert asked.status_code == 202, asked.content
    # A manager proposed to intervene, once the reporter chose that channel
    rerouted = reporter.post(
        "/api/v1/reporter/route",
        {"route": "informal", "informal_channel": "manager_intervention"},
        format="json",
    )
    assert rerouted.status_code == 200, rerouted.content
    proposed = staff.post(
        f"/api/v1/cases/{case.id}/manager-proposals", {"name": "MANAGER-BEFORE"}, format="json"
    )
    assert proposed.status_code == 201, proposed.content
    access = reporter_session_resolve(token)
    assert access is not None
    reporter_attachment_add(
        access=access,
        attachment=CleanAttachment(filename="before.txt", content_type="text/plain", data=b"B"),
    )
    # And a backup taken now, with the wrap of the report's key to the focal point, opened by
    # their private key (stolen too, say): the old data key
    old_key = staff_data_key(focal_point, report)
    old_narrative = Report.objects.get().narrative
    assert envelope.open_text(Report(pk=report.pk, narrative=old_narrative), "narrative", old_key)

    # When the reporter seals it again, adds a file while sealed, shares it once more and
    # writes, and staff write again
    consent_change(reporter, "case_review", granted=False)
    access = reporter_session_resolve(token)
    assert access is not None
    reporter_attachment_add(
        access=access,
        attachment=CleanAttachment(filename="after.txt", content_type="text/plain", data=b"A"),
    )
    consent_change(reporter, "case_review", granted=True)
    sent = reporter.post("/api/v1/reporter/messages", {"body": "REPORTER-AFTER"}, format="json")
    assert sent.status_code == 201, sent.content
    staff.post(f"/api/v1/cases/{case.id}/messages", {"body": "STAFF-AFTER"}, format="json")
    staff.post(f"/api/v1/cases/{case.id}/notes", {"body": "NOTE-AFTER"}, format="json")

    # Then the old key opens no ciphertext of the report in the database, old or new
    report = Report.objects.select_related("data_key").get()
    sealed = _ciphertexts_of(report)
    assert {type(row) for row, _column in sealed} == {m for m, _p in SEALED_UNDER_THE_REPORT_KEY}
    # Narrative and incident date, 3 messages, 2 notes, 2 files (name and bytes each), the
    # referral's note, the override's justification and the manager proposed.
    assert len(sealed) == 14
    for row, column in sealed:
        with pytest.raises(crypto.DecryptionError):
            envelope.open_bytes(row, column, old_key)
    # And the reporter still reads everything, in this session and after signing in again
    for client in (reporter, _reporter(receipt)[0]):
        view = client.get("/api/v1/reporter/report").json()
        assert view["narrative"] == NARRATIVE
        assert [m["body"] for m in view["messages"]] == [
            "STAFF-BEFORE",
            "REPORTER-AFTER",
            "STAFF-AFTER",
        ]
        files = {
            listed["filename"]: client.get(f"/api/v1/reporter/attachments/{listed['id']}")
            for listed in view["attachments"]
        }
        assert {name: answer.getvalue() for name, answer in files.items()} == {
            "before.txt": b"B",
            "after.txt": b"A",
        }
    # And so do staff, once the reporter shared it again
    detail = staff.get(f"/api/v1/cases/{case.id}").json()
    assert detail["narrative"] == NARRATIVE
    assert [note["body"] for note in detail["notes"]] == ["NOTE-BEFORE", "NOTE-AFTER"]


def test_resealing_gives_the_report_a_new_data_key_and_destroys_the_old_one() -> None:
    receipt = submit()["receipt"]
    report = Report.objects.get()
    old_id = report.data_key_id
    old_receipt_wrap = bytes(KeyWrap.objects.get(data_key_id=old_id, kind="receipt").wrapped_key)
    reporter, _token = _reporter(receipt)

    consent_change(reporter, "case_review", granted=False)

    report = Report.objects.get()
    assert report.data_key_id != old_id
    assert not DataKey.objects.filter(pk=old_id).exists()
    assert not KeyWrap.objects.filter(data_key_id=old_id).exists()
    (wrap,) = KeyWrap.objects.filter(data_key_id=report.data_key_id)
    assert wrap.kind == KeyWrap.Kind.RECEIPT
    assert bytes(wrap.wrapped_key) != old_receipt_wrap
    assert envelope.is_sealed(report.data_key)


def test_resealing_ends_the_reporters_other_sessions() -> None:
    receipt = submit()["receipt"]
    reporter, _token = _reporter(receipt)
    elsewhere, _other_token = _reporter(receipt)

    consent_change(reporter, "case_review", granted=False)

    # The other session held the old key: it signs in again with the receipt.
    assert elsewhere.get("/api/v1/reporter/report").status_code == 401
    assert reporter.get("/api/v1/reporter/report").json()["narrative"] == NARRATIVE
    assert ReporterSession.objects.count() == 1


def test_a_session_that_cannot_open_the_receipt_key_reseals_nothing() -> None:
    # A session whose receipt key does not open (tampered, or from before re-keying existed)
    # must not seal half-way: the withdrawal is refused and nothing changes.
    receipt = submit()["receipt"]
    reporter, _token = _reporter(receipt)
    ReporterSession.objects.update(wrapped_receipt_key=b"\x01" + b"\x00" * 60)
    report = Report.objects.get()

    refused = reporter.post(
        "/api/v1/reporter/consents", {"action": "case_review", "granted": False}, format="json"
    )

    assert refused.status_code == 409
    assert refused.json()["error"] == "conflict"
    assert Report.objects.get().data_key_id == report.data_key_id
    assert not envelope.is_sealed(report.data_key)
    assert reporter.get("/api/v1/reporter/report").json()["consents"]["case_review"] is True


def test_a_request_still_holding_the_old_key_writes_nothing_after_resealing() -> None:
    # Two requests of one reporter: this one read its session (the old key), then the other
    # re-sealed. Granting with the old key would give the organisation a wrapping of a key
    # that opens nothing; a file sealed with it could never be read. Both are refused.
    receipt = submit()["receipt"]
    reporter, token = _reporter(receipt)
    stale = reporter_session_resolve(token)
    assert stale is not None
    consent_change(reporter, "case_review", granted=False)
    report = Report.objects.get()

    with pytest.raises(ReportResealedMeanwhileError):
        consent_record(access=stale, action="case_review", granted=True)
    with pytest.raises(ReportResealedMeanwhileError):
        reporter_attachment_add(
            access=stale,
            attachment=CleanAttachment(filename="x.txt", content_type="text/plain", data=b"X"),
        )
    with pytest.raises(ReportResealedMeanwhileError):
        route_change(access=stale, route="formal")

    assert envelope.is_sealed(report.data_key)
    assert not report.attachments.exists()
    assert Report.objects.get().route == report.route
    assert reporter.get("/api/v1/reporter/report").json()["consents"]["case_review"] is False


def test_the_portal_page_says_why_a_withdrawal_could_not_reseal() -> None:
    # The same refusal through the reporter's page: words on the page, never a server error.
    receipt = submit()["receipt"]
    browser = Client()
    assert browser.post("/access/", {"receipt": receipt}).status_code == 302
    ReporterSession.objects.update(wrapped_receipt_key=b"\x01" + b"\x00" * 60)

    response = browser.post(
        "/my-report/consent",
        # Confirmed, as the confirmation page sends it (issue 11).
        {"action": "case_review", "granted": "no", "confirmed": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Please sign in again with your receipt" in response.content.decode()
    assert not envelope.is_sealed(Report.objects.select_related("data_key").get().data_key)

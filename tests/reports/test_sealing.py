"""Sealed until shared: without case review only the receipt opens a report; granting it lets
the organisation read, withdrawing it reseals unless a formal process has started."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from reports.models import Report
from tests.reports.helpers import NARRATIVE, record_only_payload, sign_in, submit
from vault import crypto, envelope
from vault.envelope import ReportSealedError, open_with_organisation_key
from vault.fields import Ciphertext
from vault.keyring import server_keyring
from vault.models import KeyWrap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _report() -> Report:
    return Report.objects.select_related("data_key").get()


def _wrap_kinds(report: Report) -> list[str]:
    return sorted(KeyWrap.objects.filter(data_key=report.data_key).values_list("kind", flat=True))


def _organisation_reads_narrative(report: Report) -> str | None:
    key = open_with_organisation_key(report.data_key)
    return envelope.open_text(report, "narrative", key)


def _consent(reporter: APIClient, action: str, granted: bool) -> Any:
    response = reporter.post(
        "/api/v1/reporter/consents", {"action": action, "granted": granted}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_record_only_report_is_wrapped_under_the_receipt_only() -> None:
    submit(**record_only_payload())
    report = _report()

    assert _wrap_kinds(report) == ["receipt"]
    assert envelope.is_sealed(report.data_key)
    with pytest.raises(ReportSealedError):
        open_with_organisation_key(report.data_key)


def test_database_and_every_server_key_without_the_receipt_cannot_decrypt_it() -> None:
    submit(**record_only_payload())
    report = _report()
    ciphertexts = [bytes(w.wrapped_key) for w in KeyWrap.objects.filter(data_key=report.data_key)]
    assert isinstance(report.narrative, Ciphertext)
    ciphertexts.append(report.narrative.blob)

    for kek in server_keyring().keys:
        for blob in ciphertexts:
            for kind in ("organisation", "receipt"):
                aad = crypto.associated_data(
                    "vault_keywrap", f"{kind}:{kek.version}", report.data_key_id
                )
                with pytest.raises(crypto.DecryptionError):
                    crypto.decrypt(kek.secret, blob, aad)
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(
                    kek.secret,
                    blob,
                    crypto.associated_data("reports_report", "narrative", report.pk),
                )


def test_report_without_case_review_is_sealed_whatever_the_route() -> None:
    submit(route="formal", informal_channel=None, consents={"formal_investigation": True})
    report = _report()
    assert _wrap_kinds(report) == ["receipt"]
    with pytest.raises(ReportSealedError):
        open_with_organisation_key(report.data_key)


def test_report_with_case_review_at_intake_is_readable_by_the_organisation() -> None:
    submit()
    report = _report()
    assert _wrap_kinds(report) == ["organisation", "receipt"]
    assert _organisation_reads_narrative(report) == NARRATIVE


def test_granting_case_review_adds_the_organisation_wrap_and_it_decrypts() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])

    _consent(reporter, "case_review", True)

    report = _report()
    assert _wrap_kinds(report) == ["organisation", "receipt"]
    assert not envelope.is_sealed(report.data_key)
    assert _organisation_reads_narrative(report) == NARRATIVE
    assert Case.objects.filter(report=report).exists()


def test_withdrawing_case_review_before_a_formal_process_reseals_the_report() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])
    _consent(reporter, "case_review", True)
    assert _organisation_reads_narrative(_report()) == NARRATIVE

    answer = _consent(reporter, "case_review", False)

    report = _report()
    assert _wrap_kinds(report) == ["receipt"]
    with pytest.raises(ReportSealedError):
        open_with_organisation_key(report.data_key)
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["sealed"] is True
    assert any("sealed again" in entry["label"] for entry in view["timeline"])
    assert "sealed again" in view["status_label"]
    assert answer["status_label"] == view["status_label"]
    # The receipt still opens everything for the reporter.
    assert view["narrative"] == NARRATIVE


def test_withdrawing_case_review_given_at_intake_reseals_the_report() -> None:
    reporter = sign_in(submit()["receipt"])
    _consent(reporter, "case_review", False)
    report = _report()
    assert _wrap_kinds(report) == ["receipt"]
    view = reporter.get("/api/v1/reporter/report").json()
    assert any("sealed again" in entry["label"] for entry in view["timeline"])


def test_granting_case_review_again_after_resealing_unseals_it() -> None:
    reporter = sign_in(submit()["receipt"])
    _consent(reporter, "case_review", False)
    _consent(reporter, "case_review", True)
    report = _report()
    assert _wrap_kinds(report) == ["organisation", "receipt"]
    assert _organisation_reads_narrative(report) == NARRATIVE
    assert Case.objects.filter(report=report).count() == 1


def test_withdrawing_case_review_after_a_formal_process_started_keeps_the_organisation_wrap() -> (
    None
):
    reporter = sign_in(submit()["receipt"])
    report = _report()
    Case.objects.filter(report=report).update(formal_started_at=timezone.now())

    _consent(reporter, "case_review", False)

    report = _report()
    assert _wrap_kinds(report) == ["organisation", "receipt"]
    assert _organisation_reads_narrative(report) == NARRATIVE
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["consents"]["case_review"] is False
    labels = [entry["label"] for entry in view["timeline"]]
    assert any("after a formal process had started" in label for label in labels)
    assert not any("sealed again" in label for label in labels)


def test_sealed_report_can_still_be_read_by_its_reporter() -> None:
    receipt = submit(**record_only_payload())["receipt"]
    view = sign_in(receipt).get("/api/v1/reporter/report").json()
    assert view["sealed"] is True
    assert view["narrative"] == NARRATIVE

"""A request that finds every Argon2id slot of its worker taken answers 503
``service_unavailable`` with ``Retry-After``, stores nothing, and, on the sign-in doors, costs
the reporter or staff member no guess (issue 15). The slot is held for real
(``vault.crypto.DERIVATION_SLOTS``), with a wait of zero so that no test waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from core.throttling import MAX_FAILURES
from reports.models import Report
from tests.helpers.html import parse
from tests.helpers.reporter import final_step_data, report_payload, submit
from vault.crypto import DERIVATION_SLOTS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


@pytest.fixture
def slots_taken(settings: Settings) -> Iterator[None]:
    settings.UPSTANDER_KDF_CONCURRENCY = 1
    settings.UPSTANDER_KDF_WAIT_SECONDS = 0
    with DERIVATION_SLOTS.held():
        yield


def _assert_busy_answer(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"] == "service_unavailable"
    assert body["detail"]
    assert int(response["Retry-After"]) == body["retry_after"] > 0  # type: ignore[index]


def test_a_submission_that_finds_no_slot_is_refused_with_503_and_nothing_stored(
    slots_taken: None,
) -> None:
    response = APIClient().post("/api/v1/reports", report_payload(), format="json")

    _assert_busy_answer(response)
    assert Report.objects.count() == 0


def test_busy_sign_ins_cost_the_reporter_no_guess(settings: Settings) -> None:
    receipt = submit()["receipt"]
    settings.UPSTANDER_KDF_CONCURRENCY = 1
    settings.UPSTANDER_KDF_WAIT_SECONDS = 0
    client = APIClient()

    with DERIVATION_SLOTS.held():
        for _ in range(MAX_FAILURES + 1):
            busy = client.post("/api/v1/reporter/session", {"receipt": receipt}, format="json")
            _assert_busy_answer(busy)

    signed_in = client.post("/api/v1/reporter/session", {"receipt": receipt}, format="json")
    assert signed_in.status_code == 200, signed_in.content


def test_the_receipt_page_answers_a_page_with_503(slots_taken: None) -> None:
    response = Client().post("/access/", {"receipt": "ABCD-EFGH-IJKL-MNOP-QRST"})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert b"Nothing was changed" in response.content


def test_the_report_form_keeps_every_answer_when_no_slot_is_free(slots_taken: None) -> None:
    browser = Client()
    data = final_step_data(browser)

    response = browser.post("/report/", data)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Nothing was changed" in page
    kept = dict(parse(page).hidden_fields())
    assert kept["step"] == "check"
    assert kept["narrative"] == data["narrative"][0]
    assert Report.objects.count() == 0

"""Messages to the reporter and internal notes between staff
(``cases.services.correspondence``): notes are encrypted and never shown to the reporter."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import InternalNote
from tests.helpers.keys import staff_data_key
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of, sign_in
from vault import envelope

pytestmark = pytest.mark.django_db


def test_internal_notes_are_encrypted_and_never_shown_to_the_reporter(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    client = staff_api(focal_point)
    secret_note = "CANARY-NOTE: check with HR about prior complaints"
    assert (
        client.post(
            f"/api/v1/cases/{case.id}/notes", {"body": secret_note}, format="json"
        ).status_code
        == 201
    )
    note = InternalNote.objects.get()
    assert note.body is not None
    assert secret_note.encode() not in note.body.blob
    key = staff_data_key(focal_point, case.report)
    assert envelope.open_text(note, "body", key) == secret_note
    assert client.get(f"/api/v1/cases/{case.id}").json()["notes"][0]["body"] == secret_note
    assert secret_note not in str(sign_in(receipt_of(case)).get("/api/v1/reporter/report").json())

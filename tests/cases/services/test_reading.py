"""Staff reads of a case (``cases.services.reading``): every decrypted read is audited, and
only a case the reader may see is read."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from cases.models import Case
from portal.services import (
    ReporterAccess,
    reporter_attachment_add,
    reporter_session_resolve,
    reporter_session_start,
)
from reports.attachments import clean_attachment
from tests.helpers.reporter import WORKFLOW_CONSENTS

pytestmark = pytest.mark.django_db


def test_staff_download_attachment_is_audited_and_only_for_visible_cases(
    submit_report: Any, focal_point: Any, focal_point_elsewhere: Any, staff_api: Any
) -> None:
    report = submit_report(consents=WORKFLOW_CONSENTS)
    token, _session = reporter_session_start(receipt=report.receipt)
    access = reporter_session_resolve(token)
    assert isinstance(access, ReporterAccess)
    attachment = reporter_attachment_add(
        access=access, attachment=clean_attachment("note.txt", b"CANARY file body")
    )
    case = Case.objects.get(report=report)
    response = staff_api(focal_point).get(f"/api/v1/cases/{case.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"CANARY file body"
    assert (
        AuditEntry.objects.filter(action="attachment.decrypted_read", actor=focal_point).count()
        == 1
    )
    assert (
        staff_api(focal_point_elsewhere)
        .get(f"/api/v1/cases/{case.id}/attachments/{attachment.id}")
        .status_code
        == 404
    )

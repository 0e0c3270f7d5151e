"""Issue 12, item 5: the victims' rights advocate sees exactly what the reporter's consent
allows, through the selectors, the policy, the API and the case page: the state, deadlines,
consents and audit trail of the cases whose reporter brought them in; never what the reporter
wrote unless the reporter also shares it; nothing at all once the consent is withdrawn."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from audit.models import AuditEntry
from cases.models import Case
from cases.selectors import cases_visible_to
from portal.services import (
    reporter_attachment_add,
    reporter_session_resolve,
    reporter_session_start,
)
from reports.attachments import clean_attachment
from tests.helpers.reporter import WORKFLOW_CONSENTS, consent_change, receipt_of, sign_in
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

CANARY = "CANARY-NARRATIVE he cornered me in the archive room"
WITH_ADVOCATE = {"case_review": True, "victims_rights_advocate": True}


@pytest.fixture
def advocate(make_staff: Any) -> User:
    user: User = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    return user


def _advocated_case(open_case: Any, **consents: bool) -> Case:
    case: Case = open_case(
        consents={**WITH_ADVOCATE, **consents},
        narrative=CANARY,
        identity={"name": "Amina Example"},
    )
    return case


def test_the_advocate_sees_state_deadlines_consents_and_audit_trail_never_the_narrative(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = _advocated_case(open_case)
    client = staff_api(advocate)

    listed = client.get("/api/v1/cases")
    detail = client.get(f"/api/v1/cases/{case.id}")
    audit = client.get(f"/api/v1/cases/{case.id}/audit")

    assert [row["id"] for row in listed.json()] == [str(case.id)]
    body = detail.json()
    assert detail.status_code == 200
    assert body["state"] == "received"
    assert body["deadlines"]["acknowledgement_due"]
    assert body["consents"]["victims_rights_advocate"] is True
    assert body["consents"]["share_with_advocate"] is False
    assert body["withheld_from_advocate"] is True
    assert (body["narrative"], body["identity"], body["messages"], body["attachments"]) == (
        None,
        None,
        [],
        [],
    )
    assert CANARY not in detail.content.decode()
    assert "Amina" not in detail.content.decode()
    assert audit.status_code == 200
    assert "report.submitted" in [entry["action"] for entry in audit.json()["entries"]]
    # Nothing was decrypted, so no decrypted read is recorded for the advocate.
    assert not AuditEntry.objects.filter(action="case.decrypted_read", actor=advocate).exists()


def test_without_the_consent_the_advocate_sees_no_case(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    client = staff_api(advocate)

    assert client.get("/api/v1/cases").json() == []
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert client.get(f"/api/v1/cases/{case.id}/audit").status_code == 404


def test_an_advocate_of_another_entity_sees_nothing(
    open_case: Any, make_staff: Any, other_entity: Any, staff_api: Any
) -> None:
    case = _advocated_case(open_case)
    elsewhere = make_staff(
        Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate_else", entity_obj=other_entity
    )
    assert staff_api(elsewhere).get(f"/api/v1/cases/{case.id}").status_code == 404


def test_withdrawing_the_consent_removes_the_advocate_s_view_at_once(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = open_case(consents={"case_review": True})
    reporter = sign_in(receipt_of(case))
    client = staff_api(advocate)
    consent_change(reporter, "victims_rights_advocate", granted=True)
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 200

    consent_change(reporter, "victims_rights_advocate", granted=False)

    assert list(cases_visible_to(advocate)) == []
    assert client.get("/api/v1/cases").json() == []
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert client.get(f"/api/v1/cases/{case.id}/audit").status_code == 404
    refused = client.post(f"/api/v1/cases/{case.id}/messages", {"body": "Hi"}, format="json")
    assert refused.status_code == 404
    concern = client.post(
        f"/api/v1/cases/{case.id}/rights-concerns", {"kind": "not_informed"}, format="json"
    )
    assert concern.status_code == 404


def test_the_reporter_s_separate_share_lets_the_advocate_read_the_report(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = _advocated_case(open_case)
    reporter = sign_in(receipt_of(case))
    client = staff_api(advocate)

    consent_change(reporter, "share_with_advocate", granted=True)
    shared = client.get(f"/api/v1/cases/{case.id}").json()

    assert shared["narrative"] == CANARY
    assert shared["withheld_from_advocate"] is False
    # The name still needs the reporter's consent to disclose it beyond the focal point.
    assert shared["identity"] is None
    assert AuditEntry.objects.filter(action="case.decrypted_read", actor=advocate).count() == 1

    consent_change(reporter, "share_with_advocate", granted=False)
    unshared = client.get(f"/api/v1/cases/{case.id}")
    assert unshared.json()["narrative"] is None
    assert CANARY not in unshared.content.decode()


def test_sharing_the_report_without_consent_to_an_advocate_shows_them_nothing(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = open_case(consents={"case_review": True, "share_with_advocate": True})
    assert staff_api(advocate).get(f"/api/v1/cases/{case.id}").status_code == 404


def test_the_advocate_opens_a_file_only_once_the_report_is_shared(
    submit_report: Any, advocate: User, staff_api: Any
) -> None:
    report = submit_report(consents=WITH_ADVOCATE)
    token, _session = reporter_session_start(receipt=report.receipt)
    access = reporter_session_resolve(token)
    attachment = reporter_attachment_add(
        access=access,  # type: ignore[arg-type]
        attachment=clean_attachment("note.txt", b"CANARY file body"),
    )
    case = Case.objects.get(report=report)
    url = f"/api/v1/cases/{case.id}/attachments/{attachment.id}"

    assert staff_api(advocate).get(url).status_code == 403

    consent_change(sign_in(report.receipt), "share_with_advocate", granted=True)
    opened = staff_api(advocate).get(url)
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == b"CANARY file body"


def test_the_advocate_writes_to_the_reporter_who_reads_it(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = _advocated_case(open_case)

    sent = staff_api(advocate).post(
        f"/api/v1/cases/{case.id}/messages",
        {"body": "I follow your case as advocate; write to me here."},
        format="json",
    )

    assert sent.status_code == 201
    seen = sign_in(receipt_of(case)).get("/api/v1/reporter/report").json()
    assert [m["body"] for m in seen["messages"]] == [
        "I follow your case as advocate; write to me here."
    ]
    assert "The victims' rights advocate sent you a message." in [
        entry["label"] for entry in seen["timeline"]
    ]


def test_the_advocate_runs_no_step_and_writes_no_note_label_assignment_referral_or_override(
    open_case: Any, advocate: User, focal_point: User, staff_api: Any
) -> None:
    case = _advocated_case(open_case, **WORKFLOW_CONSENTS)
    client = staff_api(advocate)
    answers = {
        "transition": client.post(f"/api/v1/cases/{case.id}/transitions/acknowledge", {}),
        "note": client.post(f"/api/v1/cases/{case.id}/notes", {"body": "x"}, format="json"),
        "labels": client.put(f"/api/v1/cases/{case.id}/labels", {"labels": ["x"]}, format="json"),
        "assign": client.post(
            f"/api/v1/cases/{case.id}/assignment",
            {"username": focal_point.username},
            format="json",
        ),
        "referral": client.post(
            f"/api/v1/cases/{case.id}/referrals", {"service": "ombudsperson"}, format="json"
        ),
        "override": client.post(
            f"/api/v1/cases/{case.id}/overrides",
            {"transition": "escalate_to_formal", "justification": "Because."},
            format="json",
        ),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        answers, 403
    )
    case.refresh_from_db()
    assert (case.state, case.assigned_to_id, case.labels) == ("received", None, [])


def test_leadership_still_reaches_no_case_the_reporter_brought_an_advocate_into(
    open_case: Any, leadership: User, staff_api: Any
) -> None:
    case = _advocated_case(open_case)
    assert staff_api(leadership).get(f"/api/v1/cases/{case.id}").status_code == 403
    assert staff_api(leadership).get("/api/v1/cases").json() == []


# --- The case page --------------------------------------------------------------------------


def test_the_case_page_shows_the_advocate_how_the_case_goes_and_what_they_may_do(
    open_case: Any, advocate: User
) -> None:
    case = _advocated_case(open_case)
    browser = signed_in(advocate)

    listing = browser.get("/staff/").content.decode()
    page = browser.get(f"/staff/cases/{case.id}/").content.decode()

    assert "Cases you follow as advocate" in listing
    assert case.report.reference in listing
    assert "The reporter has not shared their report with you" in page
    assert CANARY not in page
    assert "Amina" not in page
    assert "Audit trail" in page
    assert f'action="/staff/cases/{case.id}/rights-concerns"' in page
    assert 'value="note"' not in page  # no internal note
    assert "/transitions/" not in page  # no step


def test_the_advocate_raises_a_rights_concern_on_the_case_page_once(
    open_case: Any, advocate: User
) -> None:
    case = _advocated_case(open_case)
    browser = signed_in(advocate)
    url = f"/staff/cases/{case.id}/rights-concerns"

    first = browser.post(url, {"kind": "deadline_missed"}, follow=True).content.decode()
    again = browser.post(url, {"kind": "deadline_missed"}, follow=True).content.decode()

    assert "The concern is raised" in first
    assert "This concern was raised already" in again
    assert case.rights_concerns.count() == 1
    assert "A deadline was missed" in again


def test_a_focal_point_may_not_raise_a_rights_concern(
    open_case: Any, focal_point: User, staff_api: Any
) -> None:
    case = _advocated_case(open_case)
    refused = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/rights-concerns", {"kind": "dignity"}, format="json"
    )
    assert refused.status_code == 403
    assert not case.rights_concerns.exists()


def test_the_advocate_s_case_list_costs_the_same_queries_however_long(
    open_case: Any, advocate: User, staff_api: Any, django_assert_max_num_queries: Any
) -> None:
    client = staff_api(advocate)
    _advocated_case(open_case)
    with django_assert_max_num_queries(100) as few:
        assert len(client.get("/api/v1/cases").json()) == 1
    for _ in range(4):
        _advocated_case(open_case)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/cases").json()) == 5

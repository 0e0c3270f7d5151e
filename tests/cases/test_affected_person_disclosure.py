"""A witness's report about someone who can be identified names them, and the witness's
consents cover only the witness (issue 12, item 2): beyond the focal points (an ombudsperson,
an investigator, a victims' rights advocate), nobody reads what the witness wrote, their
messages or their files unless the affected person consents to their name being shared
(``identity_disclosure`` in their own, linked report) or two focal points approve an override
on a listed ground; the witness is told, with the ground, and so is the affected person once
they have come forward."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Entity, Role, User
from cases.models import Case, Override
from cases.services.assignment import case_investigator_assign
from cases.services.referring import case_refer
from referrals.models import ServiceEntry
from reports.models import Report
from tests.helpers.reporter import receipt_of, sign_in, submit
from tests.helpers.retaliation import file_retaliation
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

CANARY = "CANARY-WITNESS I saw the chief corner Nadia in the archive room"
REASON = "She told a colleague she fears for her safety; the ombudsperson must read this now."
# The witness consents to everything that concerns the witness, the ombudsperson and an
# advocate included.
WITNESS_CONSENTS = {
    "case_review": True,
    "ombudsperson_referral": True,
    "identity_disclosure": True,
    "victims_rights_advocate": True,
    "share_with_advocate": True,
}


@pytest.fixture
def advocate(make_staff: Any) -> User:
    user: User = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    return user


@pytest.fixture
def ombudsperson_in_directory(ombudsperson: User, entity: Entity) -> User:
    ServiceEntry.objects.create(
        entity=entity,
        kind="ombudsperson",
        name="Ombudsperson",
        staff_user=ombudsperson,
    )
    return ombudsperson


def _witness_case(open_case: Any, *, identifiable: str = "yes") -> Case:
    case: Case = open_case(
        consents=WITNESS_CONSENTS,
        narrative=CANARY,
        reporter_role="witness",
        affected_person_identifiable=identifiable,
    )
    return case


def _referred(case: Case, focal_point: User, staff_api: Any) -> Case:
    made = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/referrals", {"service": "ombudsperson"}, format="json"
    )
    assert made.status_code == 201, made.content
    return case


def _read(client: Any, case: Case) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case.id}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _comes_forward(witness_case: Case, consents: dict[str, bool]) -> Any:
    """The affected person takes the witness's code, files their own report and links it."""
    code = (
        sign_in(receipt_of(witness_case))
        .post("/api/v1/reporter/affected-person-code")
        .json()["code"]
    )
    own = submit(route="formal", informal_channel=None, consents=consents)
    reporter = sign_in(own["receipt"])
    linked = reporter.post(
        "/api/v1/reporter/affected-person-link", {"code": code, "agree": True}, format="json"
    )
    assert linked.status_code == 201, linked.content
    return reporter


def _override(
    case: Case, requester: Any, approver: Any, *, ground: str = "duty_of_care"
) -> dict[str, Any]:
    requested = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "identity_disclosure", "justification": REASON, "ground": ground},
        format="json",
    )
    assert requested.status_code == 202, requested.content
    approved = approver.post(f"/api/v1/overrides/{requested.json()['id']}/approve")
    assert approved.status_code == 200, approved.content
    body: dict[str, Any] = requested.json()
    return body


def test_the_ombudsperson_sees_how_the_case_goes_never_the_witness_s_account(
    open_case: Any, focal_point: User, ombudsperson_in_directory: User, staff_api: Any
) -> None:
    case = _referred(_witness_case(open_case), focal_point, staff_api)
    # The focal points read it
    assert _read(staff_api(focal_point), case)["narrative"] == CANARY
    # The ombudsperson, to whom the witness agreed to refer it, sees the case but not what
    # the witness wrote: the witness's consent does not cover the person it happened to
    seen = _read(staff_api(ombudsperson_in_directory), case)
    assert seen["state"] == case.state
    assert seen["narrative"] is None
    assert seen["messages"] == []
    assert seen["withheld_for_affected_person"] is True
    assert seen["shared_beyond_focal_points"] is False
    assert CANARY not in str(seen)


def test_the_witness_s_files_stay_with_the_focal_points(
    open_case: Any,
    focal_point: User,
    ombudsperson_in_directory: User,
    staff_api: Any,
) -> None:
    case = _referred(_witness_case(open_case), focal_point, staff_api)
    witness = sign_in(receipt_of(case))
    added = witness.post(
        "/api/v1/reporter/attachments",
        {"file": SimpleUploadedFile("what_i_saw.txt", b"Seen on Tuesday.", "text/plain")},
        format="multipart",
    )
    assert added.status_code == 201, added.content
    listed = _read(staff_api(focal_point), case)["attachments"]
    assert len(listed) == 1
    url = f"/api/v1/cases/{case.id}/attachments/{listed[0]['id']}"
    assert staff_api(focal_point).get(url).status_code == 200
    assert staff_api(ombudsperson_in_directory).get(url).status_code == 403


def test_the_witness_s_share_with_an_advocate_does_not_share_the_affected_person(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = _witness_case(open_case)
    seen = _read(staff_api(advocate), case)
    assert seen["narrative"] is None
    assert seen["withheld_for_affected_person"] is True


def test_the_affected_person_s_consent_to_share_their_name_opens_it_while_it_stands(
    open_case: Any, focal_point: User, ombudsperson_in_directory: User, staff_api: Any
) -> None:
    case = _referred(_witness_case(open_case), focal_point, staff_api)
    # Coming forward without consenting to share their name changes nothing
    reporter = _comes_forward(case, {"case_review": True})
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] is None
    # Their consent, in their own portal, shares the witness's account beyond the focal points
    reporter.post(
        "/api/v1/reporter/consents",
        {"action": "identity_disclosure", "granted": True},
        format="json",
    )
    # The person's session holds no key to the witness's report: the ombudsperson finds it
    # waiting, and a focal point who holds it passes it on when they next open the case
    waiting = _read(staff_api(ombudsperson_in_directory), case)
    assert (waiting["narrative"], waiting["key_missing"]) == (None, True)
    assert _read(staff_api(focal_point), case)["narrative"] == CANARY
    opened = _read(staff_api(ombudsperson_in_directory), case)
    assert opened["narrative"] == CANARY
    assert opened["shared_beyond_focal_points"] is True
    # And withdrawing it closes it again at once
    reporter.post(
        "/api/v1/reporter/consents",
        {"action": "identity_disclosure", "granted": False},
        format="json",
    )
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] is None


def test_a_witness_who_says_nobody_can_be_identified_shares_as_any_reporter(
    open_case: Any, focal_point: User, ombudsperson_in_directory: User, staff_api: Any
) -> None:
    case = _referred(_witness_case(open_case, identifiable="no"), focal_point, staff_api)
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] == CANARY
    # And there is nothing to override
    refused = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "identity_disclosure", "justification": REASON, "ground": "duty_of_care"},
        format="json",
    )
    assert refused.status_code == 400
    assert "transition" in refused.json()["fields"]


def test_an_override_needs_a_listed_ground_two_people_and_tells_the_witness_first(
    open_case: Any,
    focal_point: User,
    second_focal_point: User,
    ombudsperson_in_directory: User,
    staff_api: Any,
) -> None:
    case = _referred(_witness_case(open_case), focal_point, staff_api)
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    # The contract's body names no ground: not enough to go past the affected person
    unnamed = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "identity_disclosure", "justification": REASON},
        format="json",
    )
    assert unnamed.status_code == 400
    assert "ground" in unnamed.json()["fields"]
    # Asked on a ground, it changes nothing until a second focal point approves
    requested = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "identity_disclosure", "justification": REASON, "ground": "duty_of_care"},
        format="json",
    )
    assert requested.status_code == 202
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] is None
    assert requester.post(f"/api/v1/overrides/{requested.json()['id']}/approve").status_code == 403
    assert approver.post(f"/api/v1/overrides/{requested.json()['id']}/approve").status_code == 200
    # The witness reads what was done, on which ground and why
    witness = sign_in(receipt_of(case)).get("/api/v1/reporter/report").json()
    told = next(m["body"] for m in witness["messages"] if m["from"] == "staff")
    assert "sharing your report beyond the focal points" in told
    assert "without the agreement of the person it happened to" in told
    assert REASON in told
    # Then the ombudsperson reads it, and the override is a standing one: a later step does not
    # spend it
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] == CANARY
    moved = requester.post(f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json")
    assert moved.status_code == 200, moved.content
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] == CANARY
    assert Override.objects.get(case=case).used_at is None


def test_the_affected_person_who_came_forward_is_told_with_the_ground_not_the_reasons(
    open_case: Any, focal_point: User, second_focal_point: User, staff_api: Any
) -> None:
    case = _witness_case(open_case)
    reporter = _comes_forward(case, {"case_review": True})
    _override(case, staff_api(focal_point), staff_api(second_focal_point), ground="risk_to_others")
    timeline = reporter.get("/api/v1/reporter/report").json()["timeline"]
    told = [e["label"] for e in timeline if "without your agreement" in e["label"]]
    assert len(told) == 1
    assert "a risk to other people if nothing is done" in told[0]
    assert REASON not in str(timeline)


def test_a_deferred_notice_tells_nobody_until_it_is_safe(
    open_case: Any, focal_point: User, second_focal_point: User, staff_api: Any
) -> None:
    case = _witness_case(open_case)
    reporter = _comes_forward(case, {"case_review": True})
    requested = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "identity_disclosure", "justification": REASON, "ground": "duty_of_care"},
        format="json",
    )
    deferred = staff_api(second_focal_point).post(
        f"/api/v1/overrides/{requested.json()['id']}/approve",
        {"notice_deferral_reason": "The person responsible reads the witness's phone."},
        format="json",
    )
    assert deferred.status_code == 200, deferred.content
    assert "without your agreement" not in str(reporter.get("/api/v1/reporter/report").json())
    witness = sign_in(receipt_of(case)).get("/api/v1/reporter/report").json()
    assert not [m for m in witness["messages"] if m["from"] == "staff"]


def test_the_case_pages_say_it_and_offer_the_override(
    open_case: Any,
    focal_point: User,
    ombudsperson_in_directory: User,
    staff_api: Any,
) -> None:
    # Signed in to the pages first: a code from the authenticator app is accepted once
    focal_point_page, ombudsperson_page = (
        signed_in(focal_point),
        signed_in(ombudsperson_in_directory),
    )
    case = _witness_case(open_case)
    case_refer(case=case, actor=focal_point, service="ombudsperson")
    page = focal_point_page.get(f"/staff/cases/{case.id}/").content.decode()
    assert "Share the report beyond the focal points" in page
    assert '<option value="identity_disclosure">' in page
    theirs = ombudsperson_page.get(f"/staff/cases/{case.id}/").content.decode()
    assert 'id="withheld-for-affected-person"' in theirs
    assert CANARY not in theirs


def test_a_report_that_is_not_a_witness_s_is_read_beyond_the_focal_points_as_before(
    open_case: Any, focal_point: User, ombudsperson_in_directory: User, staff_api: Any
) -> None:
    case: Case = open_case(consents=WITNESS_CONSENTS, narrative=CANARY)
    _referred(case, focal_point, staff_api)
    assert Report.objects.get(pk=case.report_id).reporter_role == "affected_person"
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] == CANARY


def test_the_investigator_of_a_step_the_affected_person_agreed_to_reads_only_with_their_name(
    open_case: Any, focal_point: User, investigator: User, staff_api: Any
) -> None:
    # Given the affected person came forward and agreed to an investigation, not to their name
    # being shared beyond the focal point
    case: Case = open_case(
        consents={
            **WITNESS_CONSENTS,
            "formal_investigation": True,
            "contact_alleged_perpetrator": True,
        },
        narrative=CANARY,
        reporter_role="witness",
        affected_person_identifiable="yes",
        route="formal",
    )
    reporter = _comes_forward(
        case,
        {"case_review": True, "formal_investigation": True, "contact_alleged_perpetrator": True},
    )
    client = staff_api(focal_point)
    for step in ("acknowledge", "begin_assessment", "escalate_to_formal", "open_investigation"):
        moved = client.post(f"/api/v1/cases/{case.id}/transitions/{step}", {}, format="json")
        assert moved.status_code == 200, (step, moved.content)
    case_investigator_assign(
        case=Case.objects.get(pk=case.pk), actor=focal_point, investigator=investigator
    )
    # Then the investigator works the case without the witness's account
    assert _read(staff_api(investigator), case)["narrative"] is None
    # Until the affected person agrees to their name being shared
    reporter.post(
        "/api/v1/reporter/consents",
        {"action": "identity_disclosure", "granted": True},
        format="json",
    )
    # (the key reaches the investigator from a focal point who holds it, at their next opening)
    assert _read(staff_api(investigator), case)["key_missing"] is True
    assert _read(client, case)["narrative"] == CANARY
    assert _read(staff_api(investigator), case)["narrative"] == CANARY


# --- What a review of the gate found ---------------------------------------------------------


def test_a_witness_s_report_of_retaliation_is_gated_like_the_first(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case = _witness_case(open_case)
    submitted = file_retaliation(
        case, consents={"case_review": True, **WITNESS_CONSENTS}, narrative=CANARY
    )
    since = Case.objects.get(report=submitted.report)
    assert since.report.about_an_identifiable_person
    seen = _read(staff_api(advocate), since)
    assert seen["narrative"] is None
    assert seen["withheld_for_affected_person"] is True


def test_the_affected_person_s_consent_counts_only_while_their_own_report_is_open_to_review(
    open_case: Any, focal_point: User, ombudsperson_in_directory: User, staff_api: Any
) -> None:
    case = _referred(_witness_case(open_case), focal_point, staff_api)
    reporter = _comes_forward(case, {"case_review": True, "identity_disclosure": True})
    assert _read(staff_api(ombudsperson_in_directory), case)["key_missing"] is True
    assert _read(staff_api(focal_point), case)["narrative"] == CANARY
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] == CANARY
    # Withdrawing case review of their own report withdraws what it said for them
    reporter.post(
        "/api/v1/reporter/consents", {"action": "case_review", "granted": False}, format="json"
    )
    assert _read(staff_api(ombudsperson_in_directory), case)["narrative"] is None


def test_a_pending_request_to_share_lapses_when_the_case_moves_an_approved_one_stands(
    open_case: Any, focal_point: User, second_focal_point: User, staff_api: Any
) -> None:
    case = _witness_case(open_case)
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    pending = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "identity_disclosure", "justification": REASON, "ground": "duty_of_care"},
        format="json",
    ).json()
    assert (
        requester.post(
            f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json"
        ).status_code
        == 200
    )
    assert Override.objects.get(pk=pending["id"]).status == "rejected"
    assert approver.post(f"/api/v1/overrides/{pending['id']}/approve").status_code == 409
    # Approved: it stands, while an override of a step is still spent by the next move
    standing = _override(case, requester, approver)
    requester.post(f"/api/v1/cases/{case.id}/transitions/begin_assessment", {}, format="json")
    for_a_step = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "escalate_to_formal", "justification": REASON, "ground": "duty_of_care"},
        format="json",
    ).json()
    approver.post(f"/api/v1/overrides/{for_a_step['id']}/approve")
    moved = requester.post(
        f"/api/v1/cases/{case.id}/transitions/escalate_to_formal", {}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert Override.objects.get(pk=for_a_step["id"]).used_at is not None
    assert Override.objects.get(pk=standing["id"]).used_at is None
    assert moved.json()["shared_beyond_focal_points"] is True


def test_the_affected_person_who_links_later_reads_what_was_already_done_without_them(
    open_case: Any, focal_point: User, second_focal_point: User, staff_api: Any
) -> None:
    case = _witness_case(open_case)
    _override(case, staff_api(focal_point), staff_api(second_focal_point), ground="risk_to_others")
    reporter = _comes_forward(case, {"case_review": True})
    labels = [e["label"] for e in reporter.get("/api/v1/reporter/report").json()["timeline"]]
    told = [label for label in labels if "without your agreement" in label]
    assert len(told) == 1
    assert "a risk to other people if nothing is done" in told[0]


def test_an_advocate_the_witness_did_not_share_with_is_told_that_first(
    open_case: Any, advocate: User, staff_api: Any
) -> None:
    case: Case = open_case(
        consents={"case_review": True, "victims_rights_advocate": True},
        narrative=CANARY,
        reporter_role="witness",
        affected_person_identifiable="yes",
    )
    seen = _read(staff_api(advocate), case)
    assert seen["withheld_from_advocate"] is True
    assert seen["withheld_for_affected_person"] is False

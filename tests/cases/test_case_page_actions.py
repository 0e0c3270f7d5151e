"""Issue 11: everything the API lets staff do, on the case page (``cases.views``), each action
shown only to whom the policy allows it and refused to anyone else; steps that go against the
reporter's chosen route, and closing, ask for a confirmation first."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Role
from cases.models import Case, Override, Reassignment
from cases.services.referring import case_refer
from cases.templatetags.staff_dates import (
    _moment_in_words,
    audit_moment,
    day_in_words,
    moment_in_words,
)
from referrals.models import Referral, ServiceEntry
from tests.helpers.reporter import ALL_CONSENTS, WORKFLOW_CONSENTS
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db
JUSTIFICATION = "Two witnesses describe an ongoing risk to other staff members."


def page_of(client: Client, case: Case) -> str:
    return html.unescape(client.get(f"/staff/cases/{case.id}/").content.decode())


def followed(response: Any) -> str:
    return html.unescape(response.content.decode())


# --- Who sees and may use which action ---------------------------------------------------------

FOCAL_POINT_FORMS = ("/referral", "/assignment", "/labels", "/overrides")


def test_an_ombudsperson_sees_no_focal_point_action_and_each_is_refused(
    open_case: Any, walk_case: Any, focal_point: Any, ombudsperson: Any, entity: Any
) -> None:
    case = walk_case(open_case(consents=WORKFLOW_CONSENTS), "assessment")
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="The Ombudsperson", staff_user=ombudsperson
    )
    case_refer(case=case, actor=focal_point, service={"service_id": service.pk})
    holder = Case.objects.get(pk=case.pk).assigned_to_id
    client = signed_in(ombudsperson)
    page = page_of(client, case)
    assert "The Ombudsperson" not in page  # no referral form
    for form in FOCAL_POINT_FORMS:
        assert f'action="/staff/cases/{case.id}{form}"' not in page, form
    # Posting anyway changes nothing
    base = f"/staff/cases/{case.id}"
    client.post(f"{base}/referral", {"service_id": service.pk})
    client.post(f"{base}/assignment", {"username": ombudsperson.username, "mode": "assign"})
    client.post(f"{base}/labels", {"labels": "urgent"})
    client.post(
        f"{base}/overrides", {"transition": "escalate_to_formal", "justification": JUSTIFICATION}
    )
    fresh = Case.objects.get(pk=case.pk)
    assert Referral.objects.filter(case=case).count() == 1
    assert fresh.assigned_to_id == holder
    assert fresh.labels == []
    assert not Override.objects.filter(case=case).exists()


def test_a_focal_point_of_another_entity_gets_the_not_found_page_for_every_action(
    open_case: Any, focal_point_elsewhere: Any
) -> None:
    case = open_case()
    client = signed_in(focal_point_elsewhere)
    base = f"/staff/cases/{case.id}"
    assert client.post(f"{base}/labels", {"labels": "x"}).status_code == 404
    assert client.post(f"{base}/referral", {"service_id": "1"}).status_code == 404
    assert (
        client.post(f"{base}/assignment", {"username": "fp_else", "mode": "assign"}).status_code
        == 404
    )
    assert Case.objects.get(pk=case.pk).labels == []


# --- Refer ------------------------------------------------------------------------------------


def test_referral_explains_the_missing_consent_and_refuses_without_it(
    case_in_state: Any, focal_point: Any, entity: Any, ombudsperson: Any
) -> None:
    case = case_in_state("assessment", route="formal", consents={"case_review": True})
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="The Ombudsperson", staff_user=ombudsperson
    )
    client = signed_in(focal_point)
    page = page_of(client, case)
    assert "The Ombudsperson" in page
    assert (
        "This step needs the reporter's consent to sharing the report with the ombudsperson."
        in page
    )
    refused = followed(
        client.post(f"/staff/cases/{case.id}/referral", {"service_id": service.pk}, follow=True)
    )
    assert "has not consented" in refused
    assert not Referral.objects.filter(case=case).exists()


def test_a_focal_point_refers_a_case_from_the_page(
    case_in_state: Any, focal_point: Any, entity: Any, ombudsperson: Any
) -> None:
    case = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="The Ombudsperson", staff_user=ombudsperson
    )
    client = signed_in(focal_point)
    response = client.post(f"/staff/cases/{case.id}/referral", {"service_id": service.pk})
    assert response.status_code == 302  # post-redirect-get: a reload does not refer again
    assert Referral.objects.get(case=case).service == service
    assert "Case referred to The Ombudsperson." in followed(client.get(response["Location"]))


# --- Assign, share, investigator, reassignment ---------------------------------------------------


def test_reassigning_a_case_whose_reporter_withholds_their_name_waits_for_a_second_person(
    open_case: Any, focal_point: Any, second_focal_point: Any, make_staff: Any
) -> None:
    third = make_staff(Role.FOCAL_POINT, username="fp_three")
    case = open_case(identity={"name": "Amina Example"})
    client = signed_in(focal_point)
    client.post(f"/staff/cases/{case.id}/assignment", {"username": "fp_one", "mode": "assign"})
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point
    answer = followed(
        client.post(
            f"/staff/cases/{case.id}/assignment",
            {"username": second_focal_point.username, "mode": "assign"},
            follow=True,
        )
    )
    assert "Waiting for a second person's approval" in answer
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point
    pending = Reassignment.objects.get(case=case, status="pending")
    approve = f'action="/staff/cases/{case.id}/reassignments/{pending.id}/approve"'
    # Neither the asker nor the new holder is offered the approval
    assert approve not in page_of(client, case)
    assert approve not in page_of(signed_in(second_focal_point), case)
    third_client = signed_in(third)
    assert approve in page_of(third_client, case)
    third_client.post(f"/staff/cases/{case.id}/reassignments/{pending.id}/approve")
    assert Case.objects.get(pk=case.pk).assigned_to == second_focal_point


def test_share_and_investigator_from_the_page(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, investigator: Any
) -> None:
    case = case_in_state("formal_review", route="formal", consents=ALL_CONSENTS)
    client = signed_in(focal_point)
    page = page_of(client, case)
    assert f'<option value="{second_focal_point.username}">' in page
    assert f'<option value="{investigator.username}">' in page
    client.post(
        f"/staff/cases/{case.id}/assignment",
        {"username": second_focal_point.username, "mode": "share"},
    )
    client.post(
        f"/staff/cases/{case.id}/assignment",
        {"username": investigator.username, "mode": "investigator"},
    )
    fresh = Case.objects.get(pk=case.pk)
    assert list(fresh.shared_with.all()) == [second_focal_point]
    assert fresh.investigator == investigator
    # An investigator is no colleague to share with: refused in words, nothing changed
    refused = followed(
        client.post(
            f"/staff/cases/{case.id}/assignment",
            {"username": investigator.username, "mode": "share"},
            follow=True,
        )
    )
    assert "Share only with an active focal point" in refused
    assert list(Case.objects.get(pk=case.pk).shared_with.all()) == [second_focal_point]


def test_labels_are_set_from_the_page(open_case: Any, focal_point: Any) -> None:
    case = open_case()
    client = signed_in(focal_point)
    client.post(f"/staff/cases/{case.id}/labels", {"labels": "urgent, field office ,"})
    assert Case.objects.get(pk=case.pk).labels == ["field office", "urgent"]
    assert 'value="field office, urgent"' in page_of(client, case)


# --- Overrides: four eyes ---------------------------------------------------------------------


def test_an_override_is_requested_on_the_page_and_approved_by_a_second_focal_point(
    case_in_state: Any, focal_point: Any, second_focal_point: Any
) -> None:
    case = case_in_state("assessment", route="formal", consents={"case_review": True})
    client = signed_in(focal_point)
    assert 'action="/staff/cases/' + str(case.id) + '/overrides"' in page_of(client, case)
    too_short = followed(
        client.post(
            f"/staff/cases/{case.id}/overrides",
            {"transition": "escalate_to_formal", "justification": "risk"},
            follow=True,
        )
    )
    assert "at least 20 characters" in too_short
    assert not Override.objects.filter(case=case).exists()
    # The page names no ground for the staff member: without one, nothing is requested (issue 12)
    no_ground = followed(
        client.post(
            f"/staff/cases/{case.id}/overrides",
            {"transition": "escalate_to_formal", "justification": JUSTIFICATION},
            follow=True,
        )
    )
    assert "Name the ground" in no_ground
    assert not Override.objects.filter(case=case).exists()
    client.post(
        f"/staff/cases/{case.id}/overrides",
        {
            "transition": "escalate_to_formal",
            "justification": JUSTIFICATION,
            "ground": "risk_to_others",
        },
    )
    override = Override.objects.get(case=case)
    assert override.ground == "risk_to_others"
    approve = f'action="/staff/cases/{case.id}/overrides/{override.id}/approve"'
    # The requester reads it but is not offered the approval, and is refused if they post it
    own = page_of(client, case)
    assert approve not in own
    assert "a different focal point must approve it" in own
    refused = followed(
        client.post(
            f"/staff/cases/{case.id}/overrides/{override.id}/approve",
            {"confirm": "yes"},
            follow=True,
        )
    )
    assert "the requester cannot" in refused
    assert Override.objects.get(pk=override.pk).status == "pending"
    # The second person reads the justification, the step and the consent it bypasses
    second = signed_in(second_focal_point)
    seen = page_of(second, case)
    assert JUSTIFICATION in seen
    assert "A risk to other people" in seen
    assert "Escalate to a formal review" in seen
    assert "without the reporter's consent to a formal investigation" in seen
    assert approve in seen
    # Approving needs the "I have read" box
    second.post(f"/staff/cases/{case.id}/overrides/{override.id}/approve")
    assert Override.objects.get(pk=override.pk).status == "pending"
    second.post(f"/staff/cases/{case.id}/overrides/{override.id}/approve", {"confirm": "yes"})
    assert Override.objects.get(pk=override.pk).status == "approved"


# --- Closing, and steps against the reporter's route --------------------------------------------


def test_closing_needs_a_reason_a_note_and_a_confirmation(
    case_in_state: Any, focal_point: Any
) -> None:
    case = case_in_state("assessment")
    client = signed_in(focal_point)
    url = f"/staff/cases/{case.id}/transitions/close"
    form = page_of(client, case).split('transitions/close"')[1].split("</form>")[0]
    assert 'name="note"' in form
    assert 'name="confirm"' in form
    assert "Resolved informally" in form  # the reasons by their translated labels
    no_note = followed(
        client.post(url, {"closure_reason": "resolved_informally", "confirm": "yes"}, follow=True)
    )
    assert "Write a note" in no_note
    unconfirmed = followed(
        client.post(url, {"closure_reason": "resolved_informally", "note": "Agreed."}, follow=True)
    )
    assert "Tick the box" in unconfirmed
    no_reason = followed(client.post(url, {"note": "Agreed.", "confirm": "yes"}, follow=True))
    assert "Give the closure reason" in no_reason
    assert Case.objects.get(pk=case.pk).state == "assessment"
    client.post(url, {"closure_reason": "resolved_informally", "note": "Agreed.", "confirm": "yes"})
    closed = Case.objects.get(pk=case.pk)
    assert closed.state == "closed"
    assert closed.closure_reason == "resolved_informally"
    assert closed.notes.count() == 1


def test_a_step_against_the_reporters_route_warns_and_asks_for_a_confirmation(
    case_in_state: Any, focal_point: Any
) -> None:
    case = case_in_state("assessment", route="support_only", consents=ALL_CONSENTS)
    client = signed_in(focal_point)
    page = page_of(client, case)
    form = page.split('transitions/escalate_to_formal"')[1].split("</form>")[0]
    assert "The reporter chose “Support only”. This step goes against that choice" in form
    assert 'name="confirm"' in form
    url = f"/staff/cases/{case.id}/transitions/escalate_to_formal"
    refused = followed(client.post(url, follow=True))
    assert "Tick the box" in refused
    assert Case.objects.get(pk=case.pk).state == "assessment"
    client.post(url, {"confirm": "yes"})
    assert Case.objects.get(pk=case.pk).state == "formal_review"


def test_a_step_along_the_reporters_route_runs_without_a_warning(
    case_in_state: Any, focal_point: Any
) -> None:
    case = case_in_state("assessment", route="formal", consents=ALL_CONSENTS)
    client = signed_in(focal_point)
    form = page_of(client, case).split('transitions/escalate_to_formal"')[1].split("</form>")[0]
    assert "goes against" not in form
    assert 'name="confirm"' not in form
    client.post(f"/staff/cases/{case.id}/transitions/escalate_to_formal")
    assert Case.objects.get(pk=case.pk).state == "formal_review"


# --- Human words ------------------------------------------------------------------------------


def test_the_case_page_reads_in_words_not_codes(case_in_state: Any, focal_point: Any) -> None:
    case = case_in_state("assessment", route="informal", channel="ombudsperson")
    page = page_of(signed_in(focal_point), case)
    for shown in (
        "Assessment",  # state
        "Informal resolution (Talk to the ombudsperson)",  # route and channel
        "Physical (unwanted touching)",  # category
        "The affected person",  # reporter role
        "Case moved on: Begin the assessment",  # audit action and its step
        "Report read",
    ):
        assert shown in page, shown
    for code in (">begin_assessment<", ">assessment<", "case.transition", "physical<", "T0"):
        assert code not in page, code


def test_dates_are_in_words_in_the_staff_members_time_zone() -> None:
    late_evening_utc = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    with timezone.override("Asia/Tokyo"):
        assert day_in_words(late_evening_utc.isoformat()) == "5 March 2026"
        assert moment_in_words(late_evening_utc) == "5 March 2026, 08:30"
    with timezone.override("UTC"):
        assert day_in_words(late_evening_utc) == "4 March 2026"
    assert day_in_words(datetime.date(2026, 3, 4)) == "4 March 2026"
    assert day_in_words("not a date") == ""


def test_a_moment_written_once_is_still_written_in_each_readers_zone_and_language() -> None:
    """The case page keeps the words of each moment it wrote (issue 15): a reader in another
    zone or language must still get their own, from the first time to the repeats."""
    moment = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    _moment_in_words.cache_clear()
    for _round in range(2):
        with timezone.override("Asia/Tokyo"):
            assert moment_in_words(moment) == "5 March 2026, 08:30"
            assert moment_in_words(moment.isoformat()) == "5 March 2026, 08:30"
            with translation.override("fr"):
                assert moment_in_words(moment) == "5 mars 2026 08:30"
        with timezone.override("America/New_York"):
            assert moment_in_words(moment) == "4 March 2026, 18:30"
    assert moment_in_words(datetime.date(2026, 3, 4)) == "4 March 2026"
    assert moment_in_words(None) == ""
    assert moment_in_words("not a date") == ""
    # The second round was served from what the first wrote, not formatted again.
    assert _moment_in_words.cache_info().hits >= 4


def test_a_day_stamped_audit_entry_shows_its_day_never_midnight(
    case_in_state: Any, focal_point: Any
) -> None:
    """Seen in the demo: "Report submitted" read "Nov. 26, 2026, midnight", a moment the
    reporter never acted at; reporter-side entries are stamped with their day only."""
    stamped = datetime.datetime(2026, 3, 4, tzinfo=datetime.UTC)
    with timezone.override("America/New_York"):
        assert audit_moment(stamped) == "4 March 2026"  # the day as stamped, not 3 March
        assert audit_moment(stamped + datetime.timedelta(minutes=1)) == "3 March 2026, 19:01"
    case = case_in_state("assessment")
    page = page_of(signed_in(focal_point), case)
    submitted_on = case.report.submitted_on
    assert f"<td>{submitted_on.day} {submitted_on:%B %Y}</td>" in page
    assert "midnight" not in page
    assert "00:00" not in page


def test_an_approver_defers_the_notice_and_it_stays_pending_on_the_page_until_safe(
    case_in_state: Any, focal_point: Any, second_focal_point: Any
) -> None:
    """Issue 12: where telling the reporter would endanger someone, the notice waits, shown as
    pending on the case page, until a staff member records that it is safe."""
    case = case_in_state("assessment", route="formal", consents={"case_review": True})
    signed_in(focal_point).post(
        f"/staff/cases/{case.id}/overrides",
        {
            "transition": "escalate_to_formal",
            "justification": JUSTIFICATION,
            "ground": "duty_of_care",
        },
    )
    override = Override.objects.get(case=case)
    second = signed_in(second_focal_point)
    approve = f"/staff/cases/{case.id}/overrides/{override.id}/approve"
    # Deferring without saying why is refused, and nothing is approved
    second.post(approve, {"confirm": "yes", "defer_notice": "yes"})
    assert Override.objects.get(pk=override.pk).status == "pending"
    reason = "The person responsible shares the reporter's office and reads her screen."
    done = followed(
        second.post(
            approve,
            {"confirm": "yes", "defer_notice": "yes", "notice_deferral_reason": reason},
            follow=True,
        )
    )
    assert "Telling the reporter is deferred" in done
    assert "Notice to the reporter pending" in done
    assert "duty of care" in done
    assert reason in done
    assert not case.report.messages.exists()
    # Recording that it is safe needs the box ticked, then the reporter is told
    notice = f"/staff/cases/{case.id}/overrides/{override.id}/notice"
    second.post(notice)
    assert Override.objects.get(pk=override.pk).notice_pending
    told = followed(second.post(notice, {"confirm": "yes"}, follow=True))
    assert "The reporter is now told of the override" in told
    assert "Notice to the reporter pending" not in told
    assert case.report.messages.filter(sender="staff").count() == 1

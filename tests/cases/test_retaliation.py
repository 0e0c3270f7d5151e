"""Issue 12, item 3, through the staff's doors: ``POST /api/v1/cases/{id}/retaliation-risk``, the
case page's "Protection from retaliation" part, and the links between a report of retaliation
and the case it follows."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case
from cases.services.retaliation import interim_measure_codes
from tests.helpers.reporter import WORKFLOW_CONSENTS
from tests.helpers.retaliation import file_retaliation
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

WITH_MEASURES = {**WORKFLOW_CONSENTS, "interim_measures": True}


def risk_url(case: Case) -> str:
    return f"/api/v1/cases/{case.id}/retaliation-risk"


def record_through_api(client: APIClient, case: Case, **body: object) -> Any:
    return client.post(risk_url(case), body, format="json")


# --- The API -----------------------------------------------------------------------------------


def test_acknowledging_with_only_a_note_still_works_as_the_contract_says(
    open_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    case = open_case(consents=WITH_MEASURES)

    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/acknowledge", {"note": "Seen."}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["retaliation_risk"] is None
    assert response.json()["interim_measures"] == []


def test_the_api_records_the_risk_and_measures_and_answers_the_case(
    case_in_state: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)

    response = record_through_api(
        staff_api(focal_point),
        case,
        retaliation_risk="medium",
        interim_measures=["no_contact_instruction"],
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["retaliation_risk"] == "medium"
    assert body["interim_measures"] == ["no_contact_instruction"]
    assert body["kind"] == "harassment"
    assert body["retaliation_of"] is None
    listed = staff_api(focal_point).get("/api/v1/cases").json()
    assert [row["retaliation_risk"] for row in listed] == ["medium"]


def test_measures_without_consent_are_409_consent_required_and_nothing_is_recorded(
    case_in_state: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    case = case_in_state("acknowledged", consents=WORKFLOW_CONSENTS)

    response = record_through_api(
        staff_api(focal_point), case, retaliation_risk="high", interim_measures=["special_leave"]
    )

    assert response.status_code == 409
    assert response.json()["error"] == "consent_required"
    assert response.json()["missing"] == ["interim_measures"]
    assert Case.objects.get(pk=case.pk).retaliation_risk == ""


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"retaliation_risk": "extreme"},
        {"retaliation_risk": "low", "interim_measures": ["moving_abroad"]},
        {"retaliation_risk": "low", "interim_measures": "special_leave"},
    ],
)
def test_bad_input_is_a_validation_error_naming_the_field(
    case_in_state: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
    body: dict[str, object],
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)

    response = staff_api(focal_point).post(risk_url(case), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert set(response.json()["fields"]) <= {"retaliation_risk", "interim_measures"}
    assert Case.objects.get(pk=case.pk).retaliation_risk == ""


def test_before_acknowledgement_the_risk_is_409_transition_not_allowed(
    open_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    case = open_case(consents=WITH_MEASURES)

    response = record_through_api(staff_api(focal_point), case, retaliation_risk="low")

    assert response.status_code == 409
    assert response.json()["error"] == "transition_not_allowed"


def test_other_roles_are_refused_and_other_entities_see_no_case(
    case_in_state: Callable[..., Case],
    ombudsperson: User,
    leadership: User,
    focal_point_elsewhere: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)
    body = {"retaliation_risk": "high"}

    assert staff_api(leadership).post(risk_url(case), body, format="json").status_code == 403
    assert staff_api(ombudsperson).post(risk_url(case), body, format="json").status_code in (
        403,
        404,
    )
    assert (
        staff_api(focal_point_elsewhere).post(risk_url(case), body, format="json").status_code
        == 404
    )
    assert Case.objects.get(pk=case.pk).retaliation_risk == ""


def test_a_report_of_retaliation_and_its_original_name_each_other(
    case_in_state: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    submitted = file_retaliation(original)
    follow_up = Case.objects.get(report=submitted.report)

    body = staff_api(focal_point).get(f"/api/v1/cases/{follow_up.id}").json()
    assert body["kind"] == "retaliation"
    assert body["retaliation_of"] == {
        "reference": original.report.reference,
        "case_id": str(original.id),
    }
    assert body["deadlines"]["acknowledgement_due"] == follow_up.acknowledgement_due.isoformat()
    first = staff_api(focal_point).get(f"/api/v1/cases/{original.id}").json()
    assert first["retaliation_reports"] == [
        {"reference": submitted.report.reference, "case_id": str(follow_up.id)}
    ]


# --- The case page -----------------------------------------------------------------------------


def page_of(client: Client, case: Case) -> str:
    return html.unescape(client.get(f"/staff/cases/{case.id}/").content.decode())


def test_the_case_page_records_the_risk_and_measures(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)
    client = signed_in(focal_point)
    assert f'action="/staff/cases/{case.id}/retaliation-risk"' in page_of(client, case)

    response = client.post(
        f"/staff/cases/{case.id}/retaliation-risk",
        {"retaliation_risk": "high", "interim_measures": ["change_of_workplace"]},
        follow=True,
    )

    page = html.unescape(response.content.decode())
    assert "The retaliation risk and interim measures are recorded." in page
    assert "A change of workplace or office" in page
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.retaliation_risk, interim_measure_codes(fresh)) == (
        "high",
        ["change_of_workplace"],
    )


def test_without_consent_the_page_says_so_and_nothing_is_recorded(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    case = case_in_state("acknowledged", consents=WORKFLOW_CONSENTS)
    client = signed_in(focal_point)
    page = page_of(client, case)
    assert "New interim measures need the reporter's consent to" in page

    response = client.post(
        f"/staff/cases/{case.id}/retaliation-risk",
        {"retaliation_risk": "high", "interim_measures": ["special_leave"]},
        follow=True,
    )

    assert "Nothing was recorded: interim measures need the reporter's consent" in html.unescape(
        response.content.decode()
    )
    assert Case.objects.get(pk=case.pk).retaliation_risk == ""


def test_the_form_is_offered_only_once_the_case_is_acknowledged(
    open_case: Callable[..., Case], focal_point: User
) -> None:
    case = open_case(consents=WITH_MEASURES)

    page = page_of(signed_in(focal_point), case)

    assert f'action="/staff/cases/{case.id}/retaliation-risk"' not in page
    assert "Once the case is acknowledged, record the risk of retaliation" in page


def test_the_page_of_a_report_of_retaliation_links_to_the_original(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    original = case_in_state("closed", consents=WORKFLOW_CONSENTS)
    submitted = file_retaliation(original)
    follow_up = Case.objects.get(report=submitted.report)

    client = signed_in(focal_point)
    page = page_of(client, follow_up)

    assert "This is a report of retaliation" in page
    assert f'href="/staff/cases/{original.id}/"' in page
    assert f'href="/staff/cases/{follow_up.id}/"' in page_of(client, original)


def test_the_queue_marks_a_report_of_retaliation_with_its_working_day_deadline(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    follow_up = Case.objects.get(report=file_retaliation(original).report)

    queue = html.unescape(signed_in(focal_point).get("/staff/?section=new").content.decode())

    row = queue[queue.index(follow_up.report.reference) :]
    row = row[: row.index("</tr>")]
    assert '<span class="tag tag-overdue">retaliation</span>' in row
    assert f"Acknowledge by {follow_up.acknowledgement_due:%-d %B %Y}" in row

"""Issue 12, item 4: a staff member named in a report, or who declared a conflict with its case,
neither sees the case nor can be assigned, shared, referred or made its investigator (409
``conflict_of_interest``, its reason in words on the case page)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.db import connection

from accounts.models import Role
from audit.models import AuditAction, AuditEntry
from cases.models import Case
from cases.services.conflicts import conflict_declare
from notifications.models import OutboxMessage
from referrals.models import Referral, ServiceEntry
from reports.models import ConflictDeclaration, NamedPerson
from tests.helpers.conflicts import case_naming, case_withheld_naming, with_name
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of, sign_in
from tests.helpers.staff import signed_in
from vault.names import person_name_index

pytestmark = pytest.mark.django_db

NAME = "Jean-Baptiste Okafor"


@pytest.fixture
def named_colleague(make_staff: Any) -> Any:
    """A focal point of the entity whose name the reports below give, written another way."""
    return with_name(make_staff(Role.FOCAL_POINT, username="fp_named"), "OKAFOR Jean Baptiste")


def _assign(client: Any, case: Case, username: str, mode: str) -> Any:
    return client.post(
        f"/api/v1/cases/{case.id}/assignment", {"username": username, "mode": mode}, format="json"
    )


# --- Matching through the keyed index ---------------------------------------------------------


def test_a_report_keeps_only_the_keyed_index_of_the_name_it_gives(entity: Any) -> None:
    case = case_naming(entity, NAME)
    assert list(
        NamedPerson.objects.filter(report=case.report).values_list("name_index", flat=True)
    ) == [person_name_index(NAME)]
    # No plaintext of the name anywhere in the database.
    with connection.cursor() as cursor:
        for table in ("reports_namedperson", "reports_report", "accounts_user", "audit_auditentry"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names  # nosec B608
            dump = repr(cursor.fetchall()).lower()
            assert "okafor" not in dump, table


def test_a_focal_point_named_in_a_report_does_not_see_its_case(
    entity: Any, focal_point: Any, named_colleague: Any, staff_api: Any
) -> None:
    named = case_naming(entity, NAME)
    other = case_naming(entity, "Someone Else Entirely")
    listed = {row["id"] for row in staff_api(named_colleague).get("/api/v1/cases").json()}
    assert str(other.id) in listed
    assert str(named.id) not in listed
    assert staff_api(named_colleague).get(f"/api/v1/cases/{named.id}").status_code == 404
    # Their colleagues still handle it.
    assert staff_api(focal_point).get(f"/api/v1/cases/{named.id}").status_code == 200


def test_the_named_focal_point_finds_the_case_on_no_page(entity: Any, named_colleague: Any) -> None:
    named = case_naming(entity, NAME)
    client = signed_in(named_colleague)
    assert named.report.reference not in client.get("/staff/").content.decode()
    assert client.get(f"/staff/cases/{named.id}/").status_code == 404


def test_the_named_focal_point_is_not_alerted_to_the_new_case(
    entity: Any, focal_point: Any, named_colleague: Any
) -> None:
    case = case_naming(entity, NAME)
    alert = OutboxMessage.objects.filter(topic="staff_alert", payload__kind="case_opened").first()
    assert alert is not None
    assert alert.payload["reference"] == case.report.reference
    assert focal_point.id in alert.payload["user_ids"]
    assert named_colleague.id not in alert.payload["user_ids"]


# --- 409 conflict_of_interest in the API --------------------------------------------------------


@pytest.mark.parametrize("mode", ["assign", "share"])
def test_assigning_or_sharing_with_a_named_colleague_is_refused(
    entity: Any, focal_point: Any, named_colleague: Any, staff_api: Any, mode: str
) -> None:
    case = case_naming(entity, NAME)
    response = _assign(staff_api(focal_point), case, named_colleague.username, mode)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "conflict_of_interest"
    assert body["reason"] == "named_in_report"
    assert "fp_named" in body["detail"]
    case.refresh_from_db()
    assert case.assigned_to_id is None
    assert not case.shared_with.exists()


def test_an_investigator_who_declared_a_conflict_cannot_be_put_on_the_case(
    entity: Any, focal_point: Any, investigator: Any, staff_api: Any, walk_case: Any
) -> None:
    case = walk_case(case_naming(entity, NAME), "formal_review")
    conflict_declare(actor=investigator, person_name="Okafor, Jean-Baptiste")
    response = _assign(staff_api(focal_point), case, investigator.username, "investigator")
    assert response.status_code == 409
    assert response.json()["reason"] == "declared"
    assert Case.objects.get(pk=case.pk).investigator_id is None


def test_referring_to_an_ombudsperson_named_in_the_report_is_refused(
    entity: Any, focal_point: Any, make_staff: Any, staff_api: Any, walk_case: Any
) -> None:
    ombudsperson = with_name(make_staff(Role.OMBUDSPERSON, username="ombuds_named"), NAME)
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    case = walk_case(case_naming(entity, NAME), "assessment")
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/referrals", {"service": {"service_id": service.pk}}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"] == "conflict_of_interest"
    assert not Referral.objects.filter(case=case).exists()


def test_a_declared_conflict_with_a_case_hides_it_and_refuses_it(
    entity: Any, focal_point: Any, second_focal_point: Any, staff_api: Any, open_case: Any
) -> None:
    case = open_case()
    response = staff_api(second_focal_point).post(
        "/api/v1/conflicts", {"case": str(case.id)}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["case_reference"] == case.report.reference
    assert staff_api(second_focal_point).get(f"/api/v1/cases/{case.id}").status_code == 404
    refused = _assign(staff_api(focal_point), case, second_focal_point.username, "assign")
    assert refused.status_code == 409
    assert refused.json()["reason"] == "declared"
    assert AuditEntry.objects.filter(
        stream=str(case.report_id), action=AuditAction.CASE_CONFLICT_DECLARED
    ).exists()
    listed = staff_api(second_focal_point).get("/api/v1/conflicts").json()
    assert [row["case_reference"] for row in listed] == [case.report.reference]


def test_a_handler_who_declared_a_conflict_is_not_told_of_the_reporter_s_next_message(
    open_case: Any, walk_case: Any, focal_point: Any, second_focal_point: Any
) -> None:
    # Review finding: the case stays theirs until reassigned, and each reporter's message still
    # emailed them about a case they had stepped away from.
    case = walk_case(open_case(), "acknowledged")  # the focal point took it on
    conflict_declare(actor=focal_point, case=case)

    sent = sign_in(receipt_of(case)).post(
        "/api/v1/reporter/messages", {"body": "Any news?"}, format="json"
    )

    assert sent.status_code == 201
    assert Case.objects.get(pk=case.pk).assigned_to_id == focal_point.id
    alerts = OutboxMessage.objects.filter(topic="staff_alert", payload__kind="reporter_message")
    assert [alert.payload["user_ids"] for alert in alerts] == [[second_focal_point.id]]


def test_declaring_a_case_and_the_person_it_names_at_once_steps_away_from_it_once(
    entity: Any, focal_point: Any, second_focal_point: Any, walk_case: Any
) -> None:
    # Review finding: the case was stepped away from twice, once as the case declared and once
    # as a case naming the person, and its handlers were told twice.
    case = walk_case(case_naming(entity, NAME), "acknowledged")  # the focal point took it on
    other = walk_case(case_naming(entity, NAME), "acknowledged")

    conflict_declare(actor=focal_point, case=case, person_name=NAME)

    alerts = OutboxMessage.objects.filter(topic="staff_alert", payload__kind="conflict_declared")
    assert sorted(alert.payload["reference"] for alert in alerts) == sorted(
        [case.report.reference, other.report.reference]
    )
    assert all(alert.payload["user_ids"] == [second_focal_point.id] for alert in alerts)
    assert (
        AuditEntry.objects.filter(
            stream=str(case.report_id), action=AuditAction.CASE_CONFLICT_DECLARED
        ).count()
        == 1
    )


def test_a_declaration_naming_nobody_is_refused_and_keeps_nothing(
    focal_point: Any, staff_api: Any
) -> None:
    response = staff_api(focal_point).post(
        "/api/v1/conflicts", {"person_name": " , "}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not ConflictDeclaration.objects.exists()


def test_a_person_declared_is_kept_only_as_its_index(focal_point: Any, staff_api: Any) -> None:
    response = staff_api(focal_point).post(
        "/api/v1/conflicts", {"person_name": "Amina Diallo"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["person"] is True
    declaration = ConflictDeclaration.objects.get()
    assert declaration.person_index == person_name_index("diallo amina")
    assert "diallo" not in repr(AuditEntry.objects.values_list("detail", flat=True)).lower()


# --- The case page says why -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["assign", "share"])
def test_the_case_page_says_why_a_named_colleague_cannot_take_the_case(
    entity: Any, focal_point: Any, named_colleague: Any, mode: str
) -> None:
    case = case_naming(entity, NAME)
    response = signed_in(focal_point).post(
        f"/staff/cases/{case.id}/assignment",
        {"username": named_colleague.username, "mode": mode},
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "fp_named cannot take part in this case: the report names them." in page
    assert Case.objects.get(pk=case.pk).assigned_to_id is None


def test_the_case_page_says_why_an_investigator_in_conflict_is_refused(
    entity: Any, focal_point: Any, investigator: Any, walk_case: Any
) -> None:
    case = walk_case(case_naming(entity, NAME), "formal_review")
    conflict_declare(actor=investigator, case=None, person_name=NAME)
    response = signed_in(focal_point).post(
        f"/staff/cases/{case.id}/assignment",
        {"username": investigator.username, "mode": "investigator"},
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "inv cannot take part in this case: they declared a conflict of interest" in page


def test_the_case_page_says_why_a_referral_to_a_person_in_conflict_is_refused(
    entity: Any, focal_point: Any, make_staff: Any, walk_case: Any
) -> None:
    ombudsperson = with_name(make_staff(Role.OMBUDSPERSON, username="ombuds_named"), NAME)
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    case = walk_case(case_naming(entity, NAME), "assessment")
    response = signed_in(focal_point).post(
        f"/staff/cases/{case.id}/referral", {"service_id": service.pk}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "ombuds_named cannot take part in this case: the report names them." in page
    assert not Referral.objects.filter(case=case).exists()


def test_a_reassignment_approved_after_a_conflict_arose_is_refused(
    entity: Any,
    focal_point: Any,
    second_focal_point: Any,
    make_staff: Any,
    staff_api: Any,
    walk_case: Any,
) -> None:
    third = make_staff(Role.FOCAL_POINT, username="fp_three")
    case = walk_case(
        case_withheld_naming(entity, "Nobody Named"),
        "acknowledged",
    )
    pending = _assign(staff_api(second_focal_point), case, third.username, "assign")
    assert pending.status_code == 202
    conflict_declare(actor=third, case=Case.objects.get(pk=case.pk))
    # A second person (neither the asker nor the new holder) approves: too late.
    response = staff_api(focal_point).post(f"/api/v1/reassignments/{pending.json()['id']}/approve")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict_of_interest"
    assert Case.objects.get(pk=case.pk).assigned_to_id == focal_point.id


# --- The conflict rows of the role matrix -----------------------------------------------------


@pytest.mark.parametrize("role", ["focal_point", "ombudsperson", "investigator"])
def test_role_matrix_conflict_rows_a_member_in_conflict_reaches_nothing_of_the_case(
    role: str,
    case_in_state: Any,
    focal_point: Any,
    second_focal_point: Any,
    ombudsperson: Any,
    investigator: Any,
    entity: Any,
    staff_api: Any,
) -> None:
    # Given a formal case each role reaches: the focal point handles it, the ombudsperson has
    # it referred, the investigator is assigned to it
    case = case_in_state("investigation", consents=WORKFLOW_CONSENTS)
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    Referral.objects.create(
        case=case, service=service, kind="ombudsperson", referred_by=focal_point
    )
    member = {
        "focal_point": focal_point,
        "ombudsperson": ombudsperson,
        "investigator": investigator,
    }[role]
    if role == "investigator":
        _assign(staff_api(second_focal_point), case, investigator.username, "investigator")
    client = staff_api(member)
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 200
    # When they declare a conflict with it
    assert (
        client.post("/api/v1/conflicts", {"case": str(case.id)}, format="json").status_code == 201
    )
    # Then they reach nothing of it any more
    answers = {
        "list": str(case.id) in {row["id"] for row in client.get("/api/v1/cases").json()},
        "read": client.get(f"/api/v1/cases/{case.id}").status_code,
        "message": client.post(
            f"/api/v1/cases/{case.id}/messages", {"body": "Hello"}, format="json"
        ).status_code,
        "step": client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold").status_code,
    }
    assert answers == {"list": False, "read": 404, "message": 404, "step": 404}

"""Fixtures shared by the whole suite: entities, staff of each role (with API tokens through
``staff_api``), reports submitted with given consents, cases walked to a state through the real
transitions, approved overrides, fresh keys and a clean cache."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from rest_framework.test import APIClient

from accounts.models import Entity, Role, User
from accounts.services import staff_user_provision
from cases.models import Case, Override
from cases.services.overrides import override_approve, override_request
from cases.services.transitions import case_transition
from cases.transitions import TRANSITIONS
from cases.vocabulary import CaseState
from portal.services import ReportSubmission, report_submit
from reports.models import Report
from tests.helpers.reporter import RECEIPTS
from tests.helpers.staff import PASSWORD, api_for


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_triggers() -> Iterator[None]:
    """The database refuses to TRUNCATE the audit tables (issue 10), yet ``transactional_db``
    and live-server tests end with Django's flush, which truncates every table. The flush runs
    in one transaction; it starts it with ``SET LOCAL session_replication_role = replica``,
    under which ordinary triggers do not fire. Only a superuser (which the test suite connects
    as, and the application's role must not be) may set it, so the escape stays in the tests."""
    original = PostgresOperations.sql_flush

    def sql_flush(self: PostgresOperations, *args: Any, **kwargs: Any) -> list[str]:
        statements = original(self, *args, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # The cache is real Redis (a database of its own for tests); rate-limit counters must not
    # leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_key() -> Callable[[], str]:
    """Makes a fresh key as the environment carries it: base64 of 32 random bytes."""

    def make() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    return make


# --- Entities and staff -----------------------------------------------------------------------


@pytest.fixture
def entity(db: Any) -> Entity:
    return Entity.objects.create(code="UNW", name="UN Women")


@pytest.fixture
def other_entity(db: Any) -> Entity:
    return Entity.objects.create(code="UNDP", name="United Nations Development Programme")


@pytest.fixture
def make_staff(db: Any, entity: Entity) -> Callable[..., User]:
    """Makes an enrolled staff member (password ``PASSWORD``, TOTP secret kept on the user for
    ``current_otp``), of ``entity`` unless told otherwise."""

    def make(
        role: str = Role.FOCAL_POINT,
        *,
        username: str | None = None,
        entity_obj: Entity | None = entity,
        password: str = PASSWORD,
    ) -> User:
        name = username or f"{role}_{entity_obj.code if entity_obj else 'all'}"
        user, totp_secret = staff_user_provision(
            username=name,
            role=role,
            entity=None if role == Role.ADMIN and entity_obj is None else entity_obj,
            password=password,
        )
        user.totp_secret = totp_secret  # type: ignore[attr-defined]
        return user

    return make


@pytest.fixture
def focal_point(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.FOCAL_POINT, username="fp_one")


@pytest.fixture
def second_focal_point(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.FOCAL_POINT, username="fp_two")


@pytest.fixture
def focal_point_elsewhere(make_staff: Callable[..., User], other_entity: Entity) -> User:
    """A focal point of another entity: sees none of ``entity``'s cases."""
    return make_staff(Role.FOCAL_POINT, username="fp_else", entity_obj=other_entity)


@pytest.fixture
def ombudsperson(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.OMBUDSPERSON, username="ombuds")


@pytest.fixture
def investigator(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.INVESTIGATOR, username="inv")


@pytest.fixture
def leadership(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.LEADERSHIP, username="leader")


@pytest.fixture
def admin(make_staff: Callable[..., User]) -> User:
    """An administrator: of no entity, manages staff accounts and never reaches a case."""
    return make_staff(Role.ADMIN, username="sysadmin", entity_obj=None)


@pytest.fixture
def staff_api() -> Callable[[User], APIClient]:
    """The API client of a staff member, signed in with password and TOTP for a bearer token."""
    # One signed-in client per user and test: a TOTP code is accepted only once (replay guard).
    clients: dict[int, APIClient] = {}

    def client_for(user: User) -> APIClient:
        if user.pk not in clients:
            clients[user.pk] = api_for(user)
        return clients[user.pk]

    return client_for


# --- Reports and cases ------------------------------------------------------------------------


@pytest.fixture
def submit_report(entity: Entity) -> Callable[..., Report]:
    """Files a report through the reporter's service with the given consents (case review only
    by default); its receipt is ``report.receipt`` and ``receipt_of(report or case)``."""

    def submit(
        *,
        route: str = "informal",
        channel: str = "ombudsperson",
        consents: dict[str, bool] | None = None,
        narrative: str = "He followed me to my car after the team dinner.",
        entity_obj: Entity | None = None,
        identity: dict[str, str] | None = None,
        reporter_role: str = "affected_person",
        affected_person_identifiable: str = "not_asked",
    ) -> Report:
        submission = ReportSubmission(
            entity=entity_obj or entity,
            category="physical",
            route=route,
            informal_channel=channel if route == "informal" else "",
            narrative=narrative,
            reporter_role=reporter_role,
            identity_disclosure="confidential" if identity else "anonymous",
            identity=identity,
            consents={"case_review": True} if consents is None else consents,
            affected_person_identifiable=affected_person_identifiable,
        )
        submitted = report_submit(submission=submission)
        report = submitted.report
        report.receipt = submitted.receipt  # type: ignore[attr-defined]
        RECEIPTS[report.id] = submitted.receipt
        return report

    return submit


@pytest.fixture
def open_case(submit_report: Callable[..., Report]) -> Callable[..., Case]:
    """Files a report with case review (``submit_report``'s arguments) and returns its case,
    received."""

    def make(**report: Any) -> Case:
        submitted = submit_report(**report)
        return Case.objects.select_related("report").get(report=submitted)

    return make


# The shortest walk from "received" to each state, through the contract's transitions.
WALKS: dict[str, tuple[str, ...]] = {
    CaseState.RECEIVED: (),
    CaseState.ACKNOWLEDGED: ("acknowledge",),
    CaseState.ASSESSMENT: ("acknowledge", "begin_assessment"),
    CaseState.INFORMAL_RESOLUTION: ("acknowledge", "begin_assessment", "start_informal"),
    CaseState.FORMAL_REVIEW: ("acknowledge", "begin_assessment", "escalate_to_formal"),
    CaseState.INVESTIGATION: (
        "acknowledge",
        "begin_assessment",
        "escalate_to_formal",
        "open_investigation",
    ),
    CaseState.FINDINGS: (
        "acknowledge",
        "begin_assessment",
        "escalate_to_formal",
        "open_investigation",
        "record_findings",
    ),
    CaseState.DISCIPLINARY: (
        "acknowledge",
        "begin_assessment",
        "escalate_to_formal",
        "open_investigation",
        "record_findings",
        "start_disciplinary",
    ),
    CaseState.ON_HOLD: ("put_on_hold",),
    CaseState.CLOSED: ("acknowledge", "begin_assessment", "close"),
}


@pytest.fixture
def walk_case(focal_point: User) -> Callable[..., Case]:
    """Moves a case on to ``state`` by running the rest of that state's walk (``WALKS``) through
    ``cases.services.transitions``, as ``by`` (the ``focal_point`` unless told otherwise): every
    consent gate, audit entry and timeline entry on the way is the real one. Findings are
    ``outcome``; a closed case was closed for ``closure_reason``."""

    def walk(
        case: Case,
        state: str,
        *,
        by: User | None = None,
        outcome: str = "substantiated",
        closure_reason: str = "resolved_informally",
    ) -> Case:
        steps = WALKS[state]
        reached = [CaseState.RECEIVED, *(TRANSITIONS[step].target for step in steps)]
        current = Case.objects.get(pk=case.pk).state
        assert current in reached, f"{current} is not on the way to {state}"
        for step in steps[reached.index(current) :]:
            case_transition(
                case_id=case.pk,
                name=step,
                actor=by or focal_point,
                arguments={"outcome": outcome, "closure_reason": closure_reason},
            )
        return Case.objects.select_related("report").get(pk=case.pk)

    return walk


@pytest.fixture
def case_in_state(
    open_case: Callable[..., Case], walk_case: Callable[..., Case]
) -> Callable[..., Case]:
    """Files a report (``submit_report``'s arguments: its consents must open every gate on the
    walk) and walks its case to ``state`` (``walk_case``'s arguments)."""

    def make(
        state: str,
        *,
        by: User | None = None,
        outcome: str = "substantiated",
        closure_reason: str = "resolved_informally",
        **report: Any,
    ) -> Case:
        return walk_case(
            open_case(**report), state, by=by, outcome=outcome, closure_reason=closure_reason
        )

    return make


OVERRIDE_JUSTIFICATION = "Witnesses report an ongoing risk to others."


@pytest.fixture
def approved_override(focal_point: User, second_focal_point: User) -> Callable[..., Override]:
    """An override of ``transition`` on ``case``, requested by the ``focal_point`` and approved
    by the ``second_focal_point`` (four eyes) through ``cases.services.overrides``."""

    def approve(
        case: Case,
        transition: str,
        *,
        justification: str = OVERRIDE_JUSTIFICATION,
        requested_by: User | None = None,
        approved_by: User | None = None,
        ground: str = "duty_of_care",
        notice_deferral_reason: str = "",
    ) -> Override:
        fresh = Case.objects.select_related("report", "report__data_key").get(pk=case.pk)
        requested = override_request(
            case=fresh,
            actor=requested_by or focal_point,
            transition_name=transition,
            justification=justification,
            ground=ground,
        )
        return override_approve(
            override_id=requested.pk,
            actor=approved_by or second_focal_point,
            notice_deferral_reason=notice_deferral_reason,
        )

    return approve

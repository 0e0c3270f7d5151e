"""``manage.py seed_demo``: demo entities, one working staff login per role (two focal points)
and demonstration cases."""

from __future__ import annotations

import base64
import datetime
import io
import json
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django import Settings

from accounts.models import Entity, Role, User
from accounts.services import staff_reading_key_unlock
from audit.days import day_start
from audit.models import AuditAction, AuditEntry
from cases.errors import CaseConsentRequiredError, CaseForbiddenError
from cases.models import Case
from cases.services.assignment import case_assign, reassignment_approve
from cases.services.overrides import override_approve, override_request
from cases.services.reading import case_data_key
from cases.services.transitions import case_transition
from cases.vocabulary import CaseState
from core.quarters import current_quarter, quarter_of
from demo import statistics
from demo.cases import DEMO_LABEL, TO_INVESTIGATION, demo_cases
from demo.management.commands import seed_demo
from reports.limits import ACKNOWLEDGEMENT_DAYS
from reports.models import Report
from reports.vocabulary import InformalChannel, Route, TimelineEvent
from stats.models import TransparencyApproval
from stats.selectors import published_table, released_quarters
from vault import envelope

pytestmark = pytest.mark.django_db

FIELDS = {"username", "password", "role", "entity", "totp_secret"}


def seed(*args: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    users: list[dict[str, Any]] = json.loads(out.getvalue())["users"]
    return users


def current_code(device: TOTPDevice, base32_secret: str) -> str:
    """What an authenticator app given ``base32_secret`` shows now."""
    code = totp(
        base64.b32decode(base32_secret), step=device.step, t0=device.t0, digits=device.digits
    )
    return f"{code:0{device.digits}d}"


@pytest.fixture
def debug_on(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DEBUG = True
    # The accounts are what these tests look at; the demo reports and cases are tested on their
    # own below (filing and releasing them takes a while).
    monkeypatch.setattr(seed_demo, "demo_statistics_create", lambda: False)
    monkeypatch.setattr(seed_demo, "demo_cases_create", lambda **kwargs: False)


def test_it_leaves_released_quarters_and_an_approved_year_to_look_at(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = True
    monkeypatch.setattr(statistics, "REPORTS_PER_QUARTER", {"UNW": 8, "UNDP": 5, "OCHA": 2})
    seed()

    quarters = released_quarters()
    assert len(quarters) == statistics.QUARTERS_BACK
    assert quarters[-1] < current_quarter()
    year = int(quarters[0][:4])
    assert TransparencyApproval.objects.filter(year=year).exists()
    # The demonstration cases dated into past quarters were filed before the release: counted.
    demonstrations = sum(1 for demo in demo_cases() if 0 < demo.quarters_ago <= len(quarters))
    expected = 15 * statistics.QUARTERS_BACK + demonstrations
    assert published_table("reports", [], quarters).total == expected
    assert Entity.objects.get(code="UNW").publishes_transparency_report
    # Run again: the reports are there already, nothing is filed twice.
    seed()
    assert published_table("reports", [], quarters).total == expected


def test_it_prints_one_user_per_role_as_json(debug_on: None) -> None:
    users = seed()

    assert {user["role"] for user in users} == set(Role.values)
    assert len(users) == len(seed_demo.DEMO_USERS)
    assert all(set(user) == FIELDS for user in users)
    for user in users:
        stored = User.objects.get(username=user["username"])
        assert stored.role == user["role"]
        assert (stored.entity.code if stored.entity else None) == user["entity"]
        assert stored.is_active


def test_every_role_except_admin_belongs_to_an_entity(debug_on: None) -> None:
    users = {user["role"]: user for user in seed()}

    for role in (Role.FOCAL_POINT, Role.OMBUDSPERSON, Role.INVESTIGATOR, Role.LEADERSHIP):
        assert users[role]["entity"], role
        assert Entity.objects.filter(code=users[role]["entity"]).exists()


def test_the_printed_passwords_log_in(debug_on: None) -> None:
    for user in seed():
        authenticated = authenticate(username=user["username"], password=user["password"])
        assert authenticated is not None, user["username"]
        assert authenticated.get_username() == user["username"]


def test_the_printed_totp_secrets_produce_accepted_codes(debug_on: None) -> None:
    for user in seed():
        device = TOTPDevice.objects.get(user__username=user["username"])
        assert device.confirmed
        assert base64.b32decode(user["totp_secret"]) == device.bin_key
        assert device.verify_token(current_code(device, user["totp_secret"])), user["username"]


def test_passwords_are_stored_hashed(debug_on: None) -> None:
    for user in seed():
        stored = User.objects.get(username=user["username"])
        assert user["password"] not in stored.password


def test_running_it_again_resets_the_authenticators_without_duplicates(debug_on: None) -> None:
    first = {user["username"]: user for user in seed()}
    second = seed()

    assert User.objects.count() == len(seed_demo.DEMO_USERS)
    assert Entity.objects.filter(code="UNW").count() == 1
    for user in second:
        assert user["totp_secret"] != first[user["username"]]["totp_secret"]
        assert authenticate(username=user["username"], password=user["password"]) is not None
        assert TOTPDevice.objects.filter(user__username=user["username"]).count() == 1


def test_running_it_again_keeps_the_demonstration_cases_readable_issue_14(
    demo_seeded: list[dict[str, Any]],
) -> None:
    # On the demo's development keys each user keeps their password, so their reading key and
    # every report key wrapped to it
    again = seed()

    assert {u["username"]: u["password"] for u in again} == {
        u["username"]: u["password"] for u in demo_seeded
    }
    reader = _signed_in("demo_focal_point", again)
    for case in demonstration_cases():
        narrative = envelope.open_text(case.report, "narrative", case_data_key(case, reader)) or ""
        assert narrative.startswith("[Demo]"), case.report.reference


def test_with_real_keys_each_run_gives_new_random_passwords(
    debug_on: None, settings: Settings
) -> None:
    settings.SECRET_KEY = "a-real-secret-key-for-this-test-" + "x" * 32
    first = {user["username"]: user["password"] for user in seed()}
    second = {user["username"]: user["password"] for user in seed()}

    assert all(second[name] != password for name, password in first.items())


def test_it_refuses_to_run_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not User.objects.exists()
    assert not Entity.objects.exists()


def test_force_runs_it_with_debug_off(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DEBUG = False
    monkeypatch.setattr(seed_demo, "demo_statistics_create", lambda: False)
    monkeypatch.setattr(seed_demo, "demo_cases_create", lambda **kwargs: False)

    users = seed("--force")

    assert {user["role"] for user in users} == set(Role.values)
    assert all(authenticate(username=user["username"], password=user["password"]) for user in users)


# --- issue 11: two focal points and demonstration cases --------------------------------------


@pytest.fixture
def demo_seeded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The demo's accounts and demonstration cases (the statistics' reports left out)."""
    settings.DEBUG = True
    monkeypatch.setattr(seed_demo, "demo_statistics_create", lambda: False)
    return seed()


def demonstration_cases() -> list[Case]:
    cases = Case.objects.select_related("report").order_by("report__submitted_on")
    return [case for case in cases if DEMO_LABEL in case.labels]


def test_the_first_entity_has_two_focal_points_for_the_four_eyes_steps_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    first_entity = seed_demo.DEMO_ENTITIES[0][0]

    focal_points = [user for user in demo_seeded if user["role"] == Role.FOCAL_POINT]

    assert len(focal_points) == 2
    assert {user["entity"] for user in focal_points} == {first_entity}
    assert User.objects.filter(role=Role.FOCAL_POINT, entity__code=first_entity).count() == 2
    for user in focal_points:
        assert authenticate(username=user["username"], password=user["password"]) is not None


def test_the_second_focal_point_is_the_senior_focal_point_issue_12(
    demo_seeded: list[dict[str, Any]],
) -> None:
    seniors = User.objects.filter(senior_focal_point=True)

    assert [user.username for user in seniors] == ["demo_focal_point_2"]


def test_demonstration_cases_span_the_states_routes_and_quarters_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    cases = demonstration_cases()

    assert {case.state for case in cases} >= {
        CaseState.RECEIVED,
        CaseState.ACKNOWLEDGED,
        CaseState.ASSESSMENT,
        CaseState.INFORMAL_RESOLUTION,
        CaseState.INVESTIGATION,
        CaseState.CLOSED,
    }
    assert {case.report.route for case in cases} >= {
        Route.FORMAL,
        Route.INFORMAL,
        Route.SUPPORT_ONLY,
    }
    assert all(
        case.report.informal_channel == InformalChannel.OMBUDSPERSON
        for case in cases
        if case.report.route == Route.INFORMAL
    )
    # A record only opens no case: it is there, sealed, and nobody can read it.
    record_only = Report.objects.get(route=Route.RECORD_ONLY)
    assert not Case.objects.filter(report=record_only).exists()
    days = [case.report.submitted_on for case in cases] + [record_only.submitted_on]
    assert len({quarter_of(day) for day in days}) >= 2
    assert all(day <= timezone.localdate() for day in days)
    # The investigation and the findings are the demo investigator's.
    assert all(
        case.investigator and case.investigator.username == "demo_investigator"
        for case in cases
        if case.state in (CaseState.INVESTIGATION, CaseState.CLOSED)
    )


def _signed_in(username: str, credentials: list[dict[str, Any]]) -> User:
    """A demo user with their reading key unlocked by their password, as signing in does."""
    user = User.objects.get(username=username)
    password = next(c["password"] for c in credentials if c["username"] == username)
    assert staff_reading_key_unlock(user, password) is not None
    return user


def test_every_demonstration_case_is_labelled_and_says_demo_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    cases = demonstration_cases()

    # Every report filed (the statistics' are left out here) is a demonstration, and every
    # case of one carries the label staff see in the list and on the case page.
    assert (
        len(cases)
        == Case.objects.count()
        == Report.objects.exclude(route=Route.RECORD_ONLY).count()
    )
    assert Report.objects.count() == len(demo_cases())
    reader = _signed_in("demo_focal_point", demo_seeded)
    for case in cases:
        narrative = envelope.open_text(case.report, "narrative", case_data_key(case, reader)) or ""
        assert narrative.startswith("[Demo]"), case.report.reference


def test_demonstration_reports_carry_the_day_they_arrived_and_no_time_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    now = timezone.now()
    cases = demonstration_cases()
    assert cases
    for case in cases:
        day = case.report.submitted_on
        assert case.opened_at == day_start(day)
        assert case.acknowledgement_due == day + datetime.timedelta(days=ACKNOWLEDGEMENT_DAYS)
        assert {consent.recorded_at for consent in case.report.consents.all()} == {day_start(day)}
        assert case.report.timeline.get(event=TimelineEvent.SUBMITTED).at == day_start(day)
        # The work on the case moved back with it: nothing before it arrived, nothing ahead.
        for moment in (case.acknowledged_at, case.formal_started_at, case.closed_at):
            assert moment is None or day_start(day) <= moment <= now
    # The case closed in an earlier quarter is closed in that quarter's statistics too.
    closed = next(case for case in cases if case.state == CaseState.CLOSED)
    assert closed.closed_at is not None
    assert quarter_of(closed.closed_at.date()) < current_quarter()


def test_the_audit_trail_verifies_after_seeding_issue_11(demo_seeded: list[dict[str, Any]]) -> None:
    out = io.StringIO()

    call_command("verify_audit_chain", stdout=out)

    assert "Audit chain intact" in out.getvalue()
    # The closed case's moves are in its trail, as the services wrote them.
    closed = next(case for case in demonstration_cases() if case.state == CaseState.CLOSED)
    moves = AuditEntry.objects.filter(
        stream=str(closed.report_id), action=AuditAction.CASE_TRANSITION
    ).order_by("position")
    assert [entry.detail["transition"] for entry in moves] == [
        *TO_INVESTIGATION,
        "record_findings",
        "close",
    ]


def test_seeding_again_files_no_second_set_of_demonstration_cases_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    before = {case.pk: case.state for case in demonstration_cases()}

    seed()

    assert {case.pk: case.state for case in demonstration_cases()} == before
    assert Report.objects.count() == len(demo_cases())


def test_one_focal_point_requests_an_override_and_the_other_approves_it_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    # Given the demo's support-only case in assessment, without consent to a formal process
    first = _signed_in("demo_focal_point", demo_seeded)
    second = _signed_in("demo_focal_point_2", demo_seeded)
    case = next(case for case in demonstration_cases() if case.state == CaseState.ASSESSMENT)
    with pytest.raises(CaseConsentRequiredError):
        case_transition(case_id=case.pk, name="escalate_to_formal", actor=first)

    # When one focal point asks for an override and the other approves it
    override = override_request(
        case=case,
        actor=first,
        transition_name="escalate_to_formal",
        justification="A second complaint names the same person; the risk to others is high.",
    )
    with pytest.raises(CaseForbiddenError):
        override_approve(override_id=override.id, actor=first)
    override_approve(override_id=override.id, actor=second)

    # Then the step goes ahead, once
    moved = case_transition(case_id=case.pk, name="escalate_to_formal", actor=first)
    assert moved.state == CaseState.FORMAL_REVIEW


def test_the_second_focal_point_takes_over_a_confidential_case_once_the_first_approves_issue_11(
    demo_seeded: list[dict[str, Any]],
) -> None:
    # Given the demo's confidential case, held by the first focal point, the name withheld
    first = _signed_in("demo_focal_point", demo_seeded)
    second = _signed_in("demo_focal_point_2", demo_seeded)
    case = next(case for case in demonstration_cases() if case.state == CaseState.ACKNOWLEDGED)
    assert case.report.identity_disclosure == "confidential"
    assert case.assigned_to == first

    # When the second asks to take it over, and the first approves
    request = case_assign(case=case, actor=second, assignee=second)
    assert request is not None
    assert Case.objects.get(pk=case.pk).assigned_to == first
    reassignment_approve(reassignment_id=request.id, actor=first)

    # Then the case is the second focal point's
    assert Case.objects.get(pk=case.pk).assigned_to == second

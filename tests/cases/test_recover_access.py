"""The recovery ceremony (issue 14, item 5): ``manage.py recover_access`` with an entity's
recovery key, whole or as its two shares, typed on standard input, gives a named colleague back
the reading rights the rules give them, and audits it. A wrong key, a single share, or a
colleague who cannot hold a key is a clear error that changes nothing."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Entity, Role, User
from accounts.services import (
    staff_enrol,
    staff_sign_in_reset,
    staff_user_create,
    staff_user_deactivate,
)
from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from cases.errors import NoReadingKeyError
from cases.models import Case
from cases.readers import case_key
from vault import readers
from vault.models import KeyWrap, RecipientKey

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new pass phrase 2026"
NARRATIVE = "He followed me to my car after the team dinner."


@pytest.fixture
def recovery(entity: Entity) -> readers.EntityRecoveryKey:
    """``entity``'s recovery key, made before any report, as entity creation makes it."""
    return readers.entity_recovery_key_create(entity_id=entity.pk)


def _wraps() -> list[tuple[str, str, bytes]]:
    """Every wrap, in bytes, to compare before and after."""
    return sorted(
        (str(wrap.data_key_id), str(wrap.recipient_id), bytes(wrap.wrapped_key))
        for wrap in KeyWrap.objects.all()
    )


def _reset_without_recovery_key(admin: User, member: User, capture: Any) -> readers.UnlockedKey:
    """An administrator resets ``member``, who enrols again without their recovery key: a new
    key pair, which holds nothing. Returns it, unlocked as their next sign-in would."""
    User.objects.filter(pk=member.pk).update(email="member@example.org")
    with capture(execute=True):
        staff_sign_in_reset(actor=admin, user=User.objects.get(pk=member.pk))
    found = re.search(r"token=([\w-]+)", str(mail.outbox[-1].body))
    assert found
    staff_enrol(token=found.group(1), password=NEW_PASSWORD)
    return readers.staff_key_unlock(RecipientKey.objects.get(user=member), NEW_PASSWORD)


def _recover(*lines: str, user: str = "fp_one", entity: str = "UNW", shares: bool = False) -> str:
    out = io.StringIO()
    arguments = ["recover_access", "--entity", entity, "--user", user]
    if shares:
        arguments.append("--shares")
    call_command(
        *arguments,
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def _reads(member: User, unlocked: readers.UnlockedKey, case: Case) -> bool:
    """Whether ``member``, signed in with ``unlocked``, opens the case's report key."""
    fresh = User.objects.get(pk=member.pk)
    readers.attach(fresh, unlocked)
    try:
        case_key(Case.objects.select_related("report__data_key").get(pk=case.pk), fresh)
    except NoReadingKeyError:
        return False
    return True


def test_the_ceremony_gives_a_reset_focal_point_their_cases_back(
    recovery: readers.EntityRecoveryKey,
    admin: User,
    focal_point: User,
    open_case: Callable[..., Case],
    django_capture_on_commit_callbacks: Any,
) -> None:
    cases = [open_case(), open_case()]
    # Each report is wrapped to the entity's recovery key
    for case in cases:
        assert KeyWrap.objects.filter(
            data_key=case.report.data_key, recipient=recovery.key
        ).exists()
    unlocked = _reset_without_recovery_key(admin, focal_point, django_capture_on_commit_callbacks)
    assert not any(_reads(focal_point, unlocked, case) for case in cases)
    said = _recover(recovery.private_key)
    assert "2 case(s)" in said
    assert all(_reads(focal_point, unlocked, case) for case in cases)
    ceremony = AuditEntry.objects.get(stream=SYSTEM_STREAM, action="recovery.ceremony")
    assert ceremony.detail == {
        "username": "fp_one",
        "entity": "UNW",
        "cases": 2,
        "from_shares": False,
    }
    for case in cases:
        granted = AuditEntry.objects.filter(
            stream=str(case.report_id), action="reading_key.granted", detail__by="recovery"
        ).get()
        assert granted.detail["readers"] == ["fp_one"]
    # Nothing of the key is kept, not even in the audit
    assert recovery.private_key not in str(
        list(AuditEntry.objects.values_list("detail", flat=True))
    )
    # Run again, it has nothing left to give
    assert "0 case(s)" in _recover(recovery.private_key)


def test_the_two_shares_together_open_the_ceremony(
    recovery: readers.EntityRecoveryKey,
    admin: User,
    focal_point: User,
    open_case: Callable[..., Case],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    unlocked = _reset_without_recovery_key(admin, focal_point, django_capture_on_commit_callbacks)
    said = _recover(*recovery.shares, shares=True)
    assert "1 case(s)" in said
    assert _reads(focal_point, unlocked, case)
    assert AuditEntry.objects.get(action="recovery.ceremony").detail["from_shares"] is True


@pytest.mark.parametrize(
    "how",
    ["another key", "one share as the whole key", "one share twice", "not a key", "nothing"],
)
def test_a_wrong_recovery_key_changes_nothing(
    how: str,
    recovery: readers.EntityRecoveryKey,
    admin: User,
    focal_point: User,
    open_case: Callable[..., Case],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    unlocked = _reset_without_recovery_key(admin, focal_point, django_capture_on_commit_callbacks)
    other = Entity.objects.create(code="OTHER", name="Other")
    lines, shares = {
        "another key": (
            [readers.entity_recovery_key_create(entity_id=other.pk).private_key],
            False,
        ),
        "one share as the whole key": ([recovery.shares[0]], False),
        "one share twice": ([recovery.shares[0], recovery.shares[0]], True),
        "not a key": (["correct horse battery staple"], False),
        "nothing": ([""], False),
    }[how]
    before = _wraps()
    with pytest.raises(CommandError, match="nothing was changed"):
        _recover(*lines, shares=shares)
    assert _wraps() == before
    assert not _reads(focal_point, unlocked, case)
    assert not AuditEntry.objects.filter(action="recovery.ceremony").exists()


def test_the_key_is_never_taken_from_the_command_line(
    recovery: readers.EntityRecoveryKey, focal_point: User
) -> None:
    with pytest.raises(CommandError):
        call_command("recover_access", "--entity", "UNW", "--user", "fp_one", recovery.private_key)


def test_the_named_user_must_exist_be_active_and_hold_a_reading_key(
    recovery: readers.EntityRecoveryKey,
    admin: User,
    entity: Entity,
    make_staff: Callable[..., User],
    open_case: Callable[..., Case],
    django_capture_on_commit_callbacks: Any,
) -> None:
    open_case()
    left = make_staff(Role.FOCAL_POINT, username="fp_left")
    staff_user_deactivate(actor=admin, user=left)
    with django_capture_on_commit_callbacks(execute=True):
        staff_user_create(
            actor=admin,
            username="fp_invited",
            role=Role.FOCAL_POINT,
            entity=entity,
            email="invited@example.org",
        )
    before = _wraps()
    for username, words in (
        ("nobody", "No user named"),
        ("fp_left", "deactivated"),
        ("fp_invited", "no reading key"),
    ):
        with pytest.raises(CommandError, match=words):
            _recover(recovery.private_key, user=username)
    with pytest.raises(CommandError, match="No entity"):
        _recover(recovery.private_key, entity="NOPE")
    assert _wraps() == before
    assert not AuditEntry.objects.filter(action="recovery.ceremony").exists()


def test_an_entity_without_a_recovery_key_is_a_clear_error(
    focal_point: User, other_entity: Entity
) -> None:
    with pytest.raises(CommandError, match="has no recovery key"):
        _recover("AAAA", entity=other_entity.code)


def test_the_ceremony_gives_only_what_the_rules_let_the_user_read(
    recovery: readers.EntityRecoveryKey,
    focal_point: User,
    leadership: User,
    open_case: Callable[..., Case],
) -> None:
    open_case()
    before = _wraps()
    # Leadership reaches no case: the recovery key gives them nothing
    assert "0 case(s)" in _recover(recovery.private_key, user=leadership.username)
    assert _wraps() == before
    assert not KeyWrap.objects.filter(recipient__user=leadership).exists()
    assert AuditEntry.objects.get(action="recovery.ceremony").detail["cases"] == 0

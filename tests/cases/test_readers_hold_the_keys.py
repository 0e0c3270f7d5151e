"""Issue 14, item 4: the visibility rules and the wraps agree.

For every staff member of every role and every case of a world built through the real services
(referrals, an investigator, an advocate shared with and one not, a conflict, a withdrawn
consent, a witness's report gated then opened by an override, a report sealed again, a
colleague who joins late, one who leaves), who may read a report by the selectors is exactly
who holds a wrap of its key; and every shared report is wrapped to its entity's recovery key.
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Entity, Role, User
from accounts.services import staff_user_deactivate
from cases.models import Case
from cases.readers import reads_content
from cases.selectors import cases_visible_to
from cases.services.assignment import case_investigator_assign
from cases.services.conflicts import conflict_declare
from cases.services.referring import case_refer
from referrals.models import ServiceEntry
from tests.helpers.reporter import WORKFLOW_CONSENTS, consent_change, receipt_of, sign_in
from tests.helpers.staff import api_for
from vault import envelope
from vault.models import KeyWrap, RecipientKey
from vault.readers import entity_recovery_key_create

pytestmark = pytest.mark.django_db


def _may_read(user: User, case: Case) -> bool:
    """The selectors' answer: the case is visible to them, its content is theirs to read, and
    the reporter shares the report at all."""
    case = Case.objects.select_related("report", "report__data_key").get(pk=case.pk)
    return (
        cases_visible_to(user).filter(pk=case.pk).exists()
        and reads_content(user, case)
        and not envelope.is_sealed(case.report.data_key)
    )


def _holds_a_wrap(user: User, case: Case) -> bool:
    return KeyWrap.objects.filter(
        data_key__report__case=case, kind=KeyWrap.Kind.RECIPIENT, recipient__user=user
    ).exists()


def _differences(staff: list[User], cases: list[Case]) -> list[tuple[str, str, bool, bool]]:
    return [
        (user.username, case.report.reference, may, holds)
        for user in staff
        for case in cases
        if (may := _may_read(user, case)) != (holds := _holds_a_wrap(user, case))
    ]


def _everyone() -> list[User]:
    return list(User.objects.order_by("username"))


def test_who_may_read_by_the_selectors_is_exactly_who_holds_a_wrap(
    entity: Entity,
    other_entity: Entity,
    make_staff: Any,
    focal_point: User,
    second_focal_point: User,
    focal_point_elsewhere: User,
    ombudsperson: User,
    investigator: User,
    leadership: User,
    admin: User,
    open_case: Any,
    walk_case: Any,
    approved_override: Any,
) -> None:
    advocate = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    recovery = {
        code.pk: entity_recovery_key_create(entity_id=code.pk).key
        for code in (entity, other_entity)
    }
    ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    referred = open_case(consents=WORKFLOW_CONSENTS)
    case_refer(case=referred, actor=focal_point, service="ombudsperson")
    withdrawn = open_case(consents=WORKFLOW_CONSENTS)
    case_refer(case=withdrawn, actor=focal_point, service="ombudsperson")
    consent_change(sign_in(receipt_of(withdrawn)), "ombudsperson_referral", granted=False)
    formal = walk_case(
        open_case(route="formal", channel="", consents=WORKFLOW_CONSENTS), "investigation"
    )
    case_investigator_assign(
        case=Case.objects.get(pk=formal.pk), actor=focal_point, investigator=investigator
    )
    shared_with_advocate = open_case(
        consents={"case_review": True, "victims_rights_advocate": True, "share_with_advocate": True}
    )
    not_shared_with_advocate = open_case(
        consents={"case_review": True, "victims_rights_advocate": True}
    )
    elsewhere = open_case(entity_obj=other_entity)
    conflicted = open_case()
    conflict_declare(actor=second_focal_point, case=conflicted)
    resealed = open_case()
    consent_change(sign_in(receipt_of(resealed)), "case_review", granted=False)
    witness = open_case(
        consents={**WORKFLOW_CONSENTS, "identity_disclosure": True},
        reporter_role="witness",
        affected_person_identifiable="yes",
    )
    case_refer(case=witness, actor=focal_point, service="ombudsperson")
    gated_witness = open_case(
        consents={**WORKFLOW_CONSENTS, "identity_disclosure": True},
        reporter_role="witness",
        affected_person_identifiable="yes",
    )
    case_refer(case=gated_witness, actor=focal_point, service="ombudsperson")
    approved_override(witness, "identity_disclosure")
    cases = [
        Case.objects.select_related("report").get(pk=case.pk)
        for case in (
            referred,
            withdrawn,
            formal,
            shared_with_advocate,
            not_shared_with_advocate,
            elsewhere,
            conflicted,
            resealed,
            witness,
            gated_witness,
        )
    ]
    staff = [
        focal_point,
        second_focal_point,
        focal_point_elsewhere,
        ombudsperson,
        investigator,
        advocate,
        leadership,
        admin,
    ]

    # The world holds every kind of answer, or the comparison below would prove little
    answers = {(user.username, case.pk): _may_read(user, case) for user in staff for case in cases}
    expected = {
        ("ombuds", referred.pk): True,
        ("ombuds", withdrawn.pk): False,
        ("ombuds", witness.pk): True,
        ("ombuds", gated_witness.pk): False,
        ("inv", formal.pk): True,
        ("advocate", shared_with_advocate.pk): True,
        ("advocate", not_shared_with_advocate.pk): False,
        ("fp_two", conflicted.pk): False,
        ("fp_one", resealed.pk): False,
        ("fp_one", elsewhere.pk): False,
        ("fp_else", elsewhere.pk): True,
    }
    assert {pair: answers[pair] for pair in expected} == expected
    assert _differences(staff, cases) == []

    # A focal point who joins later holds nothing until a colleague who holds the keys signs in
    newcomer = make_staff(Role.FOCAL_POINT, username="fp_new")
    assert _differences([newcomer], cases) != []
    api_for(focal_point)  # the sign-in passes every key the focal point holds on
    assert _differences([*staff, newcomer], cases) == []

    # One who leaves holds nothing any more
    staff_user_deactivate(actor=admin, user=second_focal_point)
    assert not KeyWrap.objects.filter(recipient__user=second_focal_point).exists()
    assert _differences([*staff, newcomer], cases) == []

    # And every shared report is wrapped to the recovery key of its entity, never another's
    for case in cases:
        wrapped_to = set(
            RecipientKey.objects.filter(
                wraps__data_key__report__case=case, kind=RecipientKey.Kind.ENTITY_RECOVERY
            ).values_list("pk", flat=True)
        )
        shared = not envelope.is_sealed(case.report.data_key)
        assert wrapped_to == ({recovery[case.entity_id].pk} if shared else set())

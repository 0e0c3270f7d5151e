"""Who may do what: the one place where staff roles are turned into permissions.

Every other module asks a named question here (``may_refer(user, case)``) instead of comparing
roles itself, so a change of policy is a change of this file, and the role matrix can be read in
one sitting:

- a **focal point** handles every case of their entity: reads it, runs its steps, writes to the
  reporter and keeps internal notes, refers, assigns, labels, reads its audit trail, and asks for
  or approves an override (never their own). Only the focal point a case is assigned to sees the
  reporter's identity without the reporter's consent to disclose it;
- an **ombudsperson** reads and answers the cases referred to them, while the reporter's consent
  to that referral stands;
- a witness's report about someone who can be identified is read beyond the focal points (by
  an ombudsperson, an investigator or an advocate) only with that person's own consent to share
  their name, or an override on a listed ground: they see how the case goes, not what was
  written (issue 12);
- an **investigator** reads the formal cases assigned to them and records their findings;
- a **victims' rights advocate** follows the cases of their entity whose reporter consents to
  it (``victims_rights_advocate``), only while that consent stands: the state, deadlines,
  consents and audit trail, never what the reporter wrote unless the reporter also shares it
  (``share_with_advocate``); writes to the reporter, and raises rights concerns that reach the
  entity's senior focal point. They run no step and see no internal note;
- **leadership** reads aggregate statistics only, never a case;
- anyone in **conflict of interest** with a case (the report names them, they declared a
  conflict with it or with a person it names, or the reporter asked for a different handler
  than them) neither sees it nor can be assigned, shared, referred or made its investigator,
  whatever their role: ``reports.conflicts`` finds the conflict, ``cases.selectors`` hides the
  case, the services refuse with 409 ``conflict_of_interest`` (issue 12);
- an **administrator** manages staff accounts (of their entity, or of all when system-wide) and
  reads statistics, never a case.

The case questions take a case the user can already see (``cases.selectors`` applied the
visibility rules, which ``case_reach`` names); they decide what the user may do with it. This
module is below ``cases`` and does not import it: a case is anything with the fields read here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, TypeGuard

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User


class CaseFacts(Protocol):
    """The few facts of a case that decide who may act on it."""

    @property
    def entity_id(self) -> int: ...

    @property
    def handler_entity_id(self) -> int: ...

    @property
    def assigned_to_id(self) -> int | None: ...

    @property
    def investigator_id(self) -> int | None: ...


# --- Staff -----------------------------------------------------------------------------------


def is_staff_member(user: AbstractBaseUser | AnonymousUser) -> TypeGuard[User]:
    """Whether whoever a request comes from (signed in or not) is an active staff member."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", "") in Role.values
    )


def _has_role(user: User, *roles: str) -> bool:
    return is_staff_member(user) and user.role in roles


def _works_for(user: User, entity_id: int | None) -> bool:
    """Whether the user works for this entity; a system-wide administrator works for all."""
    if not is_staff_member(user):
        return False
    if user.role == Role.ADMIN and user.entity_id is None:
        return True
    return entity_id is not None and user.entity_id == entity_id


def role_belongs_to_entity(role: str) -> bool:
    """Every role but administrator is bound to one entity (the database checks it too)."""
    return role != Role.ADMIN


def manages_users(user: User) -> bool:
    return _has_role(user, Role.ADMIN)


def reads_statistics(user: User) -> bool:
    """Released aggregates and the draft transparency report: leadership and administrators."""
    return _has_role(user, Role.LEADERSHIP, Role.ADMIN)


def approves_transparency_report(user: User) -> bool:
    return _has_role(user, Role.LEADERSHIP)


def reads_transparency_report(
    user: AbstractBaseUser | AnonymousUser | None, *, approved: bool, published_openly: bool
) -> bool:
    """Drafts: leadership and administrators. Once approved: every staff member, and anyone
    where the report is published openly (personnel have no accounts)."""
    if user is not None and is_staff_member(user) and reads_statistics(user):
        return True
    if not approved:
        return False
    return published_openly or (user is not None and is_staff_member(user))


def manages_staff_of(user: User, entity_id: int | None) -> bool:
    """An administrator manages the staff of their own entity, or of every entity if system-wide."""
    return manages_users(user) and _works_for(user, entity_id)


def manages_entity(user: User, entity_id: int | None) -> bool:
    """An entity's settings and service directory: the administrators who manage its staff."""
    return entity_id is not None and manages_staff_of(user, entity_id)


def creates_entities(user: User) -> bool:
    """A new entity belongs to no administrator yet: only a system-wide one adds it."""
    return manages_users(user) and _works_for(user, None)


class StaffReach(StrEnum):
    """Which staff accounts someone manages; ``accounts.selectors`` turns it into a query."""

    EVERY_ENTITY = "every_entity"
    OWN_ENTITY = "own_entity"
    NONE = "none"


def staff_reach(user: User) -> StaffReach:
    if not manages_users(user):
        return StaffReach.NONE
    if _works_for(user, None):
        return StaffReach.EVERY_ENTITY
    return StaffReach.OWN_ENTITY


# --- Which cases a staff member reaches --------------------------------------------------------


class CaseReach(StrEnum):
    """Which cases a staff member sees; ``cases.selectors`` turns each into a query."""

    ENTITY = "entity"  # every case of their entity
    REFERRED = "referred"  # cases referred to them, while the reporter's consent to it stands
    ASSIGNED_FORMAL = "assigned_formal"  # formal cases they are assigned to investigate
    ADVOCATED = "advocated"  # their entity's cases, while the reporter consents to an advocate
    NONE = "none"  # no case at all


# Leadership and administrators reach no case.
_REACH_OF_ROLE: dict[str, CaseReach] = {
    Role.FOCAL_POINT: CaseReach.ENTITY,
    Role.OMBUDSPERSON: CaseReach.REFERRED,
    Role.INVESTIGATOR: CaseReach.ASSIGNED_FORMAL,
    Role.VICTIMS_RIGHTS_ADVOCATE: CaseReach.ADVOCATED,
}


def roles_reaching_cases() -> list[str]:
    return list(_REACH_OF_ROLE)


def case_reach(user: User) -> CaseReach:
    if not is_staff_member(user):
        return CaseReach.NONE
    return _REACH_OF_ROLE.get(user.role, CaseReach.NONE)


def may_declare_conflict(user: User) -> bool:
    """Anyone whose role reaches cases declares their conflicts of interest (issue 12)."""
    return case_reach(user) is not CaseReach.NONE


# The roles told when a case of their entity changes and nobody is assigned to it yet.
ENTITY_CASE_HANDLER_ROLES = frozenset({Role.FOCAL_POINT})


# --- What a staff member may do with a case they see -----------------------------------------


def handles_case(user: User, case: CaseFacts) -> bool:
    """A focal point of the entity that handles the case: the person who runs the case. That is
    the case's own entity, unless its subject is senior and an independent handler outside the
    entity's line took it (``handler_entity_id``, issue 12)."""
    return _has_role(user, *ENTITY_CASE_HANDLER_ROLES) and user.entity_id == case.handler_entity_id


def advocates_case(user: User, case: CaseFacts) -> bool:
    """The victims' rights advocate of the case's entity (the selector has already checked
    that the reporter's consent to an advocate stands)."""
    return may_advocate(user) and user.entity_id == case.entity_id


def may_read_narrative(user: User, case: CaseFacts) -> bool:
    """Whoever may see the case opens it (the read is audited); what it shows of the report
    is ``reads_report_content``'s answer."""
    return case_reach(user) is not CaseReach.NONE


def reads_report_content(
    user: User, case: CaseFacts, *, shared_with_advocate: bool, shared_beyond_focal_points: bool
) -> bool:
    """The narrative, messages and files: everyone who sees the case, except an advocate to
    whom the reporter has not shared the report, and, for a witness's report about someone who
    can be identified, anyone beyond the focal points until that person consents or an override
    allows it (``shared_beyond_focal_points``, ``cases.transitions.AFFECTED_PERSON_DISCLOSURE``)."""
    if handles_case(user, case):
        return True
    if not shared_beyond_focal_points:
        return False
    if advocates_case(user, case):
        return shared_with_advocate
    return may_read_narrative(user, case)


def sees_identity(user: User, case: CaseFacts, *, disclosure_consented: bool) -> bool:
    """The reporter's identity: the assigned focal point, or anyone once the reporter consents."""
    return disclosure_consented or (is_staff_member(user) and case.assigned_to_id == user.id)


def sees_internal_notes(user: User, case: CaseFacts) -> bool:
    return handles_case(user, case)


def may_write_note(user: User, case: CaseFacts) -> bool:
    return handles_case(user, case)


def may_write_to_reporter(user: User, case: CaseFacts) -> bool:
    """Whoever works on the case may answer the reporter (an ombudsperson too)."""
    return case_reach(user) is not CaseReach.NONE


def may_refer(user: User, case: CaseFacts) -> bool:
    return handles_case(user, case)


def may_read_audit_trail(user: User, case: CaseFacts) -> bool:
    """The focal point, and the advocate, who checks that the process respects the reporter."""
    return handles_case(user, case) or advocates_case(user, case)


def may_raise_rights_concern(user: User, case: CaseFacts) -> bool:
    return advocates_case(user, case)


def may_assign(user: User, case: CaseFacts) -> bool:
    """Assign, share or put an investigator on the case."""
    return handles_case(user, case)


def may_propose_manager(user: User, case: CaseFacts) -> bool:
    """The manager of a manager intervention, whom the reporter then approves (issue 12)."""
    return handles_case(user, case)


def may_label(user: User, case: CaseFacts) -> bool:
    return handles_case(user, case)


def may_run_case_steps(user: User, case: CaseFacts) -> bool:
    """The case's transitions, except where ``cases.transitions`` names another predicate."""
    return handles_case(user, case)


def runs_only_by_the_service(user: User, case: CaseFacts) -> bool:
    """Steps the service takes by itself (closing the case of a shredded report): no staff
    member runs them, through the API or the staff pages."""
    return False


def may_record_findings(user: User, case: CaseFacts) -> bool:
    """The findings: the focal point, or the investigator assigned to the case."""
    return handles_case(user, case) or (
        _has_role(user, Role.INVESTIGATOR) and case.investigator_id == user.id
    )


def may_request_override(user: User, case: CaseFacts) -> bool:
    return handles_case(user, case)


def may_decide_override(user: User, case: CaseFacts) -> bool:
    """Approve an override; the four-eyes rule (never the requester) is the service's."""
    return handles_case(user, case)


# --- Who may take cases on -------------------------------------------------------------------


def may_be_assigned(user: User, case: CaseFacts) -> bool:
    """A case is assigned to, or shared with, an active focal point of its entity only."""
    return handles_case(user, case)


def reassignment_needs_second_person(
    case: CaseFacts, assignee: User, *, identity_withheld: bool
) -> bool:
    """Whether giving the case to ``assignee`` needs a second person's approval first.

    The assigned focal point reads the reporter's name (``sees_identity``). While the reporter
    withholds it, a change of hands would hand the name to someone the reporter never agreed
    to: four eyes, as for overrides. The first assignment of an unassigned case does not.
    """
    return (
        identity_withheld and case.assigned_to_id is not None and case.assigned_to_id != assignee.id
    )


def may_approve_reassignment(
    user: User, case: CaseFacts, *, requested_by_id: int, assignee_id: int
) -> bool:
    """A second person: someone who handles the case, neither the asker nor the new holder."""
    return handles_case(user, case) and user.id not in (requested_by_id, assignee_id)


def may_be_senior_focal_point(user: User) -> bool:
    """Only a focal point of an entity can be its senior focal point (issue 12)."""
    return _has_role(user, *ENTITY_CASE_HANDLER_ROLES) and user.entity_id is not None


def names_senior_focal_point(user: User, member: User) -> bool:
    """Naming or un-naming a senior focal point: the administrator of the member's entity."""
    return manages_staff_of(user, member.entity_id)


def may_record_retaliation_risk(user: User, case: CaseFacts) -> bool:
    """The retaliation risk and the interim measures: whoever runs the case's steps."""
    return may_run_case_steps(user, case)


def may_advocate(user: User) -> bool:
    """A victims' rights advocate, whom a reporter may bring into their case."""
    return _has_role(user, Role.VICTIMS_RIGHTS_ADVOCATE)


def may_investigate(user: User) -> bool:
    return _has_role(user, Role.INVESTIGATOR)


def may_take_over(successor: User, departing: User) -> bool:
    """A departing focal point's cases go to an active focal point of the same entity."""
    return (
        _has_role(successor, *ENTITY_CASE_HANDLER_ROLES)
        and successor.entity_id == departing.entity_id
    )


def may_hand_over(user: User, departing: User) -> bool:
    """Moving a departing colleague's cases: their entity's administrator or a focal point."""
    return (manages_users(user) or _has_role(user, *ENTITY_CASE_HANDLER_ROLES)) and _works_for(
        user, departing.entity_id
    )

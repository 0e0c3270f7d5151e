"""What staff pages call each audit action: the codes stay in the trail, people read words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction

if TYPE_CHECKING:
    # Type-checking only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise

AUDIT_ACTION_LABELS: dict[str, StrOrPromise] = {
    AuditAction.REPORT_SUBMITTED: _("Report submitted"),
    AuditAction.REPORT_ROUTE_CHANGED: _("The reporter changed the route"),
    AuditAction.REPORT_RESEALED: _("Report sealed again"),
    AuditAction.REPORT_SHREDDED: _("Report shredded"),
    AuditAction.CONSENT_GRANTED: _("Consent given"),
    AuditAction.CONSENT_WITHDRAWN: _("Consent withdrawn"),
    AuditAction.MESSAGE_FROM_REPORTER: _("Message from the reporter"),
    AuditAction.ATTACHMENT_ADDED: _("File added"),
    AuditAction.RETALIATION_REPORTED: _("The reporter reported retaliation in a new report"),
    AuditAction.CHECK_IN_ANSWERED: _("The reporter answered a check-in"),
    AuditAction.AFFECTED_PERSON_CODE_ISSUED: _(
        "The witness took a code to pass on to the person affected"
    ),
    AuditAction.AFFECTED_PERSON_LINKED: _(
        "The person affected linked their own report to the witness's, with their agreement"
    ),
    AuditAction.CASE_OPENED: _("Case opened"),
    AuditAction.CASE_TRANSITION: _("Case moved on"),
    AuditAction.CASE_ASSIGNED: _("Case assigned"),
    AuditAction.CASE_REASSIGNMENT_REQUESTED: _("Reassignment requested"),
    AuditAction.CASE_INVESTIGATOR_ASSIGNED: _("Investigator assigned"),
    AuditAction.CASE_SHARED: _("Case shared"),
    AuditAction.CASE_UNSHARED: _("Case no longer shared"),
    AuditAction.CASE_HANDED_OVER: _("Case handed over"),
    AuditAction.CASE_LABELS_SET: _("Labels changed"),
    AuditAction.CASE_DECRYPTED_READ: _("Report read"),
    AuditAction.CASE_READ_REFUSED_SEALED: _("Reading refused: the report is sealed"),
    AuditAction.ATTACHMENT_DECRYPTED_READ: _("File opened"),
    AuditAction.AUDIT_EXPORTED: _("Audit trail exported"),
    AuditAction.MESSAGE_FROM_STAFF: _("Message to the reporter"),
    AuditAction.NOTE_ADDED: _("Internal note added"),
    AuditAction.OVERRIDE_REQUESTED: _("Override requested"),
    AuditAction.OVERRIDE_APPROVED: _("Override approved"),
    AuditAction.OVERRIDE_NOTICE_GIVEN: _("The reporter was told of an override, with its ground"),
    AuditAction.REFERRAL_MADE: _("Case referred"),
    AuditAction.CASE_RETALIATION_RISK_RECORDED: _("Retaliation risk and interim measures recorded"),
    AuditAction.RIGHTS_CONCERN_RAISED: _("Rights concern raised by the advocate"),
    AuditAction.CASE_ROUTED_INDEPENDENTLY: _(
        "Case routed to an independent handler: the subject is senior"
    ),
    AuditAction.CASE_CONFLICT_DECLARED: _("A staff member declared a conflict of interest"),
    AuditAction.CASE_HANDLER_CHANGE_REQUESTED: _("The reporter asked for a different handler"),
    AuditAction.MANAGER_PROPOSED: _("Manager proposed for an intervention"),
    AuditAction.MANAGER_APPROVED: _("The reporter approved the manager"),
    AuditAction.MANAGER_REFUSED: _("The reporter refused the manager"),
    AuditAction.STAFF_LOGIN: _("Staff sign-in"),
    AuditAction.STAFF_USER_CREATED: _("Staff account created"),
    AuditAction.STAFF_INVITATION_RESENT: _("Invitation sent again"),
    AuditAction.STAFF_ENROLLED: _("Staff member enrolled"),
    AuditAction.STAFF_USER_DEACTIVATED: _("Staff account deactivated"),
    AuditAction.STAFF_CASES_HANDED_OVER: _("A colleague's cases handed over"),
    AuditAction.STAFF_ROLE_CHANGED: _("Staff role changed"),
    AuditAction.STAFF_SENIOR_FOCAL_POINT_SET: _("Senior focal point named or un-named"),
    AuditAction.STAFF_CONFLICT_DECLARED: _("Conflict of interest with a named person declared"),
    AuditAction.CASE_READ_REFUSED_NO_KEY: _("Case opened without a key to the report"),
    AuditAction.READING_KEY_GRANTED: _("The report's key was passed to a reader"),
    AuditAction.READING_KEY_REMOVED: _("The report's key was taken from someone no longer reading"),
    AuditAction.READING_KEY_CREATED: _("Reading key made"),
    AuditAction.READING_KEY_RECOVERED: _("Reading key restored with the recovery key"),
    AuditAction.READING_KEY_PASSWORD_CHANGED: _("Password changed; the reading key follows it"),
    AuditAction.STAFF_SIGN_IN_RESET: _("Sign-in reset by an administrator"),
    AuditAction.RECOVERY_CEREMONY: _("Reading rights given back with the entity's recovery key"),
    AuditAction.ENTITY_RECOVERY_KEY_CREATED: _("The entity's recovery key was made"),
    AuditAction.KEYS_MOVED_TO_RECIPIENTS: _(
        "Shared reports moved from the server's key to their readers' keys"
    ),
    AuditAction.ENTITY_CREATED: _("Entity added"),
    AuditAction.ENTITY_CHANGED: _("Entity settings changed"),
    AuditAction.SERVICE_ENTRY_ADDED: _("Service added to the directory"),
    AuditAction.SERVICE_ENTRY_CHANGED: _("Service in the directory changed"),
    AuditAction.SERVICE_ENTRY_REMOVED: _("Service taken out of the directory"),
}


def audit_action_label(code: str) -> str:
    """The action in words; an unknown code (none should exist) is shown as it is."""
    label = AUDIT_ACTION_LABELS.get(code)
    return str(label) if label is not None else code

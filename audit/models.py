"""The audit trail: append-only entries, each carrying the hash of the one before it.

Entries are chained per stream: one stream per report, and a ``system`` stream for events
that belong to no report (staff sign-ins, user management). The database refuses updates and
deletes (a trigger, migration 0002); whoever gets past that still breaks the chain, which is
keyed with a server key, and ``verify_audit_chain`` and the API's ``chain_valid`` detect it. Each
stream's head is authenticated with the same key, and checkpoints exported outside the
database catch a stream cut short, emptied or restored from an older copy (issue 10).
Entries never hold report content: only codes, identifiers, staff usernames and, for a staff
invitation, the address it was sent to.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from django.conf import settings
from django.db import models


class AuditAction(StrEnum):
    """What an audit entry records. The codes are stored, chained and exported: never change
    one, add a new one instead."""

    # The reporter's report (stream: the report)
    REPORT_SUBMITTED = "report.submitted"
    REPORT_ROUTE_CHANGED = "report.route_changed"
    REPORT_RESEALED = "report.resealed"
    REPORT_SHREDDED = "report.shredded"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    MESSAGE_FROM_REPORTER = "message.from_reporter"
    ATTACHMENT_ADDED = "attachment.added"
    RETALIATION_REPORTED = "report.retaliation_reported"
    CHECK_IN_ANSWERED = "report.check_in_answered"
    AFFECTED_PERSON_CODE_ISSUED = "report.affected_person_code_issued"
    AFFECTED_PERSON_LINKED = "report.affected_person_linked"
    # The case (stream: its report)
    CASE_OPENED = "case.opened"
    CASE_TRANSITION = "case.transition"
    CASE_ASSIGNED = "case.assigned"
    CASE_REASSIGNMENT_REQUESTED = "case.reassignment_requested"
    CASE_INVESTIGATOR_ASSIGNED = "case.investigator_assigned"
    CASE_SHARED = "case.shared"
    CASE_UNSHARED = "case.unshared"
    CASE_HANDED_OVER = "case.handed_over"
    CASE_LABELS_SET = "case.labels_set"
    CASE_DECRYPTED_READ = "case.decrypted_read"
    CASE_READ_REFUSED_SEALED = "case.read_refused_sealed"
    ATTACHMENT_DECRYPTED_READ = "attachment.decrypted_read"
    AUDIT_EXPORTED = "audit.exported"
    MESSAGE_FROM_STAFF = "message.from_staff"
    NOTE_ADDED = "note.added"
    OVERRIDE_REQUESTED = "override.requested"
    OVERRIDE_APPROVED = "override.approved"
    OVERRIDE_NOTICE_GIVEN = "override.notice_given"
    REFERRAL_MADE = "referral.made"
    CASE_RETALIATION_RISK_RECORDED = "case.retaliation_risk_recorded"
    RIGHTS_CONCERN_RAISED = "rights_concern.raised"
    # Conflicts of interest and who handles the case (issue 12)
    CASE_ROUTED_INDEPENDENTLY = "case.routed_independently"
    CASE_CONFLICT_DECLARED = "case.conflict_declared"
    CASE_HANDLER_CHANGE_REQUESTED = "case.handler_change_requested"
    MANAGER_PROPOSED = "manager.proposed"
    MANAGER_APPROVED = "manager.approved"
    MANAGER_REFUSED = "manager.refused"
    # Staff accounts (stream: system)
    STAFF_LOGIN = "staff.login"
    STAFF_USER_CREATED = "staff.user_created"
    STAFF_INVITATION_RESENT = "staff.invitation_resent"
    STAFF_ENROLLED = "staff.enrolled"
    STAFF_USER_DEACTIVATED = "staff.user_deactivated"
    STAFF_CASES_HANDED_OVER = "staff.cases_handed_over"
    STAFF_ROLE_CHANGED = "staff.role_changed"
    STAFF_SENIOR_FOCAL_POINT_SET = "staff.senior_focal_point_set"
    STAFF_CONFLICT_DECLARED = "staff.conflict_declared"
    # Reading keys (issue 14): who was given or lost a report's key (stream: the report), and
    # each staff member's key and each recovery ceremony (stream: system)
    CASE_READ_REFUSED_NO_KEY = "case.read_refused_no_key"
    READING_KEY_GRANTED = "reading_key.granted"
    READING_KEY_REMOVED = "reading_key.removed"
    READING_KEY_CREATED = "reading_key.created"
    READING_KEY_RECOVERED = "reading_key.recovered"
    READING_KEY_PASSWORD_CHANGED = "reading_key.password_changed"  # noqa: S105  # nosec B105 - a code, not a secret
    STAFF_SIGN_IN_RESET = "staff.sign_in_reset"
    RECOVERY_CEREMONY = "recovery.ceremony"
    ENTITY_RECOVERY_KEY_CREATED = "entity.recovery_key_created"
    KEYS_MOVED_TO_RECIPIENTS = "keys.moved_to_recipients"
    # Entities and their service directory (stream: system)
    ENTITY_CREATED = "entity.created"
    ENTITY_CHANGED = "entity.changed"
    SERVICE_ENTRY_ADDED = "service_entry.added"
    SERVICE_ENTRY_CHANGED = "service_entry.changed"
    SERVICE_ENTRY_REMOVED = "service_entry.removed"


class AuditEntry(models.Model):
    class ActorKind(models.TextChoices):
        REPORTER = "reporter"
        STAFF = "staff"
        SYSTEM = "system"

    # Random ids and a per-stream position: a global sequence would order a submission's
    # midnight-stamped entry among entries with exact times, and so date it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stream = models.CharField(max_length=40, db_index=True)
    position = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept so the trail still reads after an account is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    detail = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["stream", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "position"], name="one_entry_per_position")
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_kind}"


class AuditStreamHead(models.Model):
    """The last hash of each stream; locking this row serialises appends to the stream.

    Keyed by the stream itself (a report's random id): a sequential id would number the
    reports in the order they were submitted, which the day-only dates exist to hide.
    """

    stream = models.CharField(max_length=40, primary_key=True)
    last_hash = models.CharField(max_length=64)
    length = models.PositiveIntegerField(default=0)
    # A keyed digest of (stream, length, last_hash): a head set back to an earlier entry by
    # someone without the server key no longer verifies (issue 10). Replaying a head row seen
    # earlier still verifies; the exported checkpoints catch that.
    head_mac = models.CharField(max_length=64, default="")
    # What a checkpoint calls the stream (``audit_stream_tag``): kept here so that a checkpoint
    # is written and checked in the database, at a million streams, without computing every
    # tag again. The checkpoint detail's last hashes name their entries, and so their streams,
    # already: the tag next to the stream reveals nothing a reader of the tables did not have.
    # Unique: one stream's pin cannot be answered by another's head.
    tag = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.stream


class AuditCheckpoint(models.Model):
    """A keyed, chained snapshot of every stream's length and last hash, exported outside the
    database (``audit_checkpoint``), so that cutting or restoring the audit tables shows.

    The exported line carries only the sequence, the time and keyed digests: no stream id and
    no count, which would date submissions to the checkpoint's few minutes. The per-stream
    detail stays here (``AuditCheckpointStream``), under keyed stream names, and only for the
    latest checkpoint: each new checkpoint is written only after the trail was found to reach
    the previous one, so the latest one vouches for those before it, and older details (which
    would show when each stream first appeared) are dropped. Once written, a checkpoint row
    never changes.
    """

    # Checkpoints are periodic, not per report: a sequence orders nothing worth hiding.
    sequence = models.PositiveIntegerField(primary_key=True)
    at = models.DateTimeField()
    previous_digest = models.CharField(max_length=64)
    streams_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"audit checkpoint {self.sequence}"


class AuditCheckpointStream(models.Model):
    """One stream's length and last hash in the latest checkpoint, under its keyed name.

    A row per stream, not one document for all: a checkpoint is then written and checked in
    the database, in a worker's bounded memory, at a million streams (issue 15). The rows of a
    superseded checkpoint are deleted; no sequential id numbers them in the order the streams
    were created.
    """

    pk = models.CompositePrimaryKey("checkpoint", "tag")
    checkpoint = models.ForeignKey(
        AuditCheckpoint, on_delete=models.CASCADE, related_name="stream_detail"
    )
    tag = models.CharField(max_length=64)
    length = models.PositiveIntegerField()
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.tag

"""Reports, their consents, messages, attachments and timeline, reporter sessions, and the
spent intake forms that keep a form from filing twice.

Everything a reporter wrote is an ``EncryptedField`` under the report's data key. The
categorical facts that statistics count (entity, category, route, location type, reporter
role, day of submission) are plain indexed columns. No IP address, user agent or precise
submission time is stored: a report carries the day it arrived, nothing finer.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.vocabulary import (
    AffectedPersonIdentifiable,
    Category,
    CheckInAnswer,
    ConsentAction,
    IdentityDisclosure,
    InformalChannel,
    LocationType,
    ReporterRole,
    ReportKind,
    Route,
)
from vault.fields import EncryptedField
from vault.models import DataKey


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Shown to the reporter and to staff; not a secret (the receipt is).
    reference = models.CharField(max_length=16, unique=True)
    # Keyed hash of the receipt: finds the report without storing the receipt.
    receipt_index = models.CharField(max_length=64, unique=True)
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="report")

    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="reports")
    category = models.CharField(max_length=32, choices=Category.choices, db_index=True)
    route = models.CharField(max_length=20, choices=Route.choices, db_index=True)
    informal_channel = models.CharField(
        max_length=24, choices=InformalChannel.choices, blank=True, db_index=True
    )
    location_type = models.CharField(
        max_length=20, choices=LocationType.choices, blank=True, db_index=True
    )
    reporter_role = models.CharField(max_length=20, choices=ReporterRole.choices, db_index=True)
    identity_disclosure = models.CharField(max_length=20, choices=IdentityDisclosure.choices)
    # A witness's answer (issue 12): a formal step about an identifiable affected person needs
    # that person's own consent, through a report of their own linked to this one.
    affected_person_identifiable = models.CharField(
        max_length=10,
        choices=AffectedPersonIdentifiable.choices,
        default=AffectedPersonIdentifiable.NOT_ASKED,
        db_index=True,
    )
    # The day only: a precise time could be matched against building or network logs.
    submitted_on = models.DateField(db_index=True)
    # Whether the reporter answered the closing survey: once per report, while the answer
    # itself is stored apart (feedback.SurveyResponse) with nothing that leads back here.
    survey_answered = models.BooleanField(default=False)
    # A report of retaliation points at the report whose reporter suffered it (issue 12); the
    # kind is a plain column because statistics count it.
    kind = models.CharField(
        max_length=20, choices=ReportKind.choices, default=ReportKind.HARASSMENT, db_index=True
    )
    retaliation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retaliation_reports",
    )
    # The reporter said the alleged perpetrator is senior enough, by the entity's band at
    # submission, that the case goes to an independent handler (issue 12). Only the decision is
    # plain; the answer itself is sealed with the rest of ``alleged_perpetrator``.
    subject_senior = models.BooleanField(default=False)

    narrative = EncryptedField()
    incident_date = EncryptedField()
    identity = EncryptedField()
    alleged_perpetrator = EncryptedField()

    class Meta:
        indexes = [
            models.Index(fields=["entity", "submitted_on"]),
            # The staff's search by the start of a reference (``LIKE 'R-7K%'``), whatever the
            # database's collation.
            models.Index(
                fields=["reference"],
                opclasses=["varchar_pattern_ops"],
                name="report_reference_prefix",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(route="informal") & ~models.Q(informal_channel=""))
                | (~models.Q(route="informal") & models.Q(informal_channel="")),
                name="informal_channel_only_with_informal_route",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def current_consents(self) -> dict[str, bool]:
        """Each action's latest decision; an action never decided is not granted."""
        cached: dict[str, bool] | None = getattr(self, "_current_consents", None)
        if cached is None:
            cached = {action: False for action in ConsentAction.values}
            decisions = self.consents.order_by("recorded_at", "position")
            for action, granted in decisions.values_list("action", "granted"):
                cached[action] = granted
            self._current_consents = cached
        return cached

    def forget_consents(self) -> None:
        self.__dict__.pop("_current_consents", None)
        self.__dict__.pop("_affected_person_consents", None)

    @property
    def about_an_identifiable_person(self) -> bool:
        """A witness's report about someone who could be identified from it."""
        return (
            self.reporter_role == ReporterRole.WITNESS
            and self.affected_person_identifiable == AffectedPersonIdentifiable.YES
        )

    def affected_person_came_forward(self) -> bool:
        """Whether the affected person linked their own report to this witness's one (asked of
        a witness's report only: nobody comes forward on the affected person's own)."""
        return (
            self.reporter_role == ReporterRole.WITNESS
            and self.affected_person_consents() is not None
        )

    def affected_person_report(self) -> Report | None:
        """The affected person's own report, linked to this witness's report with their
        agreement; ``None`` while nobody has come forward."""
        invitation = (
            AffectedPersonInvitation.objects.filter(
                witness_report=self, affected_report__isnull=False
            )
            .select_related("affected_report")
            .first()
        )
        return invitation.affected_report if invitation else None

    def affected_person_consents(self) -> dict[str, bool] | None:
        """The current consents of the affected person's own report (``affected_person_report``);
        ``None`` while nobody has come forward."""
        if "_affected_person_consents" not in self.__dict__:
            linked = self.affected_person_report()
            # A report its author shredded speaks for nobody any more.
            speaks = linked if linked is not None and not linked.is_shredded else None
            self._affected_person_consents = speaks.current_consents() if speaks else None
        consents: dict[str, bool] | None = self._affected_person_consents
        return consents

    @property
    def is_shredded(self) -> bool:
        """Whether its data key was destroyed on purpose: nothing it protected can be read."""
        return self.data_key.shredded_at is not None


class Consent(models.Model):
    """One decision by the reporter. Append-only: the history is the record of consent.

    Random ids and a per-report position, not a global sequence: a sequence would order a
    submission's midnight-stamped rows among other rows with exact times, and so date it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Source(models.TextChoices):
        INTAKE = "intake", _("at submission")
        PORTAL = "portal", _("later, in the reporter's portal")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=32, choices=ConsentAction.choices, db_index=True)
    granted = models.BooleanField()
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_at = models.DateTimeField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["recorded_at", "position"]
        indexes = [models.Index(fields=["report", "recorded_at", "position"])]

    def __str__(self) -> str:
        return f"{self.action}={'granted' if self.granted else 'withdrawn'}"


class Message(models.Model):
    class Sender(models.TextChoices):
        REPORTER = "reporter", _("You")
        STAFF = "staff", _("Focal point")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedField()
    # A reporter's message carries the day only (midnight UTC), a staff member's its time;
    # ``position`` keeps the conversation in order all the same (issue 11).
    sent_at = models.DateTimeField(db_index=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["report", "position"])]

    def __str__(self) -> str:
        return f"message from {self.sender}"


class Attachment(models.Model):
    """A file the reporter added. Its name and bytes are encrypted; type and size are not."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedField()
    # Detected from the content, never taken from the browser's claim.
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    added_on = models.DateField()

    class Meta:
        ordering = ["added_on", "id"]

    def __str__(self) -> str:
        return f"attachment {self.id}"


class AttachmentContent(models.Model):
    """The encrypted bytes, kept apart so that listing attachments never loads them."""

    attachment = models.OneToOneField(
        Attachment, on_delete=models.CASCADE, primary_key=True, related_name="content"
    )
    data = EncryptedField()

    def __str__(self) -> str:
        return f"content of {self.attachment_id}"


class TimelineEntry(models.Model):
    """What happened to a report, in the reporter's words.

    Stores an event code and non-sensitive parameters; the label is rendered at display time
    so that it appears in the reader's language.
    """

    # Random ids and a per-report position, for the same reason as ``Consent``.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="timeline")
    event = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "position"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return self.event


class CheckIn(models.Model):
    """The portal asks the reporter how things are, 1, 3, 6 and 12 months after their case was
    closed (``CHECK_IN_MONTHS``): retaliation often comes after a case ends.

    Created once each by the beat task (the unique constraint makes it idempotent), shown in
    the portal from ``due_on``; nothing is ever sent to the reporter. Days only, like every
    other trace of what the reporter does.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="check_ins")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField(db_index=True)
    answer = models.CharField(max_length=20, choices=CheckInAnswer.choices, blank=True)
    answered_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["months"]
        constraints = [
            models.UniqueConstraint(fields=["report", "months"], name="check_in_once"),
        ]

    def __str__(self) -> str:
        return f"check-in after {self.months} months"


class ReporterSession(models.Model):
    """A signed-in reporter: a bearer token that slides for 15 idle minutes.

    The report's data key is kept for the session wrapped under a key derived from the token,
    so neither a database dump nor the server alone can use it; only the token's holder can.
    So is the key the receipt derives: with it, withdrawing case review re-seals the report
    under a new data key without asking for the receipt again (``portal.resealing``).
    """

    token_index = models.CharField(max_length=64, unique=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sessions")
    wrapped_data_key = models.BinaryField()
    wrapped_receipt_key = models.BinaryField()
    expires_at = models.DateTimeField(db_index=True)
    # Hard limit however active the session is.
    absolute_expiry = models.DateTimeField()

    def __str__(self) -> str:
        return f"reporter session for {self.report_id}"


class AffectedPersonInvitation(models.Model):
    """A code a witness passes on to the person it happened to, so that they can come forward
    with a report of their own (issue 12).

    Like a receipt, the code is shown once and never stored: only a keyed hash finds it. It
    opens nothing by itself; the affected person files their own report, and only if they agree
    does it link that report to the witness's one, which then lets their own consents decide the
    formal steps about them. One code per witness's report: a new one replaces the last.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    witness_report = models.OneToOneField(
        Report, on_delete=models.CASCADE, related_name="affected_person_invitation"
    )
    code_index = models.CharField(max_length=64, unique=True)
    issued_on = models.DateField()
    # Set only with the affected person's agreement; a report is linked to one witness's at most.
    affected_report = models.OneToOneField(
        Report,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked_witness_invitation",
    )
    linked_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation from {self.witness_report_id}"


class NamedPerson(models.Model):
    """A person the report names (the alleged perpetrator), as the keyed blind index of their
    normalised name only (``vault.names``): staff named in a report are kept away from it
    without the name being stored anywhere but in the report's sealed fields."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="named_people")
    name_index = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "name_index"], name="named_person_once")
        ]

    def __str__(self) -> str:
        return f"person named in {self.report_id}"


class ConflictDeclaration(models.Model):
    """A staff member who must stay away from a report's case, or from every report naming a
    person (issue 12).

    Declared by the staff member (a conflict with this case, or with a named person, kept as
    the keyed index of that name), or recorded for them when the reporter asked for a
    different handler than them, which needs no reason.
    """

    class Source(models.TextChoices):
        STAFF = "staff", _("declared by the staff member")
        REPORTER = "reporter", _("the reporter asked for a different handler")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    report = models.ForeignKey(
        Report,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
    )
    person_index = models.CharField(max_length=64, blank=True, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    # The day only, like every other date a reporter's side could be matched against.
    declared_on = models.DateField()

    class Meta:
        ordering = ["declared_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False) | ~models.Q(person_index=""),
                name="conflict_names_a_case_or_a_person",
            ),
        ]

    def __str__(self) -> str:
        return f"conflict of {self.staff_id}"


class SpentIntakeForm(models.Model):
    """An intake form that has already filed its report: a resent copy files nothing.

    Each intake carries a random one-time key from its first page to its last; only a keyed
    hash of it is kept, linked to nothing, with the day for purging. The primary key makes a
    double submission (a double tap, Back then Send again) lose inside the database.
    """

    digest = models.CharField(max_length=64, primary_key=True)
    spent_on = models.DateField(db_index=True)

    def __str__(self) -> str:
        return "spent intake form"


def next_position(rows: models.QuerySet[Any]) -> int:
    """The next place in a report's ordered history (consents, timeline, messages)."""
    return int(rows.aggregate(last=models.Max("position"))["last"] or 0) + 1

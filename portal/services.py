"""Every write a reporter makes: submit, sign in, consent, message, change route, attach.

The report itself is stored in ``reports`` (the record); whether a case exists, and the staff
alerts that follow a reporter's action, are ``cases``' to do, called from here. Each write to
the report runs in one transaction with its audit entry; notifications go through the outbox and
leave after commit. Reporter actions are audited as ``reporter``: no identity, no address,
nothing the reporter wrote. Signing in and out is deliberately not audited (the first sign-in's
time would date the report), nor are the periodic purges.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Entity, Seniority
from accounts.selectors import advocates_of
from audit.days import day_start, today_start
from audit.models import AuditAction, AuditEntry
from audit.services import audit_record
from cases.models import Case, ManagerProposal
from cases.readers import reader_wraps_prune, reader_wraps_sync
from cases.services.opening import (
    case_alert_staff,
    case_handler_ids_free_of_conflict,
    case_open,
    staff_alert_send,
)
from core.errors import (
    ConflictError,
    ConsentRequiredError,
    DomainError,
    InvalidInputError,
)
from portal.resealing import report_rekey
from reports.attachments import MAX_ATTACHMENTS, CleanAttachment, too_many_files_words
from reports.conflicts import named_people_record
from reports.locking import report_lock
from reports.models import (
    Attachment,
    AttachmentContent,
    ConflictDeclaration,
    Consent,
    Message,
    Report,
    ReporterSession,
    SpentIntakeForm,
    next_position,
)
from reports.receipts import normalise_receipt, receipt_new, reference_new
from reports.timeline import timeline_add
from reports.vocabulary import (
    AffectedPersonIdentifiable,
    ConsentAction,
    IdentityDisclosure,
    ReportKind,
    Route,
    TimelineEvent,
)
from vault import envelope

if TYPE_CHECKING:
    # Type-checking only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise

REPORTER = AuditEntry.ActorKind.REPORTER
SESSION_IDLE = timedelta(minutes=15)
SESSION_ABSOLUTE = timedelta(hours=4)
# An unknown receipt costs the same Argon2id work as a known one: nothing to learn from timing.
_DUMMY_SALT = b"upstander-dummy!"


class InvalidReceiptError(DomainError):
    """No report opens with this receipt (unknown and wrong receipts are indistinguishable)."""

    code = "invalid_receipt"
    status = 401
    default_message = gettext_lazy("This receipt does not open a report. Check it and try again.")


class MessageToSealedReportError(ConsentRequiredError):
    """A reporter's message would reach nobody: case review is not granted, so nobody in the
    organisation can read the report."""

    default_message = gettext_lazy(
        "Nobody can read messages while your report is sealed. Allow case review first."
    )

    def __init__(self) -> None:
        super().__init__([ConsentAction.CASE_REVIEW.value])

    def page_message(self) -> str:
        return self.message


class RouteChangeRefusedError(InvalidInputError):
    """The route change cannot be made; the message says why in plain words."""

    def __init__(self, reason: StrOrPromise) -> None:
        super().__init__({"route": [str(reason)]}, message=reason)

    def page_message(self) -> str:
        return self.message


class IntakeFormAlreadySentError(ConflictError):
    """This intake form already filed its report; a resent copy (Back, a double tap) files nothing."""

    default_message = gettext_lazy("This report was already sent; sending it again filed nothing.")


class TooManyAttachmentsError(InvalidInputError):
    def __init__(self) -> None:
        super().__init__({"file": [too_many_files_words()]})


@dataclass(frozen=True)
class ReportSubmission:
    entity: Entity
    category: str
    route: str
    informal_channel: str
    narrative: str
    reporter_role: str
    identity_disclosure: str
    incident_date: date | None = None
    location_type: str = ""
    identity: dict[str, str] | None = None
    alleged_perpetrator: dict[str, str] | None = None
    consents: dict[str, bool] = field(default_factory=dict)
    # A report of retaliation names the report whose reporter suffered it (issue 12).
    kind: str = ReportKind.HARASSMENT
    retaliation_of: Report | None = None
    # A witness's answer; not asked of the affected person.
    affected_person_identifiable: str = AffectedPersonIdentifiable.NOT_ASKED


@dataclass(frozen=True)
class SubmittedReport:
    report: Report
    # Shown to the reporter once, then forgotten: it is stored nowhere.
    receipt: str
    data_key: bytes


@dataclass
class ReporterAccess:
    """A signed-in reporter: their report and, for this request only, its data key."""

    report: Report
    data_key: bytes = field(repr=False)
    session: ReporterSession
    # The session's token, for this request only: re-sealing wraps the new key for it.
    token: str = field(repr=False)


def _unique_reference() -> str:
    for _attempt in range(10):
        reference = reference_new()
        if not Report.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("could not find a free report reference")


INTAKE_FORM_KEPT = timedelta(days=30)


def intake_form_key_new() -> str:
    """The one-time key an intake form carries from its first page to its last."""
    return secrets.token_urlsafe(32)


def intake_form_key_valid(value: str) -> bool:
    return len(value) == 43 and all(c.isalnum() or c in "-_" for c in value)


def _intake_form_digest(intake_form_key: str) -> str:
    return envelope.blind_index("intake-form", intake_form_key)


def intake_form_already_sent(intake_form_key: str) -> bool:
    """Whether the form with this key already filed its report (a resent copy files nothing)."""
    return SpentIntakeForm.objects.filter(digest=_intake_form_digest(intake_form_key)).exists()


# How long a copy refused by the report limit waits for another copy of its form being filed,
# and how long the mark that one is being filed lasts: a filing is one Argon2id derivation,
# perhaps after waiting for a slot, and a few writes.
IN_FLIGHT_WAIT_SECONDS = 10
_IN_FLIGHT_POLL_SECONDS = 0.1


def _in_flight_name(intake_form_key: str) -> str:
    return f"intake-form-in-flight:{_intake_form_digest(intake_form_key)}"


@contextmanager
def intake_form_in_flight(intake_form_key: str) -> Iterator[None]:
    """Mark the form as being filed while the block files it (``intake_form_sent_meanwhile``).

    Only the first copy holds the mark; the cache being down leaves it unmarked."""
    name = _in_flight_name(intake_form_key)
    try:
        held = cache.add(name, 1, timeout=IN_FLIGHT_WAIT_SECONDS * 3)
    except Exception:
        held = False
    try:
        yield
    finally:
        if held:
            with suppress(Exception):
                cache.delete(name)


def intake_form_sent_meanwhile(intake_form_key: str) -> bool:
    """Whether the form filed its report, waiting for a copy of it being filed right now.

    A double tap on a client's last report allowed: the first copy takes the last place under
    the report limit and the second is refused. That second answer is the one the browser
    shows, so rather than say nothing was sent, it waits (at most ``IN_FLIGHT_WAIT_SECONDS``)
    for the first copy to finish, and goes on to its receipt. Only copies of one form wait,
    and only while one of them is being filed."""
    name = _in_flight_name(intake_form_key)
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    while not intake_form_already_sent(intake_form_key):
        try:
            in_flight = cache.get(name) is not None
        except Exception:
            return False
        if not in_flight or time.monotonic() > deadline:
            return intake_form_already_sent(intake_form_key)
        time.sleep(_IN_FLIGHT_POLL_SECONDS)
    return True


def report_submit(
    *,
    submission: ReportSubmission,
    attachments: Sequence[CleanAttachment] = (),
    intake_form_key: str | None = None,
    on_stored: Callable[[SubmittedReport], None] | None = None,
) -> SubmittedReport:
    """Store a new report, sealed under its receipt; returns it with the receipt and key.

    The receipt is returned exactly once and stored nowhere. A case is opened only when the
    reporter granted ``case_review`` and did not choose a record only. With an
    ``intake_form_key`` the same form files at most one report, however often it is sent:
    the next copies raise ``IntakeFormAlreadySentError`` and change nothing. ``on_stored``
    runs inside the transaction, before the form counts as sent to anyone else: a resent copy
    that waited for this one finds whatever it left (the receipt hand-off).
    """
    if len(attachments) > MAX_ATTACHMENTS:
        raise TooManyAttachmentsError
    digest = _intake_form_digest(intake_form_key) if intake_form_key else None
    if digest and SpentIntakeForm.objects.filter(digest=digest).exists():
        raise IntakeFormAlreadySentError
    receipt = receipt_new()
    # Argon2id runs before the transaction, so no lock is held during the slow derivation.
    prepared = envelope.data_key_prepare(receipt=receipt)
    with transaction.atomic():
        if digest:
            _intake_form_spend(digest)
        submitted = _report_store(submission, attachments, receipt, prepared)
        if on_stored is not None:
            on_stored(submitted)
        return submitted


def _intake_form_spend(digest: str) -> None:
    # Two copies sent at once: the second insert waits for the first transaction and then
    # fails on the primary key, so exactly one of them files a report.
    try:
        with transaction.atomic():
            SpentIntakeForm.objects.create(digest=digest, spent_on=timezone.now().date())
    except IntegrityError:
        raise IntakeFormAlreadySentError from None


def intake_forms_purge() -> int:
    """Forget spent intake forms after a month (a form is not resent that late)."""
    cutoff = timezone.now().date() - INTAKE_FORM_KEPT
    deleted, _by_model = SpentIntakeForm.objects.filter(spent_on__lt=cutoff).delete()
    return deleted


def _report_store(
    submission: ReportSubmission,
    attachments: Sequence[CleanAttachment],
    receipt: str,
    prepared: envelope.PreparedDataKey,
) -> SubmittedReport:
    data_key = envelope.data_key_store(prepared)
    key = prepared.key_material
    report = Report(
        reference=_unique_reference(),
        receipt_index=envelope.blind_index("receipt", receipt),
        data_key=data_key,
        entity=submission.entity,
        category=submission.category,
        route=submission.route,
        informal_channel=submission.informal_channel if submission.route == Route.INFORMAL else "",
        location_type=submission.location_type,
        reporter_role=submission.reporter_role,
        identity_disclosure=submission.identity_disclosure,
        affected_person_identifiable=submission.affected_person_identifiable,
        submitted_on=timezone.now().date(),
        kind=submission.kind,
        retaliation_of=submission.retaliation_of,
        subject_senior=_subject_senior(submission),
    )
    envelope.seal(report, "narrative", submission.narrative, key)
    if submission.incident_date is not None:
        envelope.seal(report, "incident_date", submission.incident_date.isoformat(), key)
    # Anonymous means no identity is kept at all, whatever was sent.
    if submission.identity_disclosure == IdentityDisclosure.CONFIDENTIAL and submission.identity:
        envelope.seal(report, "identity", json.dumps(submission.identity), key)
    if submission.alleged_perpetrator:
        envelope.seal(
            report, "alleged_perpetrator", json.dumps(submission.alleged_perpetrator), key
        )
    # Uniqueness is not asked of the database three times more: the reference was just found
    # free, the id and the receipt's index are fresh random values, and the unique indexes
    # refuse a duplicate anyway.
    report.full_clean(exclude=["data_key", "entity", "retaliation_of"], validate_unique=False)
    report.save()
    perpetrator_name = (submission.alleged_perpetrator or {}).get("name", "")
    if perpetrator_name:
        # Only its keyed index, which keeps a staff member named here away from the case.
        named_people_record(report.id, [perpetrator_name])

    # Everything written at submission carries the day, never the time (it could be matched
    # against building, network or calendar records to identify the reporter).
    submitted_at = day_start(report.submitted_on)
    Consent.objects.bulk_create(
        Consent(
            report=report,
            action=action,
            granted=granted,
            source=Consent.Source.INTAKE,
            recorded_at=submitted_at,
            position=position,
        )
        for position, (action, granted) in enumerate(submission.consents.items(), start=1)
    )
    for attachment in attachments:
        _attachment_store(report, attachment, key)
    timeline_add(report, TimelineEvent.SUBMITTED, at=submitted_at)
    audit_record(
        stream=report.id,
        action=AuditAction.REPORT_SUBMITTED,
        actor_kind=REPORTER,
        at=submitted_at,
        detail={
            "route": report.route,
            "consents_granted": sorted(a for a, granted in submission.consents.items() if granted),
            "attachments": len(attachments),
            **(
                {"kind": report.kind, "retaliation_of": submission.retaliation_of.reference}
                if submission.retaliation_of is not None
                else {}
            ),
        },
    )
    _sync_case_and_sealing(report, key, at=submitted_at)
    return SubmittedReport(report=report, receipt=receipt, data_key=key)


def _subject_senior(submission: ReportSubmission) -> bool:
    """Whether the alleged perpetrator is senior by the entity's band (issue 12)."""
    seniority = (submission.alleged_perpetrator or {}).get("seniority", "")
    band = submission.entity.senior_band
    return bool(band) and Seniority.reaches(seniority, band)


def _attachment_store(report: Report, attachment: CleanAttachment, key: bytes) -> Attachment:
    record = Attachment(
        report=report,
        content_type=attachment.content_type,
        size=len(attachment.data),
        added_on=timezone.now().date(),
    )
    envelope.seal(record, "filename", attachment.filename, key)
    record.save()
    content = AttachmentContent(attachment=record)
    envelope.seal(content, "data", attachment.data, key)
    content.save()
    return record


def _sync_case_and_sealing(
    report: Report,
    key: bytes,
    *,
    at: datetime | None = None,
    access: ReporterAccess | None = None,
) -> None:
    """Keep the organisation's access in line with the reporter's consent to case review.

    Granted (and not a record only): the organisation's wrapping exists and so does a case.
    Not granted: the report is sealed again under a new data key (``portal.resealing``; only
    a signed-in reporter's ``access`` can, and at submission the report starts sealed), unless
    a formal process already started, in which case the organisation keeps access and every
    step that needs case review stays blocked.
    """
    report.forget_consents()
    review = report.current_consents()[ConsentAction.CASE_REVIEW]
    case = Case.objects.filter(report=report).first()
    if review and report.route != Route.RECORD_ONLY:
        if case is None:
            case = case_open(report=report, at=at)
        envelope.data_key_share(data_key=report.data_key)
        # The key goes to those who may read the case, and to no one else (``cases.readers``).
        reader_wraps_sync(case, key)
    elif (
        case is not None and case.formal_process_started and not envelope.is_sealed(report.data_key)
    ):
        # Case review withdrawn after a formal process started: the organisation keeps access,
        # and who reads still follows the rules (a withdrawn referral consent, say).
        reader_wraps_sync(case, key)
    if (
        access is not None
        and not review
        and (case is None or not case.formal_process_started)
        and not envelope.is_sealed(report.data_key)
    ):
        _reseal(report, access)
        if case is not None:
            timeline_add(report, TimelineEvent.RESEALED)
            audit_record(
                stream=report.id,
                action=AuditAction.REPORT_RESEALED,
                actor_kind=REPORTER,
                detail={"new_data_key": True},
            )


class ResealingConflictError(ConflictError):
    """A write that re-sealing under a new key makes impossible just now; nothing is written.
    The pages show its words, the API answers 409 ``conflict``."""

    def page_message(self) -> str:
        return self.message


class SessionCannotResealError(ResealingConflictError):
    """The session's key derived from the receipt does not open (it was tampered with):
    sealing again would lock the reporter out, so nothing is written."""

    default_message = gettext_lazy(
        "Please sign in again with your receipt, then withdraw your consent. Nothing was changed."
    )


def _reseal(report: Report, access: ReporterAccess) -> None:
    """Seal the report again under a new data key, wrapped under the receipt only."""
    receipt_key = envelope.session_unwrap(
        token=access.token,
        wrapped=bytes(access.session.wrapped_receipt_key),
        report_id=report.id,
        column=envelope.SESSION_RECEIPT_KEY,
    )
    if receipt_key is None:
        raise SessionCannotResealError
    access.data_key = report_rekey(
        report=report,
        session=access.session,
        token=access.token,
        old_key=access.data_key,
        receipt_key=receipt_key,
    )


# --- Reporter sessions ---------------------------------------------------------------------


def reporter_session_start(*, receipt: str) -> tuple[str, ReporterSession]:
    """Exchange a receipt for a session token; raises ``InvalidReceiptError``."""
    canonical = normalise_receipt(receipt)
    report = None
    if canonical is not None:
        report = (
            Report.objects.select_related("data_key")
            .filter(receipt_index=envelope.blind_index("receipt", canonical))
            .first()
        )
    if report is None:
        envelope.receipt_key(canonical or "unknown", _DUMMY_SALT)
        raise InvalidReceiptError
    try:
        opened = envelope.receipt_open(report.data_key, canonical or "")
    except (envelope.WrongReceiptError, envelope.DataKeyShreddedError):
        raise InvalidReceiptError from None

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        session = ReporterSession.objects.create(
            token_index=envelope.blind_index("reporter-session", token),
            report=report,
            wrapped_data_key=envelope.session_wrap(
                token=token, key_material=opened.key_material, report_id=report.id
            ),
            wrapped_receipt_key=envelope.session_wrap(
                token=token,
                key_material=opened.receipt_key,
                report_id=report.id,
                column=envelope.SESSION_RECEIPT_KEY,
            ),
            expires_at=now + SESSION_IDLE,
            # Rounded down to the hour: the first sign-in often follows the submission closely.
            absolute_expiry=now.replace(minute=0, second=0, microsecond=0) + SESSION_ABSOLUTE,
        )
        # Reporter sign-ins are deliberately not audited: the first one usually follows the
        # submission within minutes, and its time would date the report.
    return token, session


def reporter_session_resolve(token: str) -> ReporterAccess | None:
    """The access a token gives, sliding its idle expiry; ``None`` if unknown or expired."""
    if not token:
        return None
    now = timezone.now()
    session = (
        ReporterSession.objects.select_related("report", "report__data_key", "report__entity")
        .filter(token_index=envelope.blind_index("reporter-session", token))
        .first()
    )
    if session is None:
        return None
    if session.expires_at <= now or session.absolute_expiry <= now:
        session.delete()
        return None
    key = envelope.session_unwrap(
        token=token, wrapped=bytes(session.wrapped_data_key), report_id=session.report_id
    )
    if key is None:
        return None
    session.expires_at = min(now + SESSION_IDLE, session.absolute_expiry)
    # The session may have ended since it was read (signed out in another tab, a quick exit, the
    # purge): then nothing is updated and the request is answered as signed out (issue 10).
    if not ReporterSession.objects.filter(pk=session.pk).update(expires_at=session.expires_at):
        return None
    return ReporterAccess(report=session.report, data_key=key, session=session, token=token)


def reporter_session_end(token: str) -> None:
    if token:
        ReporterSession.objects.filter(
            token_index=envelope.blind_index("reporter-session", token)
        ).delete()


def reporter_sessions_purge() -> int:
    """Delete expired sessions (their wrapped keys are useless without the token anyway)."""
    deleted, _by_model = ReporterSession.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- What a signed-in reporter does ---------------------------------------------------------


class ReportResealedMeanwhileError(ResealingConflictError):
    """The report was sealed again under a new key by another request of this reporter after
    this one read its session: the key this request holds is the old one, and must seal
    nothing (what it sealed nobody could read)."""

    default_message = gettext_lazy(
        "Your report was sealed again in the meantime. Nothing was changed; please try again."
    )


def report_locked_for(access: ReporterAccess) -> Report:
    """The reporter's report, locked for this write, under the key this request holds."""
    report = report_lock(access.report.pk)
    if report.data_key_id != access.report.data_key_id:
        raise ReportResealedMeanwhileError
    return report


def alert_staff(report: Report, kind: str) -> None:
    # The email waits a random while, as a new report's does: its arrival would otherwise tell
    # staff the minute the reporter wrote or changed a choice, which nothing else keeps (issue 11).
    case_alert_staff(report=report, kind=kind, obscure_time=True)


@transaction.atomic
def consent_record(*, access: ReporterAccess, action: str, granted: bool) -> Consent:
    """The reporter grants or withdraws one consent; the history keeps every decision."""
    report = report_locked_for(access)
    if action not in ConsentAction.values:
        raise ValueError(f"unknown consent action {action!r}")
    consent = Consent.objects.create(
        report=report,
        action=action,
        granted=granted,
        source=Consent.Source.PORTAL,
        recorded_at=today_start(),
        position=next_position(report.consents.all()),
    )
    timeline_add(
        report,
        TimelineEvent.CONSENT_GRANTED if granted else TimelineEvent.CONSENT_WITHDRAWN,
        action=action,
    )
    audit_record(
        stream=report.id,
        action=AuditAction.CONSENT_GRANTED if granted else AuditAction.CONSENT_WITHDRAWN,
        actor_kind=REPORTER,
        detail={"action": action},
    )
    if action == ConsentAction.CASE_REVIEW and granted and report.route == Route.RECORD_ONLY:
        # Asking for review is asking to leave "record only": the focal point helps decide.
        _route_set(report, Route.UNDECIDED, "")
    case_before = _case_of(report)
    _sync_case_and_sealing(report, access.data_key, access=access)
    for witness_case in Case.objects.filter(
        report__affected_person_invitation__affected_report=report
    ).select_related("report", "report__data_key"):
        # The person it happened to decides for the witness's report too (issue 12): whoever
        # it no longer reaches loses its key now; whoever it reaches gets it from a colleague
        # who holds it (this session holds only the person's own key).
        reader_wraps_prune(witness_case)
    if (
        action == ConsentAction.CASE_REVIEW
        and not granted
        and case_before is not None
        and case_before.formal_process_started
    ):
        timeline_add(report, TimelineEvent.WITHDRAWAL_AFTER_FORMAL)
    if case_before is not None:
        alert_staff(report, "consent_changed")
        if action == ConsentAction.VICTIMS_RIGHTS_ADVOCATE and granted:
            # The entity's advocates learn that a case now reaches them (issue 12).
            staff_alert_send(
                kind="advocate_brought_in",
                reference=report.reference,
                user_ids=advocates_of(report.entity_id),
                obscure_time=True,
            )
    access.report = report
    return consent


def _case_of(report: Report) -> Case | None:
    return Case.objects.filter(report=report).first()


def _route_set(report: Report, route: str, informal_channel: str) -> None:
    report.route = route
    report.informal_channel = informal_channel if route == Route.INFORMAL else ""
    report.full_clean(exclude=["data_key", "entity"])
    report.save(update_fields=["route", "informal_channel"])
    timeline_add(
        report, TimelineEvent.ROUTE_CHANGED, route=route, informal_channel=report.informal_channel
    )
    audit_record(
        stream=report.id,
        action=AuditAction.REPORT_ROUTE_CHANGED,
        actor_kind=REPORTER,
        detail={"route": route, "informal_channel": report.informal_channel},
    )


@transaction.atomic
def route_change(*, access: ReporterAccess, route: str, informal_channel: str = "") -> Report:
    report = report_locked_for(access)
    if route == Route.RECORD_ONLY and _case_of(report) is not None:
        raise RouteChangeRefusedError(
            _(
                "A focal point is already reviewing this report. To stop the review, withdraw "
                "your consent to case review instead."
            )
        )
    _route_set(report, route, informal_channel)
    _sync_case_and_sealing(report, access.data_key, access=access)
    if _case_of(report) is not None:
        alert_staff(report, "route_changed")
    access.report = report
    return report


@transaction.atomic
def reporter_message_send(*, access: ReporterAccess, body: str) -> Message:
    report = report_locked_for(access)
    if _case_of(report) is None or envelope.is_sealed(report.data_key):
        raise MessageToSealedReportError
    message = Message(
        report=report,
        sender=Message.Sender.REPORTER,
        sent_at=today_start(),
        position=next_position(report.messages.all()),
    )
    envelope.seal(message, "body", body, access.data_key)
    message.save()
    Case.objects.filter(report=report).update(last_message_from=Message.Sender.REPORTER)
    audit_record(stream=report.id, action=AuditAction.MESSAGE_FROM_REPORTER, actor_kind=REPORTER)
    alert_staff(report, "reporter_message")
    access.report = report
    return message


@transaction.atomic
def reporter_attachment_add(*, access: ReporterAccess, attachment: CleanAttachment) -> Attachment:
    report = report_locked_for(access)
    if report.attachments.count() >= MAX_ATTACHMENTS:
        raise TooManyAttachmentsError
    record = _attachment_store(report, attachment, access.data_key)
    timeline_add(report, TimelineEvent.ATTACHMENT_ADDED)
    audit_record(stream=report.id, action=AuditAction.ATTACHMENT_ADDED, actor_kind=REPORTER)
    return record


# --- Who handles the case: the reporter's say (issue 12) -------------------------------------


class HandlerChangeRefusedError(InvalidInputError):
    """There is nobody to replace: no case yet, or nobody handles it yet."""

    def __init__(self) -> None:
        reason = _(
            "Nobody handles your case yet. Whoever takes it on first can be changed afterwards."
        )
        super().__init__({"handler": [reason]}, message=reason)

    def page_message(self) -> str:
        return self.message


class ManagerDecisionRefusedError(InvalidInputError):
    """No proposal of a manager waits for the reporter's answer."""

    def __init__(self) -> None:
        reason = _("No manager is waiting for your approval.")
        super().__init__({"approved": [reason]}, message=reason)

    def page_message(self) -> str:
        return self.message


@transaction.atomic
def handler_change_request(*, access: ReporterAccess) -> Case:
    """The reporter asks for a different person to handle their case, without a reason.

    The present handler is recorded as in conflict with the case (``reports.conflicts``): it
    leaves their pages and cannot come back to them. The case stays theirs until a colleague
    reassigns it, through the usual flow (a second person approves while the reporter withholds
    their name); the colleagues are told, and so is the reporter once it is done.
    """
    report = report_locked_for(access)
    case = _case_of(report)
    if case is None or case.assigned_to is None:
        raise HandlerChangeRefusedError
    declined = case.assigned_to
    ConflictDeclaration.objects.get_or_create(
        staff=declined,
        report=report,
        source=ConflictDeclaration.Source.REPORTER,
        defaults={"declared_on": timezone.now().date()},
    )
    timeline_add(report, TimelineEvent.HANDLER_CHANGE_REQUESTED)
    # The declined handler no longer sees the case, nor holds its key.
    reader_wraps_sync(case, access.data_key)
    audit_record(
        stream=report.id,
        action=AuditAction.CASE_HANDLER_CHANGE_REQUESTED,
        actor_kind=REPORTER,
        detail={"from": declined.username},
    )
    staff_alert_send(
        kind="handler_change_requested",
        reference=report.reference,
        user_ids=case_handler_ids_free_of_conflict(case.handler_entity_id, report.id),
        obscure_time=True,
    )
    access.report = report
    return case


@transaction.atomic
def manager_decide(*, access: ReporterAccess, approved: bool) -> ManagerProposal:
    """The reporter approves or refuses the manager proposed to intervene."""
    report = report_locked_for(access)
    proposal = (
        ManagerProposal.objects.select_for_update()
        .filter(case__report=report, status=ManagerProposal.Status.PENDING)
        .order_by("-proposed_at")
        .first()
    )
    if proposal is None:
        raise ManagerDecisionRefusedError
    proposal.status = (
        ManagerProposal.Status.APPROVED if approved else ManagerProposal.Status.REFUSED
    )
    proposal.decided_on = timezone.now().date()
    proposal.save(update_fields=["status", "decided_on"])
    timeline_add(
        report, TimelineEvent.MANAGER_APPROVED if approved else TimelineEvent.MANAGER_REFUSED
    )
    audit_record(
        stream=report.id,
        action=AuditAction.MANAGER_APPROVED if approved else AuditAction.MANAGER_REFUSED,
        actor_kind=REPORTER,
        detail={"proposal": str(proposal.id)},
    )
    alert_staff(report, "manager_decided")
    access.report = report
    return proposal

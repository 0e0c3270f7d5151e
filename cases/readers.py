"""Who holds a report's key: the wraps follow the visibility rules (issue 14).

A shared report's data key is wrapped to the public key of each staff member who may read its
content, by the same rules the pages and the API apply (``cases.selectors.cases_visible_to``
and ``accounts.policy.reads_report_content``), and to the recovery keys of the entity and of
the entity handling it. Whoever holds the data key keeps the wraps in line with the rules
(``reader_wraps_sync``): the reporter in their session, or a staff member who holds a wrap, in
the request that changes who reads. Removing a reader needs no key at all; adding one does, so
a staff member holding none cannot add one: they are refused (``NoReadingKeyError``).

Readers whom an action without a key brought in (a new focal point, a role changed by an
administrator, a consent given in another report) wait until a colleague who holds the key
signs in or opens the case (``reading_keys_pass_on``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.dispatch import receiver

from accounts import policy
from accounts.models import User
from accounts.signals import reading_key_unlocked
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import CaseShreddedError, ReportUnreadableError
from cases.models import Case, ReadingKeyWait
from cases.selectors import cases_visible_to
from cases.transitions import AFFECTED_PERSON_DISCLOSURE
from referrals.models import Referral
from reports.reading import reader_key
from reports.vocabulary import ConsentAction
from vault import envelope, readers
from vault.models import KeyWrap, RecipientKey


def reads_content(user: User, case: Case) -> bool:
    """Whether ``user`` reads the report's narrative, messages and files: the policy's rule
    with this case's facts. The one question the wraps and the reads both ask."""
    return policy.reads_report_content(
        user,
        case,
        shared_with_advocate=case.report.current_consents()[ConsentAction.SHARE_WITH_ADVOCATE],
        shared_beyond_focal_points=AFFECTED_PERSON_DISCLOSURE.shared(case),
    )


def _candidates(case: Case) -> Iterable[User]:
    """Everyone who could see the case by role: staff of its entity and of the entity handling
    it, its investigator, and the ombudspersons of the services it was referred to."""
    referred = Referral.objects.filter(case=case).values_list(
        "service__entity_id", "service__staff_user_id"
    )
    entities: set[int] = {case.entity_id}
    people: set[int] = set()
    for entity_id, staff_user_id in [
        (case.handling_entity_id, case.investigator_id),
        *referred,
    ]:
        if entity_id is not None:
            entities.add(entity_id)
        if staff_user_id is not None:
            people.add(staff_user_id)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(entity_id__in=entities) | Q(pk__in=people))
        .select_related("entity")
    )


def readers_of(case: Case) -> list[User]:
    """Who may read the report's content now, by the visibility rules alone."""
    # Read the facts afresh: the action that called this may have just changed them.
    case.forget_context()
    return [
        user
        for user in _candidates(case)
        if policy.case_reach(user) is not policy.CaseReach.NONE
        and cases_visible_to(user).filter(pk=case.pk).exists()
        and reads_content(user, case)
    ]


def _recovery_keys(case: Case) -> list[RecipientKey]:
    entities = [case.entity_id] + ([case.handling_entity_id] if case.handling_entity_id else [])
    return list(RecipientKey.objects.filter(entity_id__in=entities))


def reader_wraps_sync(case: Case, key_material: bytes | None) -> list[User]:
    """Make the wraps of the case's report agree with ``readers_of``; returns the readers still
    without a wrap (they have no reading key yet, or no key was given to wrap with).

    ``key_material`` is the data key, held by whoever acts; ``None`` only removes.
    """
    data_key = case.report.data_key
    if key_material is None and envelope.is_sealed(data_key):
        return []
    readers_now = readers_of(case)
    keys = {key.user_id: key for key in RecipientKey.objects.filter(user__in=readers_now)}
    recovery = _recovery_keys(case)
    wanted = [keys[user.pk] for user in readers_now if user.pk in keys] + recovery
    held = envelope.recipients_of(data_key)
    keep = {key.id for key in wanted}
    added_ids: set[uuid.UUID] = set()
    if key_material is not None:
        added_ids = set(
            envelope.recipient_wraps_add(
                data_key=data_key, key_material=key_material, recipients=wanted, held=held
            )
        )
    added = [key for key in wanted if key.id in added_ids and key.user_id is not None]
    # Nothing to take away is the usual case (a new report, a case opened): no query for it.
    removed = _wraps_remove(case, keep=keep) if held - keep else []
    names = {user.pk: user.username for user in readers_now}
    if added:
        audit_record(
            stream=case.report_id,
            action=AuditAction.READING_KEY_GRANTED,
            actor_kind="system",
            detail={"readers": sorted(names[key.user_id] for key in added if key.user_id)},
        )
    if removed:
        audit_record(
            stream=case.report_id,
            action=AuditAction.READING_KEY_REMOVED,
            actor_kind="system",
            detail={"readers": removed},
        )
    # The wraps as this call left them: those held and kept, and those just added.
    have = (held & keep) | added_ids
    return [user for user in readers_now if user.pk not in keys or keys[user.pk].id not in have]


def _wraps_remove(case: Case, *, keep: set[uuid.UUID]) -> list[str]:
    gone = list(
        KeyWrap.objects.filter(data_key=case.report.data_key, kind=KeyWrap.Kind.RECIPIENT)
        .exclude(recipient_id__in=keep)
        .values_list("recipient__user__username", flat=True)
    )
    envelope.recipient_wraps_keep_only(data_key=case.report.data_key, keep=keep)
    return sorted(name or "recovery" for name in gone)


def reading_key_wait(case: Case, user: User) -> None:
    """``user`` may read the case but holds no key to it: the next holder who opens it passes
    it on. Nothing is recorded for a locked key (their own session lacks it: sign in again)."""
    if readers.unlocked_of(user) is not None and reads_content(user, case):
        ReadingKeyWait.objects.get_or_create(case=case, user=user)


def reading_key_waits_fulfil(case: Case, key_material: bytes) -> None:
    """Someone holding the key opened the case: anyone found waiting gets it now (one query
    when nobody waits)."""
    if ReadingKeyWait.objects.filter(case=case).exists():
        reader_wraps_sync(case, key_material)
        ReadingKeyWait.objects.filter(case=case).delete()


def reader_wraps_prune(case: Case) -> None:
    """Take the key from whoever no longer reads (a conflict, a withdrawn consent): no key is
    needed to remove a wrap."""
    reader_wraps_sync(case, None)


def case_key(case: Case, actor: User) -> bytes:
    """The report's data key through ``actor``'s own wrap, opened with their session's key.

    Raises ``ReportUnreadableError`` (sealed by the reporter), ``CaseShreddedError``, or
    ``NoReadingKeyError`` (the actor holds no wrap, or their key is locked).
    """
    try:
        return reader_key(case.report, actor)
    except envelope.DataKeyShreddedError:
        raise CaseShreddedError from None
    except envelope.DataKeySealedError:
        raise ReportUnreadableError from None


def reader_wraps_sync_as(case: Case, actor: User) -> None:
    """After a staff member's action on the case: wrap for every new reader with the actor's
    key. Refused (``NoReadingKeyError``, nothing written) when someone would become a reader
    and the actor holds no key to give them."""
    missing = reader_wraps_sync(case, None)
    if RecipientKey.objects.filter(user__in=missing).exists():
        reader_wraps_sync(case, case_key(case, actor))


def reading_keys_pass_on(holder: User) -> int:
    """Pass the keys ``holder`` holds on to every colleague who may read those reports but has
    no wrap yet; returns how many wraps were made. Runs when the holder signs in."""
    unlocked = readers.unlocked_of(holder)
    if unlocked is None:
        return 0
    held = Case.objects.filter(report__data_key__wraps__recipient_id=unlocked.recipient_id).values(
        "pk"
    )
    # Most sign-ins hold nothing to pass on (a new member, leadership): without this, each
    # still ran one query per colleague in the whole organisation.
    if not held.exists():
        return 0
    made = 0
    for colleague_key in (
        RecipientKey.objects.filter(
            user__is_active=True, user__role__in=policy.roles_reaching_cases()
        )
        .filter(_who_could_see(held))
        .exclude(pk=unlocked.recipient_id)
        .select_related("user")
    ):
        colleague = colleague_key.user
        assert colleague is not None  # noqa: S101 - staff keys name their user  # nosec B101
        waiting = (
            cases_visible_to(colleague)
            .filter(pk__in=held)
            .exclude(report__data_key__wraps__recipient_id=colleague_key.pk)
            .select_related("report", "report__data_key")
        )
        for case in waiting:
            if reads_content(colleague, case):
                key = envelope.open_as_recipient(case.report.data_key, unlocked)
                envelope.recipient_wraps_add(
                    data_key=case.report.data_key, key_material=key, recipients=[colleague_key]
                )
                audit_record(
                    stream=case.report_id,
                    action=AuditAction.READING_KEY_GRANTED,
                    actor=holder,
                    detail={"readers": [colleague.username]},
                )
                made += 1
    return made


def _who_could_see(held: QuerySet[Case, Any]) -> Q:
    """The staff who could see any of the ``held`` cases by role (``_candidates``, for many
    cases at once): so that a sign-in asks about colleagues of those entities only, not about
    everyone in the organisation."""
    cases = Case.objects.filter(pk__in=held)
    entities = set(cases.values_list("entity_id", flat=True)) | set(
        cases.filter(handling_entity__isnull=False).values_list("handling_entity_id", flat=True)
    )
    people = set(cases.filter(investigator__isnull=False).values_list("investigator_id", flat=True))
    for entity_id, staff_user_id in Referral.objects.filter(case__in=cases).values_list(
        "service__entity_id", "service__staff_user_id"
    ):
        entities.add(entity_id)
        if staff_user_id is not None:
            people.add(staff_user_id)
    return Q(user__entity_id__in=entities) | Q(user_id__in=people)


@receiver(reading_key_unlocked)
def _pass_on_at_sign_in(sender: object, user: User, **kwargs: object) -> None:
    reading_keys_pass_on(user)

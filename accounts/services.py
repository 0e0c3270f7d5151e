"""Writes to entities and staff accounts."""

from __future__ import annotations

import base64
import contextlib
import secrets
import zoneinfo
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy
from accounts.models import Entity, Role, StaffEnrolment, StaffToken, User
from accounts.signals import reading_key_unlocked
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from core.errors import InvalidCredentialsError, InvalidInputError, OtpRequiredError
from core.language_choice import language_offered, staff_language
from vault import readers
from vault.envelope import blind_index
from vault.models import KeyWrap, RecipientKey
from vault.names import person_name_index


@transaction.atomic
def staff_user_provision(
    *,
    username: str,
    role: str,
    entity: Entity | None,
    password: str,
    email: str = "",
    reading_key: readers.UnlockedKey | None = None,
) -> tuple[User, str]:
    """Create or reset a staff user with a password, one confirmed TOTP device and a reading key.

    Returns the user and the TOTP secret in base32, the form authenticator apps accept. The
    reading key is ``reading_key`` (the member's own, recovered) put under the new password, or
    else a new key pair, whose recovery key the caller shows once
    (``user.reading_key_enrolled``); the user leaves with their key unlocked, as if signed in.
    """
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user, _created = User.objects.get_or_create(
        username=username, defaults={"role": role, "entity": entity}
    )
    user.role = role
    user.entity = entity
    user.email = email
    user.is_active = True
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    TOTPDevice.objects.filter(user=user).delete()
    secret = secrets.token_bytes(20)
    TOTPDevice.objects.create(user=user, name="default", key=secret.hex(), confirmed=True)
    existing = RecipientKey.objects.filter(user=user).first()
    if reading_key is None and existing is not None:
        # Provisioned again with the same password (a demo seeded again): the key stays, and so
        # does every report key wrapped to it.
        with contextlib.suppress(readers.WrongPasswordForKeyError):
            reading_key = readers.staff_key_unlock(existing, password)
    if reading_key is not None and existing is not None:
        readers.staff_key_set_password(existing, reading_key, password)
        readers.attach(user, reading_key)
    else:
        _reading_key_enrol(user, password)
    return user, base64.b32encode(secret).decode()


def _reading_key_enrol(user: User, password: str) -> readers.EnrolledKey:
    """A new key pair under ``password``: any old one goes, with every report key wrapped to it
    (colleagues who hold those pass them on again, ``cases.readers``)."""
    enrolled = readers.staff_key_create(user_id=user.pk, password=password)
    user.reading_key_enrolled = enrolled  # type: ignore[attr-defined]
    readers.attach(user, enrolled.unlocked)
    audit_record(stream=SYSTEM_STREAM, action=AuditAction.READING_KEY_CREATED, actor=user)
    return enrolled


def staff_reading_key_unlock(user: User, password: str) -> readers.UnlockedKey | None:
    """At sign-in, with the password just checked: the member's private reading key, for this
    session only. A member from before reading keys gets one now (its recovery key is shown
    once, ``user.reading_key_enrolled``). ``None`` when the password does not open the key,
    which only an administrator's reset leaves (the member re-enrols with their recovery key)."""
    key = RecipientKey.objects.filter(user=user).first()
    if key is None:
        with transaction.atomic():
            return _reading_key_enrol(user, password).unlocked
    try:
        unlocked = readers.staff_key_unlock(key, password)
    except readers.WrongPasswordForKeyError:
        return None
    readers.attach(user, unlocked)
    return unlocked


def staff_reading_keys_pass_on(user: User) -> None:
    """Tell the rooms above that ``user`` holds an unlocked key: ``cases.readers`` passes the
    keys of the reports they hold on to colleagues who may read them but lack one."""
    if readers.unlocked_of(user) is not None:
        reading_key_unlocked.send(sender=User, user=user)


STAFF_TOKEN_LIFETIME = timedelta(hours=4)


class PasswordRefusedError(InvalidCredentialsError):
    """Unknown user, wrong password, or an account that may not sign in."""


class OtpRefusedError(OtpRequiredError):
    """Password right, second factor missing or wrong."""


def staff_verify_credentials(*, username: str, password: str, otp: str) -> tuple[User, TOTPDevice]:
    """Check password and TOTP; raises ``PasswordRefusedError`` or ``OtpRefusedError``."""
    user = authenticate(username=username, password=password)
    if not isinstance(user, User) or not policy.is_staff_member(user):
        raise PasswordRefusedError
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not otp or not device.verify_token(otp.strip()):
        raise OtpRefusedError
    return user, device


@transaction.atomic
def staff_token_issue(*, username: str, password: str, otp: str) -> tuple[str, User]:
    user, _device = staff_verify_credentials(username=username, password=password, otp=otp)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    unlocked = staff_reading_key_unlock(user, password)
    StaffToken.objects.create(
        token_index=blind_index("staff-token", token),
        user=user,
        created_at=now,
        expires_at=now + STAFF_TOKEN_LIFETIME,
        # The private key under the token itself, which only the client holds.
        reading_key_sealed=readers.unlock_seal(
            unlocked, token.encode(), binding=_token_binding(user)
        )
        if unlocked
        else b"",
    )
    audit_record(
        stream=SYSTEM_STREAM, action=AuditAction.STAFF_LOGIN, actor=user, detail={"via": "api"}
    )
    staff_reading_keys_pass_on(user)
    return token, user


def _token_binding(user: User) -> str:
    return f"staff-token:{user.pk}"


def staff_token_resolve(token: str) -> User | None:
    """The token's user, with their reading key unlocked for this request (the token opens it)."""
    if not token:
        return None
    found = (
        StaffToken.objects.select_related("user", "user__entity")
        .filter(token_index=blind_index("staff-token", token), expires_at__gt=timezone.now())
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    sealed = bytes(found.reading_key_sealed)
    if sealed:
        readers.attach(
            found.user,
            readers.unlock_open(sealed, token.encode(), binding=_token_binding(found.user)),
        )
    return found.user


def staff_sessions_purge() -> int:
    """Expired API tokens and page sessions are deleted, and with them the reading keys sealed
    in them (useless without the token or cookie, but kept no longer than the sign-in lasts).
    Returns how many tokens went."""
    deleted, _by_model = StaffToken.objects.filter(expires_at__lte=timezone.now()).delete()
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    SessionStore.clear_expired()
    return deleted


def staff_login_audit(*, user: User, via: str) -> None:
    audit_record(
        stream=SYSTEM_STREAM, action=AuditAction.STAFF_LOGIN, actor=user, detail={"via": via}
    )


class StaffUserInputError(InvalidInputError):
    """A staff account cannot be created or changed as asked; ``fields`` says why."""


ENROLMENT_LIFETIME = timedelta(hours=48)


class InvalidEnrolmentError(InvalidCredentialsError):
    """Unknown, used or expired enrolment token."""

    default_message = gettext_lazy("This invitation is unknown, used or expired.")
    page_words = gettext_lazy(
        "This invitation is unknown, used or expired. Ask an administrator for a new one."
    )


@transaction.atomic
def staff_user_create(
    *,
    actor: User,
    username: str,
    role: str,
    entity: Entity | None,
    email: str,
    full_name: str = "",
) -> User:
    """An administrator adds a staff member, who is invited by email to enrol.

    The account has no usable password and no second factor until its owner enrols with the
    emailed token, which the administrator never sees.
    """
    if User.objects.filter(username=username).exists():
        raise StaffUserInputError({"username": [_("This username is taken.")]})
    if not email:
        raise StaffUserInputError(
            {"email": [_("The invitation to enrol is sent to this address.")]}
        )
    if policy.role_belongs_to_entity(role) and entity is None:
        raise StaffUserInputError(
            {"entity": [_("Every role except administrator belongs to an entity.")]}
        )
    if not policy.manages_staff_of(actor, entity.pk if entity else None):
        raise StaffUserInputError({"entity": [_("You manage the staff of your own entity only.")]})
    user = User(username=username, role=role, entity=entity, email=email, is_active=True)
    # Only the keyed index of the name is kept: it finds reports that name the new member.
    user.name_index = person_name_index(full_name) or ""
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
        with transaction.atomic():
            user.save()
    except DjangoValidationError as error:
        raise StaffUserInputError(error.message_dict) from None
    except IntegrityError:
        raise StaffUserInputError({"username": [_("This username is taken.")]}) from None
    _enrolment_issue(user)
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_USER_CREATED,
        actor=actor,
        detail={
            "username": username,
            "role": role,
            "entity": entity.code if entity else None,
            "email": email,
            "name_given": bool(user.name_index),
        },
    )
    return user


def _enrolment_issue(user: User) -> None:
    token = secrets.token_urlsafe(32)
    StaffEnrolment.objects.update_or_create(
        user=user,
        defaults={
            "token_index": blind_index("staff-enrolment", token),
            "expires_at": timezone.now() + ENROLMENT_LIFETIME,
        },
    )
    link = f"{settings.UPSTANDER_BASE_URL.rstrip('/')}/staff/enrol/?token={token}"
    # In the new member's language, not in that of the administrator who invites them.
    with translation.override(staff_language(user.language)):
        subject = _("Your Upstander staff account")
        body = _(
            "An account was created for you (username: %(username)s). Choose your password and "
            "set up your authenticator app within 48 hours at: %(link)s"
        ) % {"username": user.username, "link": link}
    # Sent straight after commit, not through the outbox: the token must not rest in a table.
    # A failed send leaves the account waiting: an administrator sends a new invitation.
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [user.email], fail_silently=False), robust=True
    )


@transaction.atomic
def staff_invitation_resend(*, actor: User, user: User) -> None:
    """A new invitation (the old one stops working) for someone who has not enrolled yet."""
    if user.has_usable_password() or not user.is_active:
        raise StaffUserInputError(
            {"username": [_("This person has already enrolled or has left.")]}
        )
    _enrolment_issue(user)
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_INVITATION_RESENT,
        actor=actor,
        detail={"username": user.username},
    )


class WrongRecoveryKeyError(InvalidInputError):
    """The recovery key given does not open the member's reading key; nothing was changed."""


@transaction.atomic
def staff_enrol(*, token: str, password: str, recovery_key: str = "") -> tuple[User, str]:
    """The new staff member chooses a password; returns them and their TOTP secret (shown once).

    Someone enrolling again after an administrator's reset may give the recovery key they were
    shown the first time: their reading key, and every report key wrapped to it, stay theirs.
    Without it they get a new key pair, and colleagues who hold the reports pass them on.
    """
    enrolment = (
        StaffEnrolment.objects.select_for_update()
        .select_related("user")
        .filter(token_index=blind_index("staff-enrolment", token), expires_at__gt=timezone.now())
        .first()
    )
    if enrolment is None or not enrolment.user.is_active:
        raise InvalidEnrolmentError
    user = enrolment.user
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        raise StaffUserInputError({"password": list(error.messages)}) from None
    recovered = None
    if recovery_key.strip():
        existing = RecipientKey.objects.filter(user=user).first()
        try:
            if existing is None:
                raise readers.WrongRecoveryKeyError
            recovered = readers.staff_key_recover(existing, recovery_key)
        except readers.WrongRecoveryKeyError:
            raise WrongRecoveryKeyError(
                {
                    "recovery_key": [
                        _(
                            "This recovery key does not open your reading key. Check it, or "
                            "leave the field empty to start with a new key."
                        )
                    ]
                }
            ) from None
    user, totp_secret = staff_user_provision(
        username=user.username,
        role=user.role,
        entity=user.entity,
        password=password,
        email=user.email,
        reading_key=recovered,
    )
    enrolment.delete()
    audit_record(stream=SYSTEM_STREAM, action=AuditAction.STAFF_ENROLLED, actor=user)
    if recovered is not None:
        audit_record(stream=SYSTEM_STREAM, action=AuditAction.READING_KEY_RECOVERED, actor=user)
    return user, totp_secret


@transaction.atomic
def staff_sign_in_reset(*, actor: User, user: User) -> None:
    """An administrator resets a colleague who lost their password or authenticator: the account
    cannot sign in until its owner enrols again from a new emailed invitation.

    The administrator never learns the new password, and the new password does not open the old
    reading key: only the member's own recovery key does, at enrolment. Without it, they read
    again once colleagues who hold the reports pass the keys on.
    """
    if not policy.manages_staff_of(actor, user.entity_id):
        raise StaffUserInputError(
            {"username": [_("You manage the staff of your own entity only.")]}
        )
    if user.pk == actor.pk or not user.is_active:
        raise StaffUserInputError(
            {"username": [_("You cannot reset your own sign-in or that of someone who left.")]}
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=user).delete()
    StaffToken.objects.filter(user=user).delete()
    key = RecipientKey.objects.filter(user=user).first()
    if key is not None:
        readers.staff_key_forget_password(key)
    _enrolment_issue(user)
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_SIGN_IN_RESET,
        actor=actor,
        detail={"username": user.username},
    )


class PasswordChangeError(InvalidInputError):
    """The password cannot be changed as asked; ``fields`` says why. Nothing was changed."""


@transaction.atomic
def staff_password_change(*, actor: User, current: str, new: str) -> User:
    """The member changes their own password; their reading key is re-encrypted under it."""
    if not actor.check_password(current):
        raise PasswordChangeError({"current_password": [_("This is not your current password.")]})
    try:
        validate_password(new, actor)
    except DjangoValidationError as error:
        raise PasswordChangeError({"new_password": list(error.messages)}) from None
    key = RecipientKey.objects.select_for_update().filter(user=actor).first()
    unlocked = None
    if key is not None:
        try:
            unlocked = readers.staff_key_unlock(key, current)
        except readers.WrongPasswordForKeyError:
            unlocked = None
    actor.set_password(new)
    actor.save(update_fields=["password"])
    if key is not None and unlocked is not None:
        readers.staff_key_set_password(key, unlocked, new)
    audit_record(stream=SYSTEM_STREAM, action=AuditAction.READING_KEY_PASSWORD_CHANGED, actor=actor)
    return actor


@transaction.atomic
def staff_user_deactivate(*, actor: User, user: User) -> User:
    """Departure: the account can no longer sign in and its API tokens stop working."""
    if user.pk == actor.pk:
        raise StaffUserInputError({"username": [_("You cannot deactivate your own account.")]})
    user.is_active = False
    user.save(update_fields=["is_active"])
    StaffToken.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    # Their reading key goes, and with it every report key wrapped to it (issue 14).
    RecipientKey.objects.filter(user=user).delete()
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_USER_DEACTIVATED,
        actor=actor,
        detail={"username": user.username},
    )
    return user


def time_zone_choices() -> list[str]:
    """The IANA time zones a staff member may choose, sorted for the settings page's select."""
    return sorted(zoneinfo.available_timezones())


def staff_settings_set(*, actor: User, time_zone: str, language: str) -> User:
    """The signed-in staff member chooses, for themselves only, the zone their pages show dates
    in and the language of their pages and emails (blank: their browser's); both or neither."""
    errors: dict[str, list[str]] = {}
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = [_("Choose a time zone from the list.")]
    if language and not language_offered(language):
        errors["language"] = [_("Choose a language from the list.")]
    if errors:
        raise StaffUserInputError(errors)
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(time_zone=time_zone, language=language)
    actor.time_zone, actor.language = time_zone, language
    return actor


@transaction.atomic
def staff_role_change(*, actor: User, user: User, role: str) -> User:
    """An administrator gives a colleague another role, within the entity they already serve."""
    if role not in Role.values:
        raise StaffUserInputError({"role": [_("Choose one of the roles offered.")]})
    if not policy.manages_staff_of(actor, user.entity_id):
        raise StaffUserInputError(
            {"username": [_("You manage the staff of your own entity only.")]}
        )
    if user.pk == actor.pk:
        # Nobody widens or gives up their own administration unseen by a second administrator.
        raise StaffUserInputError({"role": [_("You cannot change your own role.")]})
    if policy.role_belongs_to_entity(role) and user.entity_id is None:
        raise StaffUserInputError(
            {"role": [_("Every role except administrator belongs to an entity.")]}
        )
    previous = user.role
    # What the old role read goes now; what the new role reads, colleagues who hold it pass on
    # (``cases.readers``).
    KeyWrap.objects.filter(recipient__user=user).delete()
    user.role = role
    # Only a focal point is a senior focal point: another role ends it (issue 12).
    user.senior_focal_point = user.senior_focal_point and policy.may_be_senior_focal_point(user)
    user.save(update_fields=["role", "senior_focal_point"])
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_ROLE_CHANGED,
        actor=actor,
        detail={"username": user.username, "from": previous, "to": role},
    )
    return user


@transaction.atomic
def staff_senior_focal_point_set(*, actor: User, user: User, senior: bool) -> User:
    """An administrator names a focal point the entity's senior focal point, or stops it.

    Every report of retaliation in the entity reaches its senior focal points (issue 12); an
    entity may name more than one (absence cover).
    """
    if not policy.names_senior_focal_point(actor, user):
        raise StaffUserInputError(
            {"username": [_("You manage the staff of your own entity only.")]}
        )
    if senior and not (user.is_active and policy.may_be_senior_focal_point(user)):
        raise StaffUserInputError(
            {"senior_focal_point": [_("Only an active focal point can be the senior focal point.")]}
        )
    user.senior_focal_point = senior
    user.save(update_fields=["senior_focal_point"])
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_SENIOR_FOCAL_POINT_SET,
        actor=actor,
        detail={"username": user.username, "senior_focal_point": senior},
    )
    return user


class EntityInputError(InvalidInputError):
    """An entity cannot be created or changed as asked; ``fields`` says why."""


# Feedback within a year at most: the reporter is told this promise, and none longer is kept.
FEEDBACK_DUE_MONTHS = range(1, 13)


def _entity_save(entity: Entity) -> None:
    if entity.feedback_due_months not in FEEDBACK_DUE_MONTHS:
        raise EntityInputError(
            {"feedback_due_months": [_("Choose a number of months from 1 to 12.")]}
        )
    try:
        entity.full_clean()
        with transaction.atomic():
            entity.save()
    except DjangoValidationError as error:
        raise EntityInputError(error.message_dict) from None
    except IntegrityError:
        raise EntityInputError({"code": [_("An entity with this code exists.")]}) from None


def _entity_audit(action: AuditAction, *, actor: User, entity: Entity) -> None:
    detail = {
        "code": entity.code,
        "name": entity.name,
        "publishes_transparency_report": entity.publishes_transparency_report,
        "feedback_due_months": entity.feedback_due_months,
        "focal_point_contact": entity.focal_point_contact,
        "senior_band": entity.senior_band,
        "independent_handler": (
            entity.independent_handler.code if entity.independent_handler else None
        ),
    }
    audit_record(stream=SYSTEM_STREAM, action=action, actor=actor, detail=detail)


@transaction.atomic
def entity_create(
    *,
    actor: User,
    code: str,
    name: str,
    publishes_transparency_report: bool,
    feedback_due_months: int,
    focal_point_contact: str = "",
) -> Entity:
    """A system-wide administrator adds an organisation that accepts reports.

    The entity gets its recovery key pair (issue 14): report keys are wrapped to its public
    half, and its private half is never stored. The caller shows it once
    (``entity.recovery_key_shown_once``: whole and as two shares) for two officers to print
    and keep offline; ``manage.py recover_access`` needs it to give reading rights back.
    """
    if not policy.creates_entities(actor):
        raise EntityInputError({"code": [_("Only a system-wide administrator adds entities.")]})
    entity = Entity(
        code=code,
        name=name,
        publishes_transparency_report=publishes_transparency_report,
        feedback_due_months=feedback_due_months,
        focal_point_contact=focal_point_contact,
    )
    _entity_save(entity)
    # Not ``entity.recovery_key``: that name is the stored public key's reverse accessor.
    entity.recovery_key_shown_once = entity_recovery_key_issue(  # type: ignore[attr-defined]
        entity=entity, actor=actor
    )
    _entity_audit(AuditAction.ENTITY_CREATED, actor=actor, entity=entity)
    return entity


@transaction.atomic
def entity_change(
    *,
    actor: User,
    entity: Entity,
    name: str,
    publishes_transparency_report: bool,
    feedback_due_months: int,
    focal_point_contact: str = "",
) -> Entity:
    """An entity's administrator renames it, publishes its transparency report or not, and sets
    how many months after acknowledgement feedback is due to its reporters."""
    if not policy.manages_entity(actor, entity.pk):
        raise EntityInputError({"name": [_("You manage your own entity only.")]})
    entity.name = name
    entity.publishes_transparency_report = publishes_transparency_report
    entity.feedback_due_months = feedback_due_months
    entity.focal_point_contact = focal_point_contact
    _entity_save(entity)
    _entity_audit(AuditAction.ENTITY_CHANGED, actor=actor, entity=entity)
    return entity


@transaction.atomic
def entity_routing_set(
    *, actor: User, entity: Entity, senior_band: str, independent_handler: Entity | None
) -> Entity:
    """An entity's administrator sets from which band a case's subject counts as senior, and
    the other entity's office (or a central one) whose focal points then handle the case,
    outside the entity's own line (issue 12). Blank band: no case is routed away; a band
    without a handler leaves such cases with the entity, and their case page says so."""
    if not policy.manages_entity(actor, entity.pk):
        raise EntityInputError({"senior_band": [_("You manage your own entity only.")]})
    if independent_handler is not None and independent_handler.pk == entity.pk:
        raise EntityInputError(
            {"independent_handler": [_("Choose another entity: its own line is not independent.")]}
        )
    entity.senior_band = senior_band
    entity.independent_handler = independent_handler
    _entity_save(entity)
    _entity_audit(AuditAction.ENTITY_CHANGED, actor=actor, entity=entity)
    return entity


@transaction.atomic
def entity_recovery_key_issue(
    *, entity: Entity, actor: User | None = None
) -> readers.EntityRecoveryKey:
    """The entity's recovery key pair (issue 14), made once by an operator: its private half
    is returned to be shown once and never stored. ``ValueError`` if the entity has one."""
    issued = readers.entity_recovery_key_create(entity_id=entity.pk)
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.ENTITY_RECOVERY_KEY_CREATED,
        actor=actor,
        actor_kind=None if actor is not None else "system",
        detail={"entity": entity.code},
    )
    return issued

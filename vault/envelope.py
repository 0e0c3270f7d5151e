"""Envelope operations: create, wrap, open, rotate and shred data keys; seal and open fields.

Every app encrypts through this module. Key material lives in local variables only: it is
never logged, never stored unwrapped and never put in a cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from vault import crypto
from vault.fields import Ciphertext, EncryptedField
from vault.keyring import KeyEncryptionKey, decode_blind_index_key, server_keyring
from vault.models import DataKey, KeyFingerprint, KeyWrap, RecipientKey
from vault.readers import UnlockedKey


class DataKeySealedError(Exception):
    """Only the reporter's receipt can open this data key: there is no organisation wrapping."""


class DataKeyShreddedError(Exception):
    """The data key was destroyed on purpose; what it protected can never be read again."""


class KeyVersionMissingError(Exception):
    """A wrapping names a KEK version that the server's ``UPSTANDER_KEKS`` does not hold."""


class WrongReceiptError(Exception):
    """The receipt given does not open this data key."""


# --- Key-encryption keys ------------------------------------------------------------------


def kek_fingerprint(kek: KeyEncryptionKey) -> str:
    return crypto.mac(kek.secret, b"upstander-kek-fingerprint-v1").hex()


class KeyMismatchError(Exception):
    """The configured key of a KEK version is not the one that wrapped the stored data."""


def _remember_fingerprint(kek: KeyEncryptionKey) -> None:
    """Record which key a version is, the first time it wraps anything; refuse a different one.

    Written in the caller's transaction, so a rollback cannot leave a version unrecorded.
    """
    fingerprint = kek_fingerprint(kek)
    stored, _created = KeyFingerprint.objects.get_or_create(
        kek_version=kek.version, defaults={"fingerprint": fingerprint}
    )
    if stored.fingerprint != fingerprint:
        raise KeyMismatchError(
            f"UPSTANDER_KEKS: the key given for version {kek.version!r} is not the key that "
            "wrapped the stored data."
        )


def _wrap_aad(data_key_id: object, kind: str, kek_version: str) -> bytes:
    return crypto.associated_data("vault_keywrap", f"{kind}:{kek_version}", data_key_id)


def _wrap_with_kek(data_key_id: object, key_material: bytes, kek: KeyEncryptionKey) -> bytes:
    aad = _wrap_aad(data_key_id, KeyWrap.Kind.ORGANISATION, kek.version)
    return crypto.encrypt(kek.secret, key_material, aad)


def _unwrap_with_kek(wrap: KeyWrap) -> bytes:
    kek = server_keyring().get(wrap.kek_version)
    if kek is None:
        raise KeyVersionMissingError(
            f"UPSTANDER_KEKS has no key of version {wrap.kek_version!r}, which wrapped stored data."
        )
    aad = _wrap_aad(wrap.data_key_id, wrap.kind, wrap.kek_version)
    return crypto.decrypt(kek.secret, bytes(wrap.wrapped_key), aad)


# --- Data keys ------------------------------------------------------------------------------


def receipt_key(receipt: str, salt: bytes) -> bytes:
    return crypto.derive_key_from_receipt(receipt, salt, **settings.UPSTANDER_RECEIPT_KDF)


@dataclass(frozen=True)
class PreparedDataKey:
    """A data key and its receipt wrapping, computed but not yet stored."""

    id: uuid.UUID
    key_material: bytes
    salt: bytes
    wrapped_key: bytes


def data_key_prepare(*, receipt: str) -> PreparedDataKey:
    """The slow part (Argon2id), to run before a transaction opens and rows are locked."""
    data_key_id = uuid.uuid4()
    key_material = crypto.new_data_key()
    salt = crypto.new_salt()
    wrapped = receipt_wrap(data_key_id, key_material, receipt_key(receipt, salt))
    return PreparedDataKey(
        id=data_key_id, key_material=key_material, salt=salt, wrapped_key=wrapped
    )


def receipt_wrap(data_key_id: uuid.UUID, key_material: bytes, derived: bytes) -> bytes:
    """The data key under ``derived``, the key a receipt derives (``receipt_key``)."""
    return crypto.encrypt(derived, key_material, _wrap_aad(data_key_id, KeyWrap.Kind.RECEIPT, ""))


def recipient_wrap(
    data_key_id: uuid.UUID, key_material: bytes, *, recipient_id: uuid.UUID, public_key: bytes
) -> bytes:
    """The data key sealed to one recipient's public key."""
    return crypto.seal_to_public_key(
        public_key, key_material, _recipient_aad(data_key_id, recipient_id)
    )


@transaction.atomic
def data_key_store(prepared: PreparedDataKey) -> DataKey:
    """Store a prepared data key: it starts sealed, wrapped under the receipt only."""
    data_key = DataKey(
        id=prepared.id, drop_public_key=crypto.drop_public_key(prepared.key_material)
    )
    data_key.save(force_insert=True)
    KeyWrap.objects.create(
        data_key=data_key,
        kind=KeyWrap.Kind.RECEIPT,
        salt=prepared.salt,
        wrapped_key=prepared.wrapped_key,
    )
    return data_key


def data_key_create(*, receipt: str) -> tuple[DataKey, bytes]:
    """A new data key, wrapped under the receipt only: the report starts sealed."""
    prepared = data_key_prepare(receipt=receipt)
    return data_key_store(prepared), prepared.key_material


@dataclass(frozen=True)
class ReceiptOpening:
    """What a receipt opens: the data key, and the key derived from the receipt that wraps it.

    The derived key is kept (wrapped for the reporter's session only) so that a re-sealed
    report can get a new data key under the same receipt without asking for it again.
    """

    key_material: bytes = field(repr=False)
    receipt_key: bytes = field(repr=False)


def open_with_receipt(data_key: DataKey, receipt: str) -> bytes:
    return receipt_open(data_key, receipt).key_material


def receipt_open(data_key: DataKey, receipt: str) -> ReceiptOpening:
    wrap = _wrap_of(data_key, KeyWrap.Kind.RECEIPT)
    if wrap is None:
        raise DataKeyShreddedError(str(data_key.id))
    derived = receipt_key(receipt, bytes(wrap.salt))
    return ReceiptOpening(key_material=_open_receipt_wrap(wrap, derived), receipt_key=derived)


def _open_receipt_wrap(wrap: KeyWrap, derived: bytes) -> bytes:
    try:
        return crypto.decrypt(
            derived,
            bytes(wrap.wrapped_key),
            _wrap_aad(wrap.data_key_id, KeyWrap.Kind.RECEIPT, ""),
        )
    except crypto.DecryptionError:
        raise WrongReceiptError(str(wrap.data_key_id)) from None


class NotARecipientError(Exception):
    """The report is shared, but not with this reader: no wrapping to their key exists."""


def _recipient_aad(data_key_id: object, recipient_id: object) -> bytes:
    return _wrap_aad(data_key_id, KeyWrap.Kind.RECIPIENT, str(recipient_id))


def open_as_recipient(data_key: DataKey, unlocked: UnlockedKey) -> bytes:
    """The data key through the wrapping to ``unlocked``'s public key.

    Before issue 14's migration (``move_to_recipient_keys``) has moved a report, its
    organisation wrapping still opens it. Raises ``DataKeyShreddedError``,
    ``DataKeySealedError`` (shared with nobody) or ``NotARecipientError``.
    """
    wraps = {
        (wrap.kind, wrap.recipient_id): wrap
        for wrap in KeyWrap.objects.filter(data_key=data_key).exclude(kind=KeyWrap.Kind.RECEIPT)
    }
    mine = wraps.get((KeyWrap.Kind.RECIPIENT, unlocked.recipient_id))
    if mine is not None:
        return crypto.open_with_private_key(
            unlocked.private_key,
            bytes(mine.wrapped_key),
            _recipient_aad(data_key.id, unlocked.recipient_id),
        )
    legacy = wraps.get((KeyWrap.Kind.ORGANISATION, None))
    if legacy is not None:
        return _unwrap_with_kek(legacy)
    # Ask the database, not the instance: it may have been shredded or sealed since.
    state = DataKey.objects.filter(pk=data_key.pk).values("shredded_at", "shared").first()
    if state is None or state["shredded_at"] is not None:
        raise DataKeyShreddedError(str(data_key.id))
    if not state["shared"]:
        raise DataKeySealedError(str(data_key.id))
    raise NotARecipientError(str(data_key.id))


def open_with_organisation_key(data_key: DataKey) -> bytes:
    """Only for moving a report off the server's wrapping (``move_to_recipient_keys``)."""
    wrap = _wrap_of(data_key, KeyWrap.Kind.ORGANISATION)
    if wrap is None:
        raise DataKeySealedError(str(data_key.id))
    return _unwrap_with_kek(wrap)


def is_sealed(data_key: DataKey) -> bool:
    """Sealed: the receipt alone opens it; the reporter has not shared it (or sealed it again)."""
    return not DataKey.objects.filter(pk=data_key.pk, shared=True).exists()


def data_key_share(*, data_key: DataKey) -> None:
    """The reporter shares the report: from now on it is wrapped to whoever may read it."""
    DataKey.objects.filter(pk=data_key.pk).update(shared=True)
    data_key.shared = True


def recipients_of(data_key: DataKey) -> set[uuid.UUID]:
    """The recipient keys the data key is wrapped to."""
    return set(
        data_key.wraps.filter(kind=KeyWrap.Kind.RECIPIENT).values_list("recipient_id", flat=True)
    )


def recipient_wraps_add(
    *,
    data_key: DataKey,
    key_material: bytes,
    recipients: Iterable[RecipientKey],
    held: set[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Wrap the data key to each recipient that has no wrapping yet; returns those added.

    Only a public key is needed: whoever holds the data key (the reporter's session, a reader's
    session) can add readers; nothing on the server alone can read what it wraps. ``held`` is
    ``recipients_of(data_key)`` when the caller has just read it.
    """
    if not bytes(data_key.drop_public_key):
        # A data key from before drop keys: whoever holds it adds its drop key.
        data_key.drop_public_key = crypto.drop_public_key(key_material)
        data_key.save(update_fields=["drop_public_key"])
    have = recipients_of(data_key) if held is None else held
    added = [
        KeyWrap(
            data_key=data_key,
            kind=KeyWrap.Kind.RECIPIENT,
            recipient=recipient,
            wrapped_key=recipient_wrap(
                data_key.id,
                key_material,
                recipient_id=recipient.id,
                public_key=bytes(recipient.public_key),
            ),
        )
        for recipient in recipients
        if recipient.id not in have
    ]
    KeyWrap.objects.bulk_create(added)
    return [wrap.recipient_id for wrap in added if wrap.recipient_id is not None]


def recipient_wraps_keep_only(*, data_key: DataKey, keep: Iterable[uuid.UUID]) -> int:
    """Delete the wrapping of every recipient not in ``keep``; returns how many went."""
    deleted, _by_model = (
        data_key.wraps.filter(kind=KeyWrap.Kind.RECIPIENT).exclude(recipient_id__in=list(keep))
    ).delete()
    return deleted


@transaction.atomic
def organisation_wrap_add(*, data_key: DataKey, key_material: bytes) -> None:
    """The scheme before issue 14: the data key under the server's KEK. Nothing in the service
    writes one any more; it stays so that the KEK rotation of databases not yet moved
    (``move_to_recipient_keys``) and its tests keep working."""
    kek = server_keyring().current
    _remember_fingerprint(kek)
    DataKey.objects.filter(pk=data_key.pk).update(shared=True)
    KeyWrap.objects.update_or_create(
        data_key=data_key,
        kind=KeyWrap.Kind.ORGANISATION,
        defaults={
            "kek_version": kek.version,
            "salt": b"",
            "wrapped_key": _wrap_with_kek(data_key.id, key_material, kek),
        },
    )


def organisation_wrap_remove(*, data_key: DataKey) -> None:
    """Re-seal: every wrapping but the receipt's goes, so only the receipt opens the report."""
    data_key.wraps.exclude(kind=KeyWrap.Kind.RECEIPT).delete()
    DataKey.objects.filter(pk=data_key.pk).update(shared=False)
    data_key.shared = False


@transaction.atomic
def data_key_shred(*, data_key: DataKey) -> None:
    """Crypto-shredding: destroy every wrapping, so the data key can never be recovered."""
    data_key.wraps.all().delete()
    data_key.shredded_at = timezone.now()
    data_key.save(update_fields=["shredded_at"])


@transaction.atomic
def data_key_replace(*, data_key: DataKey, receipt_key: bytes) -> tuple[DataKey, bytes]:
    """A new data key under the same receipt, for a report its reporter sealed again.

    Why a new key rather than only deleting the organisation's wrapping: a backup taken while
    the report was shared holds that wrapping of the old key, and with the server's KEK it opens
    the old key. Everything re-encrypted under the new key (and everything written later) is out
    of that backup's reach. ``receipt_key`` is the key derived from the receipt
    (``ReceiptOpening.receipt_key``, kept by the reporter's session), checked against the
    current receipt wrapping first: a wrong one would lock the reporter out of their report.
    The caller re-encrypts every ciphertext, points the report at the new key and retires the
    old one (``data_key_retire``), all in one transaction.
    """
    wrap = (
        KeyWrap.objects.select_for_update()
        .filter(data_key=data_key, kind=KeyWrap.Kind.RECEIPT)
        .first()
    )
    if wrap is None:
        raise DataKeyShreddedError(str(data_key.id))
    _open_receipt_wrap(wrap, receipt_key)
    key_material = crypto.new_data_key()
    replacement = DataKey(id=uuid.uuid4(), drop_public_key=crypto.drop_public_key(key_material))
    replacement.save(force_insert=True)
    KeyWrap.objects.create(
        data_key=replacement,
        kind=KeyWrap.Kind.RECEIPT,
        # The same salt: the receipt and what it derives do not change, only the key it opens.
        salt=bytes(wrap.salt),
        wrapped_key=crypto.encrypt(
            receipt_key, key_material, _wrap_aad(replacement.id, KeyWrap.Kind.RECEIPT, "")
        ),
    )
    return replacement, key_material


def data_key_retire(*, data_key: DataKey) -> None:
    """Delete a replaced data key with every wrapping of it, the organisation's included."""
    data_key.wraps.all().delete()
    data_key.delete()


def _wrap_of(data_key: DataKey, kind: str) -> KeyWrap | None:
    return KeyWrap.objects.filter(data_key=data_key, kind=kind).first()


def kek_rotate(*, batch_size: int = 5000) -> int:
    """Rewrap every organisation wrapping under the current KEK; returns how many changed.

    Each batch is its own transaction, so an interrupted rotation resumes where it stopped
    and the data stays readable throughout (old and new versions are both in the keyring).
    Only wrapped keys are rewritten: no report content is decrypted, nothing plain is written.
    """
    current = server_keyring().current
    _remember_fingerprint(current)
    changed = 0
    last_id: uuid.UUID | None = None
    while True:
        with transaction.atomic():
            query = (
                KeyWrap.objects.select_for_update()
                .filter(kind=KeyWrap.Kind.ORGANISATION)
                .exclude(kek_version=current.version)
                .only("id", "data_key_id", "kind", "kek_version", "wrapped_key")
                .order_by("id")
            )
            if last_id is not None:
                # Keyset pagination: each batch starts after the last, so the scan stays linear.
                query = query.filter(id__gt=last_id)
            batch = list(query[:batch_size])
            if not batch:
                break
            _rewrapped_store(
                current.version,
                [
                    (wrap.id, _wrap_with_kek(wrap.data_key_id, _unwrap_with_kek(wrap), current))
                    for wrap in batch
                ],
            )
        changed += len(batch)
        last_id = batch[-1].id
    return changed


_TABLE = KeyWrap._meta.db_table
# One statement a batch on PostgreSQL: the batch's ids and wrappings as two arrays, joined to
# the table. An UPDATE a row, even prepared, costs a round trip and a plan each: at a million
# wrappings, most of the rotation's time.
_REWRAPPED_ALL = (
    f'UPDATE "{_TABLE}" AS wrap SET wrapped_key = given.wrapped_key, kek_version = %s '  # noqa: S608  # nosec B608  # table name from the model, values bound
    "FROM unnest(%s::uuid[], %s::bytea[]) AS given(id, wrapped_key) WHERE wrap.id = given.id"
)
_REWRAPPED_ONE = f'UPDATE "{_TABLE}" SET wrapped_key = %s, kek_version = %s WHERE id = %s'  # noqa: S608  # nosec B608


def _rewrapped_store(version: str, rewrapped: list[tuple[uuid.UUID, bytes]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, wrapped = zip(*rewrapped, strict=True)
            cursor.execute(_REWRAPPED_ALL, [version, list(ids), list(wrapped)])
            return
        # SQLite (the demo): a few keys, no arrays.
        pk = KeyWrap._meta.pk
        cursor.executemany(
            _REWRAPPED_ONE,
            [
                (key, version, pk.get_db_prep_value(wrap_id, connection) if pk else wrap_id)
                for wrap_id, key in rewrapped
            ],
        )


# --- Fields ---------------------------------------------------------------------------------


def _field_aad(instance: models.Model, field_name: str) -> bytes:
    if instance.pk is None:
        raise ValueError("seal() needs the row's primary key: give the model a UUID default")
    return _column_aad(type(instance), field_name, instance.pk)


def _column_aad(model: type[models.Model], field_name: str, row_id: object) -> bytes:
    field = model._meta.get_field(field_name)
    if not isinstance(field, EncryptedField):
        raise TypeError(f"{model.__name__}.{field_name} is not an EncryptedField")
    return crypto.associated_data(model._meta.db_table, str(field.column), row_id)


def sealed_value(
    model: type[models.Model], field_name: str, row_id: object, plaintext: bytes, key: bytes
) -> bytes:
    """What ``seal`` would store in ``field_name`` of the row ``row_id``, for writing rows in
    bulk without model instances (the benchmark data's loader)."""
    return crypto.encrypt(key, plaintext, _column_aad(model, field_name, row_id))


def seal(
    instance: models.Model, field_name: str, plaintext: str | bytes | None, key: bytes
) -> None:
    """Encrypt ``plaintext`` into ``instance.<field_name>``, bound to this row and column."""
    if plaintext is None:
        setattr(instance, field_name, None)
        return
    raw = plaintext.encode() if isinstance(plaintext, str) else plaintext
    setattr(
        instance, field_name, Ciphertext(crypto.encrypt(key, raw, _field_aad(instance, field_name)))
    )


class NoDropKeyError(Exception):
    """The report has no drop key yet: only someone who holds its data key can write to it."""


def seal_for_readers(
    instance: models.Model, field_name: str, plaintext: str, data_key: DataKey
) -> None:
    """Encrypt ``plaintext`` for the report's readers without holding its data key: sealed to
    the report's drop key. The writer can no more read it back than anything else of the
    report; its readers (and the reporter) open it as they open every field."""
    public = bytes(data_key.drop_public_key)
    if not public:
        raise NoDropKeyError(str(data_key.id))
    blob = crypto.seal_to_drop_key(public, plaintext.encode(), _field_aad(instance, field_name))
    setattr(instance, field_name, Ciphertext(blob))


def reseal(instance: models.Model, field_name: str, *, old_key: bytes, new_key: bytes) -> None:
    """Re-encrypt ``instance.<field_name>`` from one data key to another (same row, column)."""
    seal(instance, field_name, open_bytes(instance, field_name, old_key), new_key)


def open_bytes(instance: models.Model, field_name: str, key: bytes) -> bytes | None:
    value: Any = getattr(instance, field_name)
    if value is None:
        return None
    return crypto.open_field(key, value.blob, _field_aad(instance, field_name))


def open_text(instance: models.Model, field_name: str, key: bytes) -> str | None:
    raw = open_bytes(instance, field_name, key)
    return None if raw is None else raw.decode()


# --- Blind indexes --------------------------------------------------------------------------


def blind_index(purpose: str, value: str) -> str:
    return crypto.keyed_hash(
        decode_blind_index_key(settings.UPSTANDER_BLIND_INDEX_KEY), purpose, value
    )


# --- Reporter sessions -----------------------------------------------------------------------


def _session_key(token: str) -> bytes:
    # The token carries 256 random bits, so a keyed hash is a sound key derivation here.
    return crypto.derive_subkey(token.encode(), "reporter-session-key")


# The columns of a reporter session that hold a key wrapped under its token.
SESSION_DATA_KEY = "wrapped_data_key"
SESSION_RECEIPT_KEY = "wrapped_receipt_key"


def _session_aad(report_id: object, column: str) -> bytes:
    # Bound to the column too, so the two wrapped keys of a session cannot be swapped.
    return crypto.associated_data("reports_reportersession", column, report_id)


def session_wrap(
    *, token: str, key_material: bytes, report_id: object, column: str = SESSION_DATA_KEY
) -> bytes:
    """A key wrapped for one reporter session (the report's data key, or with
    ``SESSION_RECEIPT_KEY`` the key its receipt derives): only the token's holder can use it,
    so neither a database dump nor the server alone opens a signed-in reporter's report."""
    return crypto.encrypt(_session_key(token), key_material, _session_aad(report_id, column))


def session_unwrap(
    *, token: str, wrapped: bytes, report_id: object, column: str = SESSION_DATA_KEY
) -> bytes | None:
    """The key a session holds in ``column``, or ``None`` if this token does not open it."""
    try:
        return crypto.decrypt(_session_key(token), wrapped, _session_aad(report_id, column))
    except crypto.DecryptionError:
        return None


# --- Keyed digests for other rooms ------------------------------------------------------------


def _audit_key(purpose: str) -> bytes:
    return crypto.derive_subkey(decode_blind_index_key(settings.UPSTANDER_BLIND_INDEX_KEY), purpose)


def audit_chain_digest(previous_hash: str, canonical_entry: str) -> str:
    """The audit trail's chain link: keyed, so that whoever can write to the database but holds
    no server key cannot forge a consistent chain, even by rewriting a stream and its head."""
    return audit_chain_hasher()(previous_hash, canonical_entry)


def audit_chain_hasher() -> Callable[[str, str], str]:
    """``audit_chain_digest`` with its key derived once, for hashing millions of entries (the
    whole trail's verification, the benchmark data): deriving it for each costs more than the
    link itself. The key lives as long as the function returned, in memory only."""
    keyed_mac = crypto.mac_keyed(_audit_key("audit-chain"))

    def digest(previous_hash: str, canonical_entry: str) -> str:
        return keyed_mac((previous_hash + canonical_entry).encode()).hex()

    return digest


def audit_head_digest(stream: str, length: int, last_hash: str) -> str:
    """Authenticates a stream's head: without the key nobody can write a head that stops short of
    the real end, so cutting a stream's tail and rolling its head back shows (issue 10). A subkey
    of its own, so that no entry hash can pass for a head's."""
    return audit_head_hasher()(stream, length, last_hash)


def audit_head_hasher() -> Callable[[str, int, str], str]:
    """``audit_head_digest`` with its key derived once, for checking a million heads."""
    keyed_mac = crypto.mac_keyed(_audit_key("audit-head"))

    def digest(stream: str, length: int, last_hash: str) -> str:
        return keyed_mac(f"{stream}\n{length}\n{last_hash}".encode()).hex()

    return digest


def audit_stream_tag(stream: str) -> str:
    """What a checkpoint calls a stream: a keyed name, so that the checkpoints kept in the
    database list no report id beside the time it was first counted."""
    return crypto.mac(_audit_key("audit-stream-tag"), stream.encode()).hex()


def audit_stream_tagger() -> Callable[[str], str]:
    """``audit_stream_tag`` with its key derived once, for tagging many streams."""
    key = _audit_key("audit-stream-tag")

    def tag(stream: str) -> str:
        return crypto.mac(key, stream.encode()).hex()

    return tag


def audit_checkpoint_digest(canonical_checkpoint: str) -> str:
    """The keyed digest of one audit checkpoint (its streams, and the checkpoint before it)."""
    return crypto.mac(_audit_key("audit-checkpoint"), canonical_checkpoint.encode()).hex()


def audit_checkpoint_hasher() -> crypto.Mac:
    """``audit_checkpoint_digest`` fed a piece at a time (``update``, then ``hexdigest``): the
    same digest of the same text, for a checkpoint's streams read from the database in order
    rather than written out whole in memory (issue 15)."""
    return crypto.mac_incremental(_audit_key("audit-checkpoint"))


def client_pseudonym(key: bytes, value: str) -> str:
    """A name for ``value`` (a client address, a staff username) under ``key``, the throttle's
    daily secret, which is random and kept only in Redis (``core.throttling``): counters can be
    kept per client without storing who it is, and once the day's secret has expired nobody,
    not even whoever holds every server key, can test an address against the names left."""
    return crypto.mac(key, value.encode()).hex()[:32]

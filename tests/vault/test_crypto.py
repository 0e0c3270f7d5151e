"""AES-256-GCM under each report's data key, bound to its table, column and row.

The model below lives in an isolated app registry (it is not part of any migration); each test
that stores rows creates its table inside the test transaction, so the rollback drops it.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pytest
from django.apps.registry import Apps
from django.db import connection, models, transaction

from vault import crypto
from vault.envelope import open_bytes, open_text, seal
from vault.fields import Ciphertext, EncryptedField, PlaintextAssignmentError

NARRATIVE = "On 3 March, in the lift on the 4th floor, my supervisor said that..."


class SealedNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    body = EncryptedField()
    summary = EncryptedField()

    objects: ClassVar[models.Manager[SealedNote]] = models.Manager()

    class Meta:
        app_label = "vault"
        managed = False
        db_table = "foundation_sealed_note"
        apps = Apps([])

    def __str__(self) -> str:
        return f"sealed note {self.pk}"


@pytest.fixture
def sealed_note_table(db: Any) -> None:
    # Created inside the test's transaction: its rollback drops the table.
    with connection.schema_editor() as editor:
        editor.create_model(SealedNote)


@pytest.fixture
def key() -> bytes:
    return crypto.new_data_key()


def stored_column(row_id: uuid.UUID, column: str) -> bytes:
    """The bytes PostgreSQL holds, read around the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM foundation_sealed_note WHERE id = %s",  # noqa: S608
            [row_id],
        )
        row = cursor.fetchone()
    assert row is not None
    return bytes(row[0])


def store_column(row_id: uuid.UUID, column: str, value: bytes) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE foundation_sealed_note SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, row_id],
        )


def saved_note(key: bytes, body: str = NARRATIVE, summary: str | None = None) -> SealedNote:
    note = SealedNote()
    seal(note, "body", body, key)
    seal(note, "summary", summary, key)
    note.save()
    return note


# --- Round trip -------------------------------------------------------------------------------


def test_sealed_text_reads_back_from_a_stored_row(sealed_note_table: None, key: bytes) -> None:
    note = saved_note(key, summary="Verbal harassment")

    reloaded = SealedNote.objects.get(pk=note.pk)

    assert isinstance(reloaded.body, Ciphertext)
    assert open_text(reloaded, "body", key) == NARRATIVE
    assert open_text(reloaded, "summary", key) == "Verbal harassment"


def test_the_database_holds_no_plaintext(sealed_note_table: None, key: bytes) -> None:
    note = saved_note(key)

    raw = stored_column(note.pk, "body")

    assert NARRATIVE.encode() not in raw
    assert b"supervisor" not in raw
    assert raw[:1] == crypto.FORMAT_AES256GCM
    # format byte + nonce + ciphertext + 16-byte tag
    assert len(raw) == 1 + crypto.NONCE_BYTES + len(NARRATIVE.encode()) + 16


def test_sealing_the_same_text_twice_gives_different_ciphertexts(
    sealed_note_table: None, key: bytes
) -> None:
    first, second = saved_note(key), saved_note(key)

    assert stored_column(first.pk, "body") != stored_column(second.pk, "body")


def test_an_empty_encrypted_column_reads_as_none(sealed_note_table: None, key: bytes) -> None:
    note = saved_note(key, summary=None)

    reloaded = SealedNote.objects.get(pk=note.pk)

    assert reloaded.summary is None
    assert open_text(reloaded, "summary", key) is None


def test_a_different_data_key_cannot_open_the_row(sealed_note_table: None, key: bytes) -> None:
    note = saved_note(key)
    reloaded = SealedNote.objects.get(pk=note.pk)

    with pytest.raises(crypto.DecryptionError):
        open_text(reloaded, "body", crypto.new_data_key())


# --- Tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "position",
    [1, 1 + crypto.NONCE_BYTES, 1 + crypto.NONCE_BYTES + 20, -1],
    ids=["nonce", "first-ciphertext-byte", "middle-ciphertext-byte", "tag"],
)
def test_a_flipped_byte_in_the_stored_ciphertext_is_detected(
    sealed_note_table: None, key: bytes, position: int
) -> None:
    note = saved_note(key)
    tampered = bytearray(stored_column(note.pk, "body"))
    tampered[position] ^= 0x01
    store_column(note.pk, "body", bytes(tampered))

    reloaded = SealedNote.objects.get(pk=note.pk)

    with pytest.raises(crypto.DecryptionError):
        open_text(reloaded, "body", key)


def test_a_truncated_or_unknown_format_ciphertext_is_refused(
    sealed_note_table: None, key: bytes
) -> None:
    note = saved_note(key)
    original = stored_column(note.pk, "body")

    for damaged in (original[:20], b"\x02" + original[1:]):
        store_column(note.pk, "body", damaged)
        with pytest.raises(crypto.DecryptionError):
            open_bytes(SealedNote.objects.get(pk=note.pk), "body", key)


def test_a_ciphertext_copied_to_another_row_does_not_decrypt(
    sealed_note_table: None, key: bytes
) -> None:
    # Same data key for both rows: only the row binding can tell them apart.
    victim = saved_note(key, body="Victim's account")
    other = saved_note(key, body="Another account")
    store_column(other.pk, "body", stored_column(victim.pk, "body"))

    moved = SealedNote.objects.get(pk=other.pk)

    with pytest.raises(crypto.DecryptionError):
        open_text(moved, "body", key)
    assert open_text(SealedNote.objects.get(pk=victim.pk), "body", key) == "Victim's account"


def test_a_ciphertext_copied_to_another_column_does_not_decrypt(
    sealed_note_table: None, key: bytes
) -> None:
    note = saved_note(key, summary="short summary")
    store_column(note.pk, "summary", stored_column(note.pk, "body"))

    reloaded = SealedNote.objects.get(pk=note.pk)

    with pytest.raises(crypto.DecryptionError):
        open_text(reloaded, "summary", key)
    assert open_text(reloaded, "body", key) == NARRATIVE


def test_seal_needs_the_row_primary_key(key: bytes) -> None:
    note = SealedNote(id=None)

    with pytest.raises(ValueError, match="primary key"):
        seal(note, "body", NARRATIVE, key)


# --- The primitives: associated data binds table, column and row ------------------------------


def test_primitive_round_trip_with_associated_data(key: bytes) -> None:
    aad = crypto.associated_data("reports_report", "narrative", uuid.uuid4())

    blob = crypto.encrypt(key, NARRATIVE.encode(), aad)

    assert crypto.decrypt(key, blob, aad) == NARRATIVE.encode()


@pytest.mark.parametrize(
    ("table", "column", "row_changed"),
    [
        ("reports_report", "narrative", True),
        ("reports_report", "perpetrator", False),
        ("cases_note", "narrative", False),
    ],
    ids=["other-row", "other-column", "other-table"],
)
def test_primitive_decrypt_fails_under_other_associated_data(
    key: bytes, table: str, column: str, row_changed: bool
) -> None:
    row = uuid.uuid4()
    blob = crypto.encrypt(
        key, NARRATIVE.encode(), crypto.associated_data("reports_report", "narrative", row)
    )
    other_row = uuid.uuid4() if row_changed else row

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key, blob, crypto.associated_data(table, column, other_row))


def test_primitive_decrypt_fails_under_another_key(key: bytes) -> None:
    aad = crypto.associated_data("reports_report", "narrative", 1)
    blob = crypto.encrypt(key, b"secret", aad)

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(crypto.new_data_key(), blob, aad)


def test_data_keys_are_random_256_bit_keys() -> None:
    keys = {crypto.new_data_key() for _ in range(50)}

    assert len(keys) == 50
    assert all(len(k) == crypto.DATA_KEY_BYTES == 32 for k in keys)


def test_blind_index_depends_on_purpose_and_key() -> None:
    key_a, key_b = crypto.new_data_key(), crypto.new_data_key()

    value = crypto.keyed_hash(key_a, "receipt", "ABCD-EFGH")

    assert value == crypto.keyed_hash(key_a, "receipt", "ABCD-EFGH")
    assert value != crypto.keyed_hash(key_a, "session", "ABCD-EFGH")
    assert value != crypto.keyed_hash(key_b, "receipt", "ABCD-EFGH")
    assert "ABCD" not in value
    assert len(value) == 64


# --- EncryptedField refuses plaintext ---------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    [NARRATIVE, NARRATIVE.encode(), bytearray(b"plain"), memoryview(b"plain")],
    ids=["str", "bytes", "bytearray", "memoryview"],
)
def test_encrypted_field_refuses_plaintext_assignment(plaintext: Any) -> None:
    note = SealedNote()

    with pytest.raises(PlaintextAssignmentError):
        note.body = plaintext
    assert note.body is None


@pytest.mark.parametrize("plaintext", [NARRATIVE, NARRATIVE.encode()], ids=["str", "bytes"])
def test_encrypted_field_refuses_plaintext_in_the_constructor(plaintext: str | bytes) -> None:
    with pytest.raises(PlaintextAssignmentError):
        SealedNote(body=plaintext)


@pytest.mark.parametrize("plaintext", [NARRATIVE, NARRATIVE.encode()], ids=["str", "bytes"])
def test_encrypted_field_refuses_plaintext_in_a_queryset_update(
    sealed_note_table: None, key: bytes, plaintext: str | bytes
) -> None:
    note = saved_note(key)

    with pytest.raises(PlaintextAssignmentError), transaction.atomic():
        SealedNote.objects.filter(pk=note.pk).update(body=plaintext)
    assert open_text(SealedNote.objects.get(pk=note.pk), "body", key) == NARRATIVE


def test_plaintext_assignment_error_is_a_type_error() -> None:
    # Callers that guard against wrong types with ``except TypeError`` still catch it.
    assert issubclass(PlaintextAssignmentError, TypeError)


def test_encrypted_field_accepts_ciphertext_and_none(key: bytes) -> None:
    note = SealedNote()
    seal(note, "body", NARRATIVE, key)

    assert isinstance(note.body, Ciphertext)
    note.body = None
    assert note.body is None


def test_seal_refuses_a_field_that_is_not_encrypted(key: bytes) -> None:
    note = SealedNote()

    with pytest.raises(TypeError, match="not an EncryptedField"):
        seal(note, "id", NARRATIVE, key)


def test_ciphertext_repr_never_shows_the_bytes(key: bytes) -> None:
    note = SealedNote()
    seal(note, "body", NARRATIVE, key)

    assert note.body is not None
    assert repr(note.body) == f"<Ciphertext {len(note.body)} bytes>"

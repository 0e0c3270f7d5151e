"""Envelope encryption: data keys wrapped under the receipt and, with consent, the server KEK."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import Entity
from tests.helpers.keys import Keyring
from vault import crypto
from vault.checks import check_key_encryption_keys
from vault.envelope import (
    DataKeySealedError,
    DataKeyShreddedError,
    KeyVersionMissingError,
    WrongReceiptError,
    data_key_create,
    data_key_share,
    data_key_shred,
    is_sealed,
    kek_rotate,
    open_as_recipient,
    open_with_organisation_key,
    open_with_receipt,
    organisation_wrap_add,
    organisation_wrap_remove,
    recipient_wraps_add,
)
from vault.models import DataKey, KeyWrap
from vault.readers import entity_recovery_key_create, entity_recovery_key_open

RECEIPT = "K7QF-2MXD-9TZA-VH4C-RW3N"

pytestmark = pytest.mark.django_db


def fresh(data_key: DataKey) -> DataKey:
    return DataKey.objects.get(pk=data_key.pk)


def organisation_wraps() -> list[KeyWrap]:
    return list(KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION))


# --- Receipt wrapping -------------------------------------------------------------------------


def test_a_new_data_key_opens_with_its_receipt(kek_v1: str) -> None:
    data_key, key_material = data_key_create(receipt=RECEIPT)

    assert len(key_material) == crypto.DATA_KEY_BYTES
    assert open_with_receipt(fresh(data_key), RECEIPT) == key_material


def test_the_stored_receipt_wrapping_is_not_the_key(kek_v1: str) -> None:
    data_key, key_material = data_key_create(receipt=RECEIPT)

    wrap = KeyWrap.objects.get(data_key=data_key, kind=KeyWrap.Kind.RECEIPT)

    assert key_material not in bytes(wrap.wrapped_key)
    assert len(bytes(wrap.salt)) == crypto.SALT_BYTES
    assert wrap.kek_version == ""


def test_a_wrong_receipt_is_refused(kek_v1: str) -> None:
    data_key, _ = data_key_create(receipt=RECEIPT)

    with pytest.raises(WrongReceiptError):
        open_with_receipt(fresh(data_key), "K7QF-2MXD-9TZA-VH4C-RW3M")


def test_a_receipt_opens_only_its_own_report(kek_v1: str) -> None:
    first, _ = data_key_create(receipt=RECEIPT)
    data_key_create(receipt="ZZZZ-2MXD-9TZA-VH4C-RW3N")

    with pytest.raises(WrongReceiptError):
        open_with_receipt(fresh(first), "ZZZZ-2MXD-9TZA-VH4C-RW3N")


def test_each_report_gets_its_own_data_key(kek_v1: str) -> None:
    _, first = data_key_create(receipt=RECEIPT)
    _, second = data_key_create(receipt=RECEIPT)

    assert first != second


# --- Organisation wrapping (consent to case review) -------------------------------------------


def test_a_new_report_is_sealed_to_the_organisation(kek_v1: str) -> None:
    data_key, _ = data_key_create(receipt=RECEIPT)

    assert is_sealed(data_key)
    with pytest.raises(DataKeySealedError):
        open_with_organisation_key(fresh(data_key))


def test_the_organisation_key_opens_it_after_consent(kek_v1: str) -> None:
    data_key, key_material = data_key_create(receipt=RECEIPT)

    organisation_wrap_add(data_key=data_key, key_material=key_material)

    assert not is_sealed(data_key)
    assert open_with_organisation_key(fresh(data_key)) == key_material
    (wrap,) = organisation_wraps()
    assert wrap.kek_version == "v1"
    assert key_material not in bytes(wrap.wrapped_key)


def test_granting_twice_keeps_one_organisation_wrapping(kek_v1: str) -> None:
    data_key, key_material = data_key_create(receipt=RECEIPT)

    organisation_wrap_add(data_key=data_key, key_material=key_material)
    organisation_wrap_add(data_key=data_key, key_material=key_material)

    assert len(organisation_wraps()) == 1
    assert open_with_organisation_key(fresh(data_key)) == key_material


def test_withdrawing_consent_reseals_the_report(kek_v1: str) -> None:
    data_key, key_material = data_key_create(receipt=RECEIPT)
    organisation_wrap_add(data_key=data_key, key_material=key_material)

    organisation_wrap_remove(data_key=data_key)

    assert is_sealed(data_key)
    with pytest.raises(DataKeySealedError):
        open_with_organisation_key(fresh(data_key))
    # The reporter keeps access.
    assert open_with_receipt(fresh(data_key), RECEIPT) == key_material


def test_an_organisation_wrapping_moved_to_another_data_key_does_not_open(
    kek_v1: str,
) -> None:
    first, first_material = data_key_create(receipt=RECEIPT)
    second, second_material = data_key_create(receipt=RECEIPT)
    organisation_wrap_add(data_key=first, key_material=first_material)
    organisation_wrap_add(data_key=second, key_material=second_material)
    first_wrap = KeyWrap.objects.get(data_key=first, kind=KeyWrap.Kind.ORGANISATION)
    KeyWrap.objects.filter(data_key=second, kind=KeyWrap.Kind.ORGANISATION).update(
        wrapped_key=bytes(first_wrap.wrapped_key)
    )

    with pytest.raises(crypto.DecryptionError):
        open_with_organisation_key(fresh(second))


# --- Shredding --------------------------------------------------------------------------------


def test_a_shredded_report_cannot_be_read(kek_v1: str, entity: Entity) -> None:
    data_key, key_material = data_key_create(receipt=RECEIPT)
    recovery = entity_recovery_key_create(entity_id=entity.pk)
    data_key_share(data_key=data_key)
    recipient_wraps_add(data_key=data_key, key_material=key_material, recipients=[recovery.key])
    unlocked = entity_recovery_key_open(recovery.key, recovery.private_key)
    assert open_as_recipient(fresh(data_key), unlocked) == key_material

    data_key_shred(data_key=data_key)

    shredded = fresh(data_key)
    assert shredded.shredded_at is not None
    assert not KeyWrap.objects.filter(data_key=data_key).exists()
    with pytest.raises(DataKeyShreddedError):
        open_with_receipt(shredded, RECEIPT)
    with pytest.raises(DataKeyShreddedError):
        open_as_recipient(shredded, unlocked)


def test_a_shredded_sealed_report_cannot_be_read(kek_v1: str, entity: Entity) -> None:
    data_key, _ = data_key_create(receipt=RECEIPT)
    recovery = entity_recovery_key_create(entity_id=entity.pk)

    data_key_shred(data_key=data_key)

    with pytest.raises(DataKeyShreddedError):
        open_with_receipt(fresh(data_key), RECEIPT)
    with pytest.raises(DataKeyShreddedError):
        open_as_recipient(
            fresh(data_key), entity_recovery_key_open(recovery.key, recovery.private_key)
        )


def test_shredding_one_report_leaves_the_others_readable(kek_v1: str) -> None:
    doomed, doomed_material = data_key_create(receipt=RECEIPT)
    kept, kept_material = data_key_create(receipt=RECEIPT)
    organisation_wrap_add(data_key=doomed, key_material=doomed_material)
    organisation_wrap_add(data_key=kept, key_material=kept_material)

    data_key_shred(data_key=doomed)

    assert open_with_receipt(fresh(kept), RECEIPT) == kept_material
    assert open_with_organisation_key(fresh(kept)) == kept_material


# --- Key rotation -----------------------------------------------------------------------------


def assert_all_open(materials: dict[Any, bytes]) -> None:
    for pk, key_material in materials.items():
        assert open_with_organisation_key(DataKey.objects.get(pk=pk)) == key_material


def test_after_rotation_all_data_reads_and_the_old_key_is_no_longer_needed(
    keyring: Keyring,
) -> None:
    k1, k2 = keyring.new_key(), keyring.new_key()
    keyring.use(f"v1:{k1}")
    materials = keyring.grant(5)
    sealed, sealed_material = data_key_create(receipt=RECEIPT)
    receipt_wrap_before = KeyWrap.objects.get(data_key=sealed, kind=KeyWrap.Kind.RECEIPT)

    keyring.use(f"v2:{k2},v1:{k1}")
    # Both versions in the keyring: everything reads before, during and after rotation.
    assert_all_open(materials)
    assert kek_rotate(batch_size=2) == 5
    assert kek_rotate(batch_size=2) == 0  # idempotent: nothing left to rewrap
    assert_all_open(materials)

    keyring.use(f"v2:{k2}")
    assert_all_open(materials)
    assert {wrap.kek_version for wrap in organisation_wraps()} == {"v2"}
    assert check_key_encryption_keys() == []
    # Receipt wrappings do not depend on the KEK and are left as they were.
    receipt_wrap_after = KeyWrap.objects.get(data_key=sealed, kind=KeyWrap.Kind.RECEIPT)
    assert bytes(receipt_wrap_after.wrapped_key) == bytes(receipt_wrap_before.wrapped_key)
    assert open_with_receipt(fresh(sealed), RECEIPT) == sealed_material


def test_rotation_rewraps_under_new_ciphertexts(keyring: Keyring) -> None:
    k1, k2 = keyring.new_key(), keyring.new_key()
    keyring.use(f"v1:{k1}")
    keyring.grant(3)
    before = {wrap.pk: bytes(wrap.wrapped_key) for wrap in organisation_wraps()}

    keyring.use(f"v2:{k2},v1:{k1}")
    kek_rotate()

    after = {wrap.pk: bytes(wrap.wrapped_key) for wrap in organisation_wraps()}
    assert before.keys() == after.keys()
    assert all(before[pk] != after[pk] for pk in before)


def test_new_consent_is_wrapped_under_the_first_key_of_the_keyring(keyring: Keyring) -> None:
    k1, k2 = keyring.new_key(), keyring.new_key()
    keyring.use(f"v2:{k2},v1:{k1}")

    keyring.grant(1)

    assert [wrap.kek_version for wrap in organisation_wraps()] == ["v2"]


def test_the_rotate_kek_command_rewraps_everything(keyring: Keyring) -> None:
    k1, k2 = keyring.new_key(), keyring.new_key()
    keyring.use(f"v1:{k1}")
    materials = keyring.grant(3)

    keyring.use(f"v2:{k2},v1:{k1}")
    out = io.StringIO()
    call_command("rotate_kek", "--batch-size", "2", stdout=out)

    assert "Rewrapped 3 data keys under KEK version 'v2'" in out.getvalue()
    keyring.use(f"v2:{k2}")
    assert_all_open(materials)
    assert {wrap.kek_version for wrap in organisation_wraps()} == {"v2"}
    assert check_key_encryption_keys() == []


def test_the_rotate_kek_command_refuses_a_batch_size_below_one(kek_v1: str) -> None:
    err = io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("rotate_kek", "--batch-size", "0", stderr=err)

    assert exit_info.value.code == 2
    assert "--batch-size" in err.getvalue()


def test_a_wrapping_whose_kek_version_is_missing_cannot_be_opened(keyring: Keyring) -> None:
    k1 = keyring.new_key()
    keyring.use(f"v1:{k1}")
    materials = keyring.grant(1)

    keyring.use(f"v2:{keyring.new_key()}")  # v1 dropped before rotating

    (pk,) = materials
    with pytest.raises(KeyVersionMissingError, match="'v1'"):
        open_with_organisation_key(DataKey.objects.get(pk=pk))
    with pytest.raises(KeyVersionMissingError):
        kek_rotate()


def test_a_wrong_key_for_a_known_version_does_not_decrypt(keyring: Keyring) -> None:
    keyring.use(f"v1:{keyring.new_key()}")
    materials = keyring.grant(1)

    keyring.use(f"v1:{keyring.new_key()}")

    (pk,) = materials
    with pytest.raises(crypto.DecryptionError):
        open_with_organisation_key(DataKey.objects.get(pk=pk))

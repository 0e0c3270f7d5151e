"""The crypto benchmark's measurements: field encryption, the receipt KDF and KEK rotation.

They import models, so ``bench.crypto`` imports this module once it has set Django up. Every
row created here is deleted at the end, and the KEKs are random and used nowhere else.
"""

from __future__ import annotations

import base64
import os
import random
import time
import uuid

from django.conf import settings
from django.db import transaction

from vault import crypto
from vault.envelope import (
    _remember_fingerprint,
    _unwrap_with_kek,
    _wrap_with_kek,
    kek_rotate,
    open_with_organisation_key,
    receipt_key,
)
from vault.keyring import server_keyring
from vault.models import DataKey, KeyFingerprint, KeyWrap

CREATE_BATCH = 5000
CLEANUP_BATCH = 10000
NARRATIVE_BYTES = 5 * 1024


def narrative_text() -> bytes:
    words = (
        b"On the evening of the workshop my supervisor followed me to the lift and said "
        b"things about my appearance that I had asked him not to repeat. "
    )
    return (words * (NARRATIVE_BYTES // len(words) + 1))[:NARRATIVE_BYTES]


def bench_field_encryption(seconds: float) -> None:
    key = crypto.new_data_key()
    plaintext = narrative_text()
    row_id = uuid.uuid4()
    round_trips = 0
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for _ in range(500):
            aad = crypto.associated_data("reports_report", "narrative", row_id)
            blob = crypto.encrypt(key, plaintext, aad)
            if crypto.decrypt(key, blob, aad) != plaintext:
                raise AssertionError("round trip changed the plaintext")
        round_trips += 500
        elapsed = time.perf_counter() - started
    rate = round_trips / elapsed
    print(
        f"AES-256-GCM, {NARRATIVE_BYTES // 1024} KB narrative with AAD: "
        f"{rate:,.0f} encrypt+decrypt round trips/s "
        f"({round_trips:,} in {elapsed:.2f} s; {rate * NARRATIVE_BYTES * 2 / 1e6:,.0f} MB/s "
        "processed)"
    )


def bench_receipt_kdf(runs: int = 5) -> None:
    params = settings.UPSTANDER_RECEIPT_KDF
    salt = crypto.new_salt()
    started = time.perf_counter()
    for index in range(runs):
        receipt_key(f"K7QF-2MXD-9TZA-VH4C-RW{index:02d}", salt)
    per_run = (time.perf_counter() - started) / runs
    print(
        f"Argon2id receipt key (time_cost={params['time_cost']}, "
        f"memory={params['memory_cost']} KiB, parallelism={params['parallelism']}): "
        f"{per_run * 1000:,.0f} ms per derivation ({runs} runs)"
    )


def random_kek() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def delete_data_keys(ids: list[uuid.UUID]) -> None:
    for start in range(0, len(ids), CLEANUP_BATCH):
        chunk = ids[start : start + CLEANUP_BATCH]
        with transaction.atomic():
            KeyWrap.objects.filter(data_key_id__in=chunk).delete()
            DataKey.objects.filter(id__in=chunk).delete()


def delete_leftovers() -> None:
    """Rows of an earlier run that was interrupted: their random KEKs are lost for good."""
    leftover = list(
        KeyWrap.objects.filter(kek_version__startswith="bench-").values_list(
            "data_key_id", flat=True
        )
    )
    if leftover:
        delete_data_keys(leftover)
        print(f"Deleted {len(leftover):,} data keys left by an interrupted run.")
    KeyFingerprint.objects.filter(kek_version__startswith="bench-").delete()


def create_wrapped_data_keys(count: int, ids: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    """``count`` data keys with an organisation wrapping under the current KEK."""
    kek = server_keyring().current
    _remember_fingerprint(kek)  # as organisation_wrap_add() does
    materials: dict[uuid.UUID, bytes] = {}
    for start in range(0, count, CREATE_BATCH):
        data_keys = [DataKey(id=uuid.uuid4()) for _ in range(min(CREATE_BATCH, count - start))]
        wraps = []
        for data_key in data_keys:
            key_material = crypto.new_data_key()
            materials[data_key.id] = key_material
            wraps.append(
                KeyWrap(
                    data_key_id=data_key.id,
                    kind=KeyWrap.Kind.ORGANISATION,
                    kek_version=kek.version,
                    salt=b"",
                    wrapped_key=_wrap_with_kek(data_key.id, key_material, kek),
                )
            )
        with transaction.atomic():
            DataKey.objects.bulk_create(data_keys, batch_size=CREATE_BATCH)
            ids.extend(data_key.id for data_key in data_keys)
            KeyWrap.objects.bulk_create(wraps, batch_size=CREATE_BATCH)
    return materials


def verify_all_open(materials: dict[uuid.UUID, bytes], version: str) -> None:
    ids = list(materials)
    checked = 0
    for start in range(0, len(ids), CLEANUP_BATCH):
        chunk = ids[start : start + CLEANUP_BATCH]
        wraps = KeyWrap.objects.filter(data_key_id__in=chunk, kind=KeyWrap.Kind.ORGANISATION)
        for wrap in wraps:
            if wrap.kek_version != version or _unwrap_with_kek(wrap) != materials[wrap.data_key_id]:
                raise AssertionError(f"data key {wrap.data_key_id} did not survive rotation")
            checked += 1
    if checked != len(ids):
        raise AssertionError(f"only {checked:,} of {len(ids):,} wrappings found after rotation")
    # And through the public API, for a sample.
    for pk in random.sample(ids, min(200, len(ids))):
        if open_with_organisation_key(DataKey.objects.get(pk=pk)) != materials[pk]:
            raise AssertionError(f"data key {pk} did not open after rotation")


def bench_rotation(count: int, batch_size: int) -> None:
    run = uuid.uuid4().hex[:8]
    old_version, new_version = f"bench-{run}-1", f"bench-{run}-2"
    old_key, new_key = random_kek(), random_kek()
    ids: list[uuid.UUID] = []
    delete_leftovers()
    try:
        settings.UPSTANDER_KEKS = f"{old_version}:{old_key}"
        started = time.perf_counter()
        materials = create_wrapped_data_keys(count, ids)
        created_in = time.perf_counter() - started
        print(
            f"Created {count:,} data keys + organisation wrappings under {old_version} in "
            f"{created_in:.1f} s (bulk_create, batches of {CREATE_BATCH:,})"
        )

        settings.UPSTANDER_KEKS = f"{new_version}:{new_key},{old_version}:{old_key}"
        started = time.perf_counter()
        changed = kek_rotate(batch_size=batch_size)
        rotated_in = time.perf_counter() - started
        print(
            f"kek_rotate(batch_size={batch_size:,}): rewrapped {changed:,} data keys in "
            f"{rotated_in:.1f} s = {changed / rotated_in:,.0f} data keys/s"
        )
        if changed != count:
            raise AssertionError(f"kek_rotate rewrapped {changed:,}, expected {count:,}")

        settings.UPSTANDER_KEKS = f"{new_version}:{new_key}"  # the old key is gone
        started = time.perf_counter()
        verify_all_open(materials, new_version)
        print(
            f"Verified: all {count:,} data keys open with only {new_version} in the keyring "
            f"({time.perf_counter() - started:.1f} s)"
        )
    finally:
        started = time.perf_counter()
        delete_data_keys(ids)
        KeyFingerprint.objects.filter(kek_version__in=[old_version, new_version]).delete()
        print(f"Cleaned up {len(ids):,} data keys ({time.perf_counter() - started:.1f} s).")

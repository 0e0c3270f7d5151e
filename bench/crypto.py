"""Benchmark of the encryption core: field encryption speed and KEK rotation of 100,000 data keys.

Run with ``python -m bench.crypto`` (or ``make bench``). It sets Django up itself
(``DJANGO_SETTINGS_MODULE`` defaults to ``config.settings.base``) and works on a database of
its own:

- ``DATABASE_URL`` pointing at PostgreSQL: the database ``upstander_bench`` on that server
  (whatever database the URL names), created if missing and migrated;
- no ``DATABASE_URL`` (the embedded default): an SQLite file ``bench/out/upstander_bench.sqlite3``;
- any other ``DATABASE_URL``: used as given, and migrated.

Every row it creates is deleted at the end, and its KEKs are random and used nowhere else.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.databases import ensure_postgres_database as _ensure

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "upstander_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
CREATE_BATCH = 5000
CLEANUP_BATCH = 10000
NARRATIVE_BYTES = 5 * 1024


# --- Database set-up ----------------------------------------------------------------------


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        path = BASE_DIR / "bench" / "out" / f"{BENCH_DATABASE}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    parts = urlsplit(url)
    if parts.scheme in POSTGRES_SCHEMES:
        return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
    return url


def ensure_postgres_database(url: str, *, recreate: bool) -> bool:
    """Create the benchmark database if missing (or anew); True when it was created."""
    return _ensure(url, BENCH_DATABASE, recreate=recreate)


def set_up_django(*, recreate: bool = False) -> str:
    url = bench_database_url()
    if urlsplit(url).scheme in POSTGRES_SCHEMES:
        if ensure_postgres_database(url, recreate=recreate):
            print(f"Created PostgreSQL database {BENCH_DATABASE}.")
    elif recreate and url.startswith("sqlite:///") and BENCH_DATABASE in url:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    # DEBUG keeps every SQL statement in memory and formats it: not what production measures.
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    return f"{database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


# --- Benchmarks ---------------------------------------------------------------------------


def narrative_text() -> bytes:
    words = (
        b"On the evening of the workshop my supervisor followed me to the lift and said "
        b"things about my appearance that I had asked him not to repeat. "
    )
    return (words * (NARRATIVE_BYTES // len(words) + 1))[:NARRATIVE_BYTES]


def bench_field_encryption(seconds: float) -> None:
    from vault import crypto

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
    from django.conf import settings

    from vault import crypto
    from vault.envelope import receipt_key

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


def delete_data_keys(ids: list[Any]) -> None:
    from django.db import transaction

    from vault.models import DataKey, KeyWrap

    for start in range(0, len(ids), CLEANUP_BATCH):
        chunk = ids[start : start + CLEANUP_BATCH]
        with transaction.atomic():
            KeyWrap.objects.filter(data_key_id__in=chunk).delete()
            DataKey.objects.filter(id__in=chunk).delete()


def delete_leftovers() -> None:
    """Rows of an earlier run that was interrupted: their random KEKs are lost for good."""
    from vault.models import KeyFingerprint, KeyWrap

    leftover = list(
        KeyWrap.objects.filter(kek_version__startswith="bench-").values_list(
            "data_key_id", flat=True
        )
    )
    if leftover:
        delete_data_keys(leftover)
        print(f"Deleted {len(leftover):,} data keys left by an interrupted run.")
    KeyFingerprint.objects.filter(kek_version__startswith="bench-").delete()


def create_wrapped_data_keys(count: int, ids: list[Any]) -> dict[Any, bytes]:
    """``count`` data keys with an organisation wrapping under the current KEK."""
    from django.db import transaction

    from vault import crypto
    from vault.envelope import _remember_fingerprint, _wrap_with_kek
    from vault.keyring import server_keyring
    from vault.models import DataKey, KeyWrap

    kek = server_keyring().current
    _remember_fingerprint(kek)  # as organisation_wrap_add() does
    materials: dict[Any, bytes] = {}
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


def verify_all_open(materials: dict[Any, bytes], version: str) -> None:
    from vault.envelope import _unwrap_with_kek, open_with_organisation_key
    from vault.models import DataKey, KeyWrap

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
    from django.conf import settings

    from vault.envelope import kek_rotate
    from vault.models import KeyFingerprint

    run = uuid.uuid4().hex[:8]
    old_version, new_version = f"bench-{run}-1", f"bench-{run}-2"
    old_key, new_key = random_kek(), random_kek()
    ids: list[Any] = []
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crypto", description=__doc__)
    parser.add_argument("--data-keys", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument(
        "--recreate-database",
        action="store_true",
        help=f"drop and recreate {BENCH_DATABASE} first (after an edited migration)",
    )
    args = parser.parse_args(argv)
    if args.data_keys < 1 or args.batch_size < 1 or args.seconds < 2.0:
        parser.error("--data-keys and --batch-size must be positive, --seconds at least 2")

    database = set_up_django(recreate=args.recreate_database)
    print(f"Upstander crypto benchmark on {database} (Python {sys.version.split()[0]})")
    bench_field_encryption(args.seconds)
    bench_receipt_kdf()
    bench_rotation(args.data_keys, args.batch_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())

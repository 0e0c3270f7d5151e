"""Key rotation at UN-system scale (issue 15, item 3): ``rotate_kek`` over the data keys of every
report in a generated database (1,000,000 after ``generate_bench_data --reports 1000000``).

Since issue 14 a report's data key is wrapped to its readers' public keys, not to the server's
key-encryption key (KEK): only data keys wrapped before then carry an organisation wrapping, the
one thing ``rotate_kek`` rewraps. For the worst case, where every report still has one, this
gives each data key in the database an organisation wrapping, made with ``vault.envelope``'s own
wrapping (bound to the data key and the KEK version) under a KEK of this run's own, around a
random stand-in key: the server no longer holds the reports' keys, and rotation never opens a
report, it only unwraps and rewraps. Then it runs ``manage.py rotate_kek`` in a process of its
own, as production runs it (``DEBUG=0``), with a second KEK of the run's first in
``UPSTANDER_KEKS``, and prints the time, the wrappings rewrapped a second and the peak memory
(``wait4``'s ``ru_maxrss``); it checks that every wrapping it made is now under the new version,
and deletes them and both versions' fingerprints (``--keep`` leaves them). Exit code 1 when
rotation takes over 5 minutes or 300 MB.

    DEBUG=1 UPSTANDER_DEV_SECRETS_FILE=<the generator's> python -m bench.rotation

Refuses a database that already holds organisation wrappings: they would be real ones.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vault.keyring import KeyEncryptionKey

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/upstander_scale"
ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000
TARGET_SECONDS = 5 * 60
LIMIT_MB = 300


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--batch-size", type=int, default=5000, help="rotate_kek's --batch-size")
    parser.add_argument("--keep", action="store_true", help="leave the wrappings made here")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django  # noqa: PLC0415 - the environment above must be set before Django starts

    django.setup()
    from vault.keyring import KeyEncryptionKey  # noqa: PLC0415
    from vault.models import KeyFingerprint, KeyWrap  # noqa: PLC0415

    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}")
    organisation = KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION)
    if organisation.exists():
        print("The database already holds organisation wrappings: not touching real ones.")
        return 2
    # Two keys of this run's own, neither a development key: the command runs as production
    # does (DEBUG off), which refuses those. The data keys are wrapped under the first and
    # rotated to the second; both versions are forgotten afterwards with their wrappings (the
    # service remembers each version's fingerprint and would refuse another key by that name).
    run = secrets.token_hex(4)
    old = KeyEncryptionKey(version=f"bench-old-{run}", secret=secrets.token_bytes(32))
    new = KeyEncryptionKey(version=f"bench-new-{run}", secret=secrets.token_bytes(32))
    started = time.perf_counter()
    made = _wrappings_make(old)
    print(
        f"organisation wrappings made under the old KEK: {made:,} in "
        f"{time.perf_counter() - started:.0f} s (set-up, not measured)",
        flush=True,
    )
    try:
        seconds, peak_mb, output = _rotate(f"{_entry(new)},{_entry(old)}", args.batch_size)
        print(output.strip())
        rewrapped = organisation.filter(kek_version=new.version).count()
        left = organisation.exclude(kek_version=new.version).count()
    finally:
        if not args.keep:
            organisation.delete()
            KeyFingerprint.objects.filter(kek_version__in=[old.version, new.version]).delete()
    print(
        f"rotate_kek: {rewrapped:,} wrappings rewrapped in {seconds:.1f} s "
        f"({rewrapped / seconds:,.0f} a second), {left} left under the old KEK, "
        f"peak memory {peak_mb:.0f} MB"
    )
    failures = []
    if left or rewrapped != made:
        failures.append(f"{left} wrappings not rotated")
    if seconds > TARGET_SECONDS:
        failures.append(f"{seconds:.0f} s over the {TARGET_SECONDS} s target")
    if peak_mb > LIMIT_MB:
        failures.append(f"{peak_mb:.0f} MB over the {LIMIT_MB} MB bound")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def _entry(kek: KeyEncryptionKey) -> str:
    return f"{kek.version}:{base64.b64encode(kek.secret).decode()}"


def _wrappings_make(old: KeyEncryptionKey) -> int:
    """One organisation wrapping per data key, under ``old``, by COPY a chunk at a time."""
    from django.db import connection as db  # noqa: PLC0415

    from bench.scale_data import KEY_WRAPS  # noqa: PLC0415
    from stats.management.commands.generate_stats_data import copy_rows  # noqa: PLC0415
    from vault.envelope import _wrap_with_kek  # noqa: PLC0415
    from vault.models import DataKey, KeyWrap  # noqa: PLC0415

    made = 0
    last: uuid.UUID | None = None
    while True:
        keys = DataKey.objects.order_by("id")
        if last is not None:
            keys = keys.filter(id__gt=last)
        chunk = list(keys.values_list("id", flat=True)[:CHUNK])
        if not chunk:
            return made
        rows = (
            (
                uuid.uuid4(),
                data_key,
                KeyWrap.Kind.ORGANISATION.value,
                None,
                old.version,
                b"",
                _wrap_with_kek(data_key, secrets.token_bytes(32), old),
            )
            for data_key in chunk
        )
        with db.cursor() as cursor:
            copy_rows(cursor.cursor, KEY_WRAPS, rows)
        made += len(chunk)
        last = chunk[-1]


def _rotate(keks: str, batch_size: int) -> tuple[float, float, str]:
    """``manage.py rotate_kek`` in a process of its own: seconds, peak MB, what it printed."""
    from bench.submissions import server_environment  # noqa: PLC0415

    # As production runs it (DEBUG off: with it on, Django keeps every query's text in memory).
    # Rotation reads no blind index: a key of its own stands in for the database's.
    blind_index = base64.b64encode(secrets.token_bytes(32)).decode()
    keys = {"UPSTANDER_KEKS": keks, "UPSTANDER_BLIND_INDEX_KEY": blind_index}
    env = server_environment(
        keys,
        port=0,
        workers=1,
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ["REDIS_URL"],
    )
    started = time.perf_counter()
    process = subprocess.Popen(  # nosec B603  # our own manage.py, no shell
        [sys.executable, "manage.py", "rotate_kek", "--batch-size", str(batch_size)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None  # nosec B101  # asked for above
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"rotate_kek exited {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, output


if __name__ == "__main__":
    sys.exit(main())

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
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django
from django.conf import settings
from django.core.management import call_command

from bench.databases import ensure_postgres_database as _ensure

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "upstander_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


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
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    # DEBUG keeps every SQL statement in memory and formats it: not what production measures.
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    return f"{database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


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
    # The measurements import models, which can be imported only once Django is set up.
    from bench import crypto_measurements  # noqa: PLC0415

    print(f"Upstander crypto benchmark on {database} (Python {sys.version.split()[0]})")
    crypto_measurements.bench_field_encryption(args.seconds)
    crypto_measurements.bench_receipt_kdf()
    crypto_measurements.bench_rotation(args.data_keys, args.batch_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())

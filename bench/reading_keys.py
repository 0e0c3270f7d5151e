"""Benchmark of recipient-held reading keys (issue 14): what a sign-in, a case opening and the
handover of a departing focal point's cases cost.

Run with ``python -m bench.reading_keys``. Like ``bench.crypto`` it sets Django up itself with
``config.settings.base``, so the production Argon2id parameters apply to the passwords and the
reading keys (``UPSTANDER_READING_KEY_KDF``), and works on a database of its own: with a
PostgreSQL ``DATABASE_URL``, the database ``upstander_bench_reading_keys`` on that server,
created anew at each run (its audit trail cannot be deleted row by row) and dropped at the end.

- sign-in: password and TOTP checked, the private reading key unlocked with the password,
  sealed for the session, the sign-in audited and the keys the member holds passed on, as
  ``accounts.views.staff_login`` does (each of ``--sign-ins`` staff members signs in once: a
  TOTP code is accepted once);
- case opening: ``cases.services.reading.case_read`` by a focal point whose key is unlocked,
  on ``--reads`` cases picked among the held ones;
- handover: one focal point holds ``--cases`` shared cases; a colleague joins and receives them
  all by ``reading_keys_pass_on`` when the holder signs in; the holder then leaves
  (``staff_user_deactivate``), and every wrap to their key goes with it.

Filing the reports is set-up, not measured: it uses light receipt Argon2id parameters, so that
a thousand reports do not take ten minutes to file.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import django
from django.conf import settings
from django.core.management import call_command

from bench.databases import ensure_postgres_database

BENCH_DATABASE = "upstander_bench_reading_keys"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
PASSWORD = "a long bench password for reading keys"  # noqa: S105  # nosec B105  # throwaway accounts


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        sys.exit("bench.reading_keys needs a PostgreSQL DATABASE_URL (the server to work on)")
    return urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DATABASE}"))


def _set_up_django(url: str) -> None:
    ensure_postgres_database(url, BENCH_DATABASE, recreate=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    settings.DEBUG = False  # DEBUG keeps every SQL statement in memory


def _drop(url: str) -> None:
    from django.db import connections  # noqa: PLC0415

    connections.close_all()
    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    maintenance = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(BENCH_DATABASE)
            )
        )


def _percentiles(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{label}: p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"over {len(ordered)} runs"
    )


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reading_keys", description=__doc__)
    parser.add_argument("--sign-ins", type=int, default=30)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    url = _database_url()
    _set_up_django(url)
    try:
        _run(args.sign_ins, args.reads, args.cases)
    finally:
        if not args.keep_database:
            _drop(url)
    return 0


def _run(sign_ins: int, reads: int, case_count: int) -> None:
    # Models and services import only once Django is set up.
    from django_otp.oath import totp  # noqa: PLC0415

    from accounts.models import Entity, Role, User  # noqa: PLC0415
    from accounts.reading_session import _binding  # noqa: PLC0415
    from accounts.services import (  # noqa: PLC0415
        staff_login_audit,
        staff_reading_key_unlock,
        staff_reading_keys_pass_on,
        staff_user_deactivate,
        staff_user_provision,
        staff_verify_credentials,
    )
    from cases.models import Case  # noqa: PLC0415
    from cases.readers import reading_keys_pass_on  # noqa: PLC0415
    from cases.services.reading import case_read  # noqa: PLC0415
    from portal.services import ReportSubmission, report_submit  # noqa: PLC0415
    from vault import readers  # noqa: PLC0415
    from vault.models import KeyWrap  # noqa: PLC0415

    kdf = settings.UPSTANDER_READING_KEY_KDF
    print(
        f"Upstander reading-key benchmark on PostgreSQL {BENCH_DATABASE} "
        f"(Python {sys.version.split()[0]}); reading key Argon2id time_cost={kdf['time_cost']}, "
        f"memory={kdf['memory_cost'] // 1024} MiB, parallelism={kdf['parallelism']}; "
        f"passwords: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}"
    )

    def provision(username: str, role: str, entity: Entity | None) -> tuple[User, str]:
        user, secret = staff_user_provision(
            username=username, role=role, entity=entity, password=PASSWORD
        )
        return user, secret

    entity = Entity.objects.create(code="UNW", name="UN Women")
    admin, _secret = provision("bench_admin", Role.ADMIN, None)
    holder, _secret = provision("bench_holder", Role.FOCAL_POINT, entity)

    # --- Set-up: the holder's cases, filed through the reporter's service --------------------
    started = time.perf_counter()
    with _light_receipts():
        for i in range(case_count):
            report_submit(
                submission=ReportSubmission(
                    entity=entity,
                    category="verbal",
                    route="informal",
                    informal_channel="ombudsperson",
                    narrative=f"Bench narrative {i}: remarks in meetings, messages at night.",
                    reporter_role="affected_person",
                    identity_disclosure="anonymous",
                    identity=None,
                    consents={"case_review": True},
                )
            )
    held = KeyWrap.objects.filter(recipient__user=holder).count()
    print(
        f"set-up: {case_count} shared cases filed in {time.perf_counter() - started:.1f} s; "
        f"the holder holds {held} wraps"
    )

    # --- Opening a case -----------------------------------------------------------------------
    readers.attach(holder, staff_reading_key_unlock(holder, PASSWORD))
    case_ids = list(Case.objects.values_list("pk", flat=True))
    chosen = random.Random(14).choices(case_ids, k=reads)  # not a secret
    timings = []
    for case_id in chosen:
        case = Case.objects.select_related("report", "report__data_key").get(pk=case_id)
        timings.append(_timed(lambda case=case: case_read(case=case, actor=holder)))  # type: ignore[misc]
    _percentiles("case opening (case_read, key unlocked)", timings)

    # --- The handover of the holder's cases ---------------------------------------------------
    newcomer, _secret = provision("bench_newcomer", Role.FOCAL_POINT, entity)
    fresh_holder = User.objects.get(pk=holder.pk)
    readers.attach(fresh_holder, staff_reading_key_unlock(fresh_holder, PASSWORD))
    passed = 0

    def pass_on() -> None:
        nonlocal passed
        passed = reading_keys_pass_on(fresh_holder)

    seconds = _timed(pass_on)
    print(
        f"pass on at the holder's sign-in (reading_keys_pass_on): {passed} wraps to the "
        f"newcomer in {seconds:.2f} s ({seconds / max(passed, 1) * 1000:.2f} ms a case)"
    )
    before = KeyWrap.objects.filter(recipient__user=holder).count()
    seconds = _timed(lambda: staff_user_deactivate(actor=admin, user=fresh_holder))
    after = KeyWrap.objects.filter(recipient__user=holder).count()
    kept = KeyWrap.objects.filter(recipient__user=newcomer).count()
    print(
        f"departure (staff_user_deactivate): {before - after} wraps deleted in {seconds:.2f} s; "
        f"the newcomer holds {kept}"
    )

    # --- Signing in ---------------------------------------------------------------------------
    members = [provision(f"bench_member_{i}", Role.FOCAL_POINT, entity) for i in range(sign_ins)]
    checks, unlocks, seals, passes, totals = [], [], [], [], []
    for member, secret in members:
        code = f"{totp(base64.b32decode(secret)):06d}"
        started = time.perf_counter()
        user, _device = staff_verify_credentials(
            username=member.username, password=PASSWORD, otp=code
        )
        checked = time.perf_counter()
        unlocked = staff_reading_key_unlock(user, PASSWORD)
        opened = time.perf_counter()
        assert unlocked is not None  # nosec B101
        readers.unlock_seal(unlocked, readers.session_secret_new(), binding=_binding(user.pk))
        staff_login_audit(user=user, via="web")
        audited = time.perf_counter()
        staff_reading_keys_pass_on(user)
        ended = time.perf_counter()
        checks.append(checked - started)
        unlocks.append(opened - checked)
        seals.append(audited - opened)
        passes.append(ended - audited)
        totals.append(ended - started)
    _percentiles("sign-in, whole (as staff_login, without HTTP)", totals)
    _percentiles("  password and TOTP check", checks)
    _percentiles("  reading key unlock (Argon2id)", unlocks)
    _percentiles("  seal for the session, audit", seals)
    _percentiles("  pass on (the member holds no wrap yet)", passes)


class _light_receipts:  # noqa: N801  # used as a context manager's name
    """Light receipt Argon2id for filing the set-up reports only (not measured)."""

    def __enter__(self) -> None:
        self.saved = settings.UPSTANDER_RECEIPT_KDF
        settings.UPSTANDER_RECEIPT_KDF = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

    def __exit__(self, *exc: object) -> None:
        settings.UPSTANDER_RECEIPT_KDF = self.saved


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the staff case page of a long case (issue 15: "a case page with 200 messages
p95 <= 150 ms").

Run with ``python -m bench.case_page``. Like ``bench.reading_keys`` it sets Django up itself
with ``config.settings.base`` and works on a database of its own: with a PostgreSQL
``DATABASE_URL``, the database ``upstander_bench_case_page`` on that server, created anew at
each run and dropped at the end (``--keep-database`` keeps it).

Set-up (not measured): one focal point, one report filed through the reporter's service, its
case acknowledged, then ``--messages`` messages to the reporter and ``--notes`` internal notes
written through the real services (each one audited, so the trail grows too). Measured: the
focal point, signed in with password and TOTP through Django's test client, opens the case page
``--runs`` times (every opening decrypts the page's messages and notes and is audited, as in
production; the trail grows by one entry a run). Printed: median and p95 of the wall time and of
this process's CPU time (the wall time on a shared machine carries its load), the SQL queries one
opening costs, and the same for the page of earlier messages and for the case API.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import django
from django.conf import settings
from django.core.management import call_command

from bench.databases import ensure_postgres_database

BENCH_DATABASE = "upstander_bench_case_page"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
PASSWORD = "a long bench password for the case page"  # noqa: S105  # nosec B105  # throwaway account


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        sys.exit("bench.case_page needs a PostgreSQL DATABASE_URL (the server to work on)")
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


def _median_p95(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _percentiles(label: str, seconds: list[float], cpu: list[float], queries: int) -> None:
    # On a shared machine the wall time carries everyone else's load; the CPU time this process
    # spent (PostgreSQL's excluded) shows what the page itself costs.
    print(
        f"{label}: {_median_p95(seconds)} over {len(seconds)} runs "
        f"(this process's CPU: {_median_p95(cpu)}); {queries} SQL queries an opening"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.case_page", description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--notes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    url = _database_url()
    _set_up_django(url)
    try:
        _run(args.messages, args.notes, args.runs)
    finally:
        if not args.keep_database:
            _drop(url)
    return 0


def _run(message_count: int, note_count: int, runs: int) -> None:
    # Models and services import only once Django is set up.
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django_otp.oath import totp  # noqa: PLC0415
    from rest_framework.test import APIClient  # noqa: PLC0415

    from accounts.models import Entity, Role  # noqa: PLC0415
    from accounts.services import (  # noqa: PLC0415
        staff_reading_key_unlock,
        staff_user_provision,
    )
    from audit.models import AuditEntry  # noqa: PLC0415
    from cases.models import Case  # noqa: PLC0415
    from cases.services.correspondence import note_add, staff_message_send  # noqa: PLC0415
    from cases.services.transitions import case_transition  # noqa: PLC0415
    from portal.services import ReportSubmission, report_submit  # noqa: PLC0415
    from vault import readers  # noqa: PLC0415

    print(
        f"Upstander case page benchmark on PostgreSQL {BENCH_DATABASE}: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {sys.version.split()[0]}, Django {django.get_version()}"
    )
    entity = Entity.objects.create(code="UNW", name="UN Women")
    focal_point, secret = staff_user_provision(
        username="bench_focal_point", role=Role.FOCAL_POINT, entity=entity, password=PASSWORD
    )
    # A colleague for the API: a TOTP code is accepted once, so each client signs in as its own.
    colleague, colleague_secret = staff_user_provision(
        username="bench_colleague", role=Role.FOCAL_POINT, entity=entity, password=PASSWORD
    )
    started = time.perf_counter()
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category="verbal",
            route="informal",
            informal_channel="ombudsperson",
            narrative="Bench narrative: remarks in meetings, messages at night.",
            reporter_role="affected_person",
            identity_disclosure="anonymous",
            identity=None,
            consents={"case_review": True},
        )
    )
    case = Case.objects.select_related("report").get(report=submitted.report)
    readers.attach(focal_point, staff_reading_key_unlock(focal_point, PASSWORD))
    case = case_transition(case_id=case.pk, name="acknowledge", actor=focal_point)
    body = "A message of a realistic length, about what happens next and when. " * 4
    for number in range(message_count):
        staff_message_send(case=case, actor=focal_point, body=f"{number}: {body}")
    for number in range(note_count):
        note_add(case=case, actor=focal_point, body=f"{number}: {body}")
    entries = AuditEntry.objects.filter(stream=str(case.report_id)).count()
    print(
        f"set-up: one case with {message_count} messages, {note_count} notes and {entries} "
        f"audit entries, in {time.perf_counter() - started:.1f} s"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    signed = client.post(
        "/staff/login/",
        {
            "username": focal_point.username,
            "password": PASSWORD,
            "otp": f"{totp(base64.b32decode(secret)):06d}",
        },
    )
    if signed.status_code != 302:
        sys.exit(f"sign-in failed: {signed.status_code}")
    page = f"/staff/cases/{case.pk}/"
    _measure("staff case page (latest 50 messages)", lambda: client.get(page), runs, connection)
    latest = client.get(page).content.decode()
    if 'href="?messages=' in latest:
        href = latest.split('href="?messages=', 1)[1].split('"', 1)[0]
        _measure(
            "staff case page, earlier messages",
            lambda: client.get(f"{page}?messages={href}"),
            runs,
            connection,
        )
    api = APIClient(HTTP_HOST="127.0.0.1")
    token = api.post(
        "/api/v1/auth/token",
        {
            "username": colleague.username,
            "password": PASSWORD,
            "otp": f"{totp(base64.b32decode(colleague_secret)):06d}",
        },
        format="json",
    )
    if token.status_code == 200:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
        _measure(
            "case API (GET /api/v1/cases/{id})",
            lambda: api.get(f"/api/v1/cases/{case.pk}"),
            runs,
            connection,
        )
    else:
        print(f"case API: not measured (sign-in answered {token.status_code})")


def _measure(label: str, open_once: Callable[[], Any], runs: int, connection: Any) -> None:
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    response = open_once()  # warm: the first opening fills caches
    if response.status_code != 200:
        sys.exit(f"{label}: answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        open_once()
    # Counted now: the next request empties the connection's log.
    queries = len(captured.captured_queries)
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        open_once()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    _percentiles(label, timings, cpu, queries)


if __name__ == "__main__":
    sys.exit(main())

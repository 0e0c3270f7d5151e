"""Benchmark of the staff's and leadership's reads at UN-system scale (issue 15, item 3 and 6).

Fill a database with ``python manage.py generate_bench_data --reports 1000000 --force --json >
bench/out/scale-accounts.json`` first (30 entities; the JSON holds the focal points' sign-in
details), then ``python -m bench.scale`` with the same keys in the environment. Through Django's whole request stack, in process (middleware, session,
the reading key's cookie, templates), it measures and prints p50 and p95 of:

- a focal point's first page of open cases (next deadline first, the queue's default order) and
  of all cases (newest first), as the staff page and through ``GET /api/v1/cases``;
- the staff page of the case with the most messages (the generator gives one 200);
- leadership's ``GET /api/v1/stats/aggregate`` over two dimensions and ``/dashboard/``
  (``bench.stats``, over the releases the command writes first);

then the query plans (``EXPLAIN ANALYZE``) of the case list's queries and of the statistics
release's reads, and whether any of them scans the reports or cases table whole. Peak memory is
the process's own maximum resident set.

The database is ``upstander_scale`` on 127.0.0.1:5432 unless ``--database-url`` says otherwise.
Its keys are the environment's, as for any command (with ``DEBUG=1``, the development keys of
``UPSTANDER_DEV_SECRETS_FILE``): they must be those the generator ran with, or no case opens and
every audit chain reads as broken.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/upstander_scale"
PLANNED_TABLES = ("reports_report", "cases_case", "stats_")
PLANS_SHOWN = 2
TARGETS_MS = {"list": 100.0, "case_page": 150.0, "statistics": 300.0}


def _accounts(path: Path) -> dict[str, Any]:
    """The generator's ``--json`` line: its output keeps the tables' sizes printed above it."""
    lines = [line for line in path.read_text().splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"{path} holds no JSON line: run generate_bench_data with --json into it")
    return dict(json.loads(lines[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--accounts", type=Path, default=OUT / "scale-accounts.json")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django  # noqa: PLC0415 - the environment above must be set before Django starts

    django.setup()
    print(_machine(), flush=True)
    failures = _run(args.requests, _accounts(args.accounts))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak_mb:.0f} MB")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def _machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"machine: {os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}, "
        f"{platform.system()} {platform.release()}"
    )


def _run(requests: int, generated: dict[str, Any]) -> list[str]:
    from django.db import connection  # noqa: PLC0415 - after django.setup()
    from django.test import Client  # noqa: PLC0415

    from bench import stats  # noqa: PLC0415
    from cases.models import Case  # noqa: PLC0415
    from reports.models import Report  # noqa: PLC0415

    print(
        f"data: {Report.objects.count():,} reports, {Case.objects.count():,} cases",
        flush=True,
    )
    member = _busiest_focal_point(generated)
    api, pages, token = _signed_in(Client, member)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    case_id, message_count, handler = _busiest_case(generated)
    _handler_api, handler_pages, _handler_token = _signed_in(Client, handler)
    connection.force_debug_cursor = False
    failures: list[str] = []

    def measured(name: str, target: str, request: Callable[[], Any], count: int) -> None:
        figures = stats.measure(request, count)
        failures.extend(_plans(name, request))
        print(f"{name}: {json.dumps(figures)}", flush=True)
        if figures["p95"] > TARGETS_MS[target]:
            failures.append(f"{name} p95 {figures['p95']} ms > {TARGETS_MS[target]} ms")

    measured(
        "page, first page of open cases (next deadline first)",
        "list",
        lambda: pages.get("/staff/").status_code,
        requests,
    )
    measured(
        "page, first page of all cases (newest first)",
        "list",
        lambda: pages.get("/staff/", {"sort": "-received"}).status_code,
        requests,
    )
    measured(
        "API, first page of all cases (newest first)",
        "list",
        lambda: api.get("/api/v1/cases", **bearer).status_code,
        requests,
    )
    measured(
        "API, first page of open cases (received)",
        "list",
        lambda: api.get("/api/v1/cases", {"state": "received"}, **bearer).status_code,
        requests,
    )
    measured(
        f"case page with {message_count} messages",
        "case_page",
        lambda: handler_pages.get(f"/staff/cases/{case_id}/").status_code,
        requests,
    )
    figures = stats.run(max(20, requests), explain=_plans)
    failures += figures.pop("plan_failures")
    print(f"statistics: {json.dumps(figures)}", flush=True)
    for name in ("aggregate_two_dimensions_ms", "dashboard_ms"):
        if figures[name]["p95"] > TARGETS_MS["statistics"]:
            failures.append(f"{name} p95 {figures[name]['p95']} ms > 300 ms")
    return failures


def _busiest_focal_point(generated: dict[str, Any]) -> dict[str, str]:
    """A focal point of the entity with the most cases, with the generator's password."""
    from django.db.models import Count  # noqa: PLC0415

    from cases.models import Case  # noqa: PLC0415

    largest = Case.objects.values("entity__code").annotate(n=Count("id")).order_by("-n").first()
    assert largest is not None, "no cases"  # nosec B101
    account = next(a for a in generated["accounts"] if a["entity"] == largest["entity__code"])
    print(f"focal point {account['username']} of {largest['entity__code']}: {largest['n']:,} cases")
    return {**account, "password": generated["password"]}


def _signed_in(client_class: Any, member: dict[str, str]) -> tuple[Any, Any, str]:
    """An API client with a token and a page client with a session, both with the member's
    reading key unlocked, signed in as a client does (password and TOTP)."""
    from django_otp.oath import totp  # noqa: PLC0415

    secret = base64.b32decode(member["totp_secret"])
    api = client_class(SERVER_NAME="localhost")
    answer = api.post(
        "/api/v1/auth/token",
        {"username": member["username"], "password": member["password"], "otp": _code(secret)},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content  # nosec B101
    pages = client_class(SERVER_NAME="localhost")
    # A code is accepted once: the page's sign-in takes the next one.
    signed = pages.post(
        "/staff/login/",
        {
            "username": member["username"],
            "password": member["password"],
            "otp": f"{totp(secret, drift=1):06d}",
        },
    )
    assert signed.status_code == 302, signed.status_code  # nosec B101
    return api, pages, answer.json()["token"]


def _code(secret: bytes) -> str:
    from django_otp.oath import totp  # noqa: PLC0415

    return f"{totp(secret):06d}"


def _busiest_case(generated: dict[str, Any]) -> tuple[str, int, dict[str, str]]:
    """The case with the most messages (the generator gives one 200), their count, and a focal
    point of its entity, with the generator's password."""
    from django.db.models import Count  # noqa: PLC0415

    from cases.models import Case  # noqa: PLC0415
    from reports.models import Message  # noqa: PLC0415

    busiest = (
        Message.objects.values("report_id").annotate(count=Count("id")).order_by("-count").first()
    )
    assert busiest is not None, "no messages"  # nosec B101
    case = Case.objects.select_related("entity").get(report_id=busiest["report_id"])
    account = next(a for a in generated["accounts"] if a["entity"] == case.entity.code)
    return str(case.pk), int(busiest["count"]), {**account, "password": generated["password"]}


def _plans(name: str, request: Callable[[], Any]) -> list[str]:
    """Run ``request`` once, print the plans (``EXPLAIN ANALYZE``) of its costliest reads of
    the reports, cases and statistics tables, and fail it for any whole scan of the reports
    or cases table among all its reads."""
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    with CaptureQueriesContext(connection) as captured:
        request()
    reads = [
        query
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        and any(table in query["sql"] for table in PLANNED_TABLES)
    ]
    failures = []
    costliest = sorted(reads, key=lambda query: float(query["time"]), reverse=True)
    print(f"\n=== {name}: {len(captured.captured_queries)} queries", flush=True)
    with connection.cursor() as cursor:
        for rank, query in enumerate(costliest):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if rank < PLANS_SHOWN:
                print(f"--- {query['sql'][:300]}\n{plan}", flush=True)
            failures += [
                f"{name}: sequential scan of {table}"
                for table in ("reports_report", "cases_case")
                if f"Seq Scan on {table}" in plan
            ]
    return failures


if __name__ == "__main__":
    sys.exit(main())

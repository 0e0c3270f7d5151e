"""Benchmark of leadership statistics at scale: releases, the aggregate API and the dashboard.

Run ``python manage.py generate_stats_data --force`` on the benchmark database first (30
entities, 5 years, 1,000,000 reports), then ``python -m bench.stats``. It:

1. writes the releases that are due (``release_due``, as beat does), timed; a second run finds
   them written and only checks for withdrawn consents;
2. signs a leadership account in (password and TOTP, as a client does);
3. measures ``GET /api/v1/stats/aggregate`` over two dimensions (a random pair each time, over
   a random period of whole quarters) and ``GET /dashboard/`` (a random period), in process
   through Django's full request stack, and prints p50, p95 and the maximum.

The database is ``upstander_bench_stats`` on 127.0.0.1:5432 unless ``--database-url`` says
otherwise; Redis database 11 holds the sign-in's throttle counters.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/upstander_bench_stats"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django  # noqa: PLC0415 - the environment above must be set before Django starts

    django.setup()
    figures = run(args.requests)
    print(json.dumps(figures, indent=2))


def run(
    requests: int, *, explain: Callable[[str, Callable[[], Any]], list[str]] | None = None
) -> dict[str, Any]:
    """The figures; with ``explain`` (``bench.scale``), also the failures it finds in the
    plans of one aggregate's and one dashboard's queries."""
    from django.core.management import call_command  # noqa: PLC0415 - after django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django_otp.oath import totp  # noqa: PLC0415

    from accounts.models import Entity, Role  # noqa: PLC0415
    from accounts.services import staff_user_provision  # noqa: PLC0415
    from reports.models import Report  # noqa: PLC0415
    from stats.families import REPORT_DIMENSIONS  # noqa: PLC0415
    from stats.selectors import released_quarters  # noqa: PLC0415
    from stats.services import release_due  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    figures: dict[str, Any] = {"reports": Report.objects.count()}
    started = time.perf_counter()
    figures["quarters_released_now"] = len(release_due())
    figures["release_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures), flush=True)
    quarters = released_quarters()
    figures["quarters_released"] = len(quarters)

    password = "bench-" + base64.b32encode(os.urandom(10)).decode()
    user, secret = staff_user_provision(
        username=f"bench_leader_{int(time.time())}",
        role=Role.LEADERSHIP,
        entity=Entity.objects.order_by("code").first(),
        password=password,
    )
    code = f"{totp(base64.b32decode(secret)):06d}"
    api = Client(SERVER_NAME="localhost")
    token = api.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": password, "otp": code},
        content_type="application/json",
    ).json()["token"]
    pages = Client(SERVER_NAME="localhost")
    # A code is accepted once: the page sign-in uses the next one (the device allows one step).
    following = f"{totp(base64.b32decode(secret), drift=1):06d}"
    signed = pages.post(
        "/staff/login/", {"username": user.username, "password": password, "otp": following}
    )
    assert signed.status_code == 302, signed.status_code

    randomness = random.Random(1)
    pairs = list(itertools.combinations((*REPORT_DIMENSIONS, "quarter"), 2))

    def period() -> dict[str, str]:
        first, last = sorted(randomness.sample(range(len(quarters)), 2))
        return {"from": _first_day(quarters[first]), "to": _first_day(quarters[last])}

    def aggregate() -> int:
        query = {"dimensions": ",".join(randomness.choice(pairs)), **period()}
        response = api.get("/api/v1/stats/aggregate", query, HTTP_AUTHORIZATION=f"Bearer {token}")
        return response.status_code

    def dashboard() -> int:
        return pages.get("/dashboard/", period()).status_code

    connection.force_debug_cursor = False
    figures["aggregate_two_dimensions_ms"] = measure(aggregate, requests)
    figures["dashboard_ms"] = measure(dashboard, max(20, requests // 5))
    if explain is not None:
        figures["plan_failures"] = explain("aggregate, two dimensions", aggregate) + explain(
            "dashboard", dashboard
        )
    return figures


def _first_day(quarter: str) -> str:
    year, number = quarter.split("Q")
    return f"{year}-{3 * int(number) - 2:02d}-01"


def measure(request: Any, count: int) -> dict[str, float]:
    request()  # warm up: first-use imports and caches
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status = request()
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    timings.sort()
    return {
        "requests": count,
        "p50": round(statistics.median(timings), 1),
        "p95": round(timings[int(0.95 * (count - 1))], 1),
        "max": round(timings[-1], 1),
    }


if __name__ == "__main__":
    main()

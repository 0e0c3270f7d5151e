"""Query plans and timings of a focal point's case lists at scale (issue 15, items 1, 3 and 6).

Fill a database first (``python manage.py generate_stats_data --reports 1000000 --force``), then
``python -m bench.case_lists --database-url postgres://...``. For the focal point of the entity
with the most cases, it runs each list's page the way the API and the staff page do
(``cases.selectors.case_page`` and ``case_queue``), prints the plan PostgreSQL chose for its
query (``EXPLAIN (ANALYZE, BUFFERS)``), and the median and p95 of the selector's own time over
``--repeat`` runs (the database's work and the rows' loading; not the rendering).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/upstander_bench_stats"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django  # noqa: PLC0415 - the environment above must be set before Django starts

    django.setup()
    from django.db import connection  # noqa: PLC0415 - after django.setup()
    from django.db.models import Count  # noqa: PLC0415

    from accounts.models import Role, User  # noqa: PLC0415
    from cases.models import Case  # noqa: PLC0415
    from cases.selectors import case_page, case_queue  # noqa: PLC0415

    busiest: dict[str, Any] = dict(
        Case.objects.values("queue_entity").annotate(n=Count("id")).order_by("-n").first() or {}
    )
    focal_point = User.objects.filter(
        entity_id=busiest.get("queue_entity", 0), role=Role.FOCAL_POINT
    ).first()
    if focal_point is None:
        raise SystemExit("No focal point: fill the database with generate_stats_data first.")
    total = Case.objects.count()
    print(
        f"{platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    )
    print(f"{total:,} cases; the focal point's entity holds {busiest['n']:,}.\n")

    middle = case_page(focal_point, limit=500)
    for _ in range(40):  # 20,000 rows in: a deep page
        if middle.next_cursor is None:
            break
        middle = case_page(focal_point, limit=500, cursor=middle.next_cursor)
    some = Case.objects.filter(queue_entity=busiest["queue_entity"]).select_related("report")
    reference = some.values_list("report__reference", flat=True).first() or "R-2"

    lists: dict[str, Callable[[], Any]] = {
        "API, all cases, first page (newest first)": lambda: case_page(focal_point),
        "API, open cases (acknowledged), first page": lambda: case_page(
            focal_point, state="acknowledged"
        ),
        "API, overdue, first page": lambda: case_page(focal_point, due="overdue"),
        "API, a page 20,000 cases in": lambda: case_page(
            focal_point, cursor=middle.next_cursor or ""
        ),
        "API, reference search (first 5 symbols)": lambda: case_page(
            focal_point, reference=reference[:7]
        ),
        "Page, all cases, next deadline first (open ones first)": lambda: case_queue(focal_point),
        "Page, new cases (not acknowledged)": lambda: case_queue(focal_point, section="new"),
        "Page, waiting for the reporter": lambda: case_queue(focal_point, section="waiting"),
        "Page, all cases, newest received": lambda: case_queue(focal_point, sort="-received"),
        "Page, assigned to me": lambda: case_queue(focal_point, assigned_to_me=True),
    }
    for title, run in lists.items():
        captured: list[tuple[str, Any]] = []
        with connection.execute_wrapper(_recorder(captured)):
            run()
        sql, params = next((s, p) for s, p in captured if '"cases_case"' in s)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(f"    {line}" for (line,) in cursor.fetchall())
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"== {title}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
        print(plan, end="\n\n")


def _recorder(captured: list[tuple[str, Any]]) -> Callable[..., Any]:
    """An execute wrapper that keeps each query's SQL and parameters, to explain them."""

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    return record


if __name__ == "__main__":
    main()

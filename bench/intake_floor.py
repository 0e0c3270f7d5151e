"""Intake throughput side by side with the machine's Argon2id floor and with a run without
cryptography (issue 15, item 5).

Run with ``python -m bench.intake_floor`` (``--help`` for the sizes, the database and the
Redis database). In one run it prints, and judges:

1. **The floor.** Every submission derives its report's receipt key with Argon2id at the
   production parameters, which is by design the dearest thing intake does. One derivation's
   CPU time ``c`` is measured here, in one thread, with ``time.process_time`` (which counts the
   threads libargon2 starts for its lanes) over several derivations, after one unmeasured. With
   ``n`` usable cores and ``d`` derivations per submission, no server can take more than
   ``n / (d * c)`` submissions a second: that is the floor (of the time per submission; the
   ceiling of the rate). ``d`` is not assumed: the server counts every key derivation it makes
   (``bench/gunicorn_intake.py``), and ``d`` is those of the measured window divided by the
   submissions it stored. The target is 80% of the floor.

2. **The service with its cryptography.** gunicorn as ``config/gunicorn.py`` configures it
   (``--workers`` workers of ``--threads`` threads: 2 x 2 by default, the service's thread
   count, on this 2-core machine), production settings (``DEBUG=0``, production Argon2id),
   PostgreSQL and Redis, fed by ``--concurrency`` client threads, twice as many as the server
   has threads, so that work is always waiting and the cores stay saturated.

3. **The same service without its cryptography.** The same code and settings, except that
   ``bench.crypto_off`` replaces Argon2id, AES-256-GCM and X25519 with stand-ins that cost next
   to nothing (and refuse to load outside this benchmark). What a submission costs there is
   everything intake does besides cryptography.

**What a submission costs: CPU seconds, not the wall clock.** This machine is shared: other
work can take most of its two cores during a run, and then the wall-clock rate says more about
the neighbours than about the service. So the cost of a submission is counted as the CPU time
the service spent on it: gunicorn's master and workers (every thread, libargon2's included)
plus the PostgreSQL backends serving the benchmark's database (looked up four times a second,
as Django replaces a connection after 60 s), read from ``/proc`` over the measured window and
divided by the submissions stored. Left out: the client (this process), Redis and PostgreSQL's
shared background writers, which serve everyone. ``n / cost`` is then the rate the service
reaches with the cores to itself, the figure the floor is about; the wall-clock rate, the
machine's busy share and the service's part of it are printed beside it, and match it only on
a quiet machine. Contention still inflates CPU time somewhat (shared caches), in both runs.

**Share of the floor** = ``d * c / cost_full`` (the same as the rate at full use of the cores
divided by the floor), at least 80%.

**The overhead ratio, hashing excluded**::

    ratio = (cost_full - d * c) / cost_off     at most 1.5

``cost_full - d * c`` is what the service does around the hashing, encryption included;
``cost_off`` is the same work without any cryptography. ``c`` is the measurement in isolation,
not from inside the loaded server: under load a derivation can only get dearer (its 64 MiB
contend for caches and memory bandwidth with PostgreSQL and the other threads), and that extra
stays in the numerator, so the ratio errs against the service, never for it.

Each run works on its own database (``--database``, created and migrated if missing, keys kept
next to it in ``bench/out/``) and Redis database (``--redis-db``, flushed), with the entity
``UNW``; the reports each run submits are kept there. Exit code 1 when a target is missed or a
submission failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench import submissions as http
from vault.crypto import argon2id, new_salt

GUNICORN_CONFIG = "bench/gunicorn_intake.py"
DERIVATIONS_DIR = http.OUT_DIR
FLOOR_SHARE = 0.80
MAX_OVERHEAD_RATIO = 1.5
DEFAULT_DATABASE = "upstander_bench_intake"
DEFAULT_REDIS_DB = 12


# --- The machine and the floor ------------------------------------------------------------


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields[:8])  # user .. steal; guest time is already in user
    return total - idle, total


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process (all its threads), or 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def database_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` now, this query's own excepted."""
    with psycopg.connect(f"{http.POSTGRES_SERVER}/{database}", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return [int(row[0]) for row in rows]


class ServiceCpuMeter:
    """CPU seconds the service spends in a window: gunicorn's master and workers, and the
    PostgreSQL backends serving the benchmark's database.

    Django closes a connection after ``DATABASE_CONN_MAX_AGE`` (60 s) and opens another, so the
    backends are looked up again every ``POLL`` seconds; a backend that appears in the window
    counts whole, one that ends counts up to its last reading (at most ``POLL`` s of its work
    is missed)."""

    POLL = 0.25

    def __init__(self, server_pid: int, database: str) -> None:
        self.database = database
        self.server_pids = [server_pid, *children_of(server_pid)]
        self.server_start = {pid: process_cpu_seconds(pid) for pid in self.server_pids}
        self.backend_start = {pid: process_cpu_seconds(pid) for pid in database_backends(database)}
        self.backend_last = dict(self.backend_start)
        self.stopping = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()

    def _read_backends(self) -> None:
        for pid in database_backends(self.database):
            seconds = process_cpu_seconds(pid)
            if seconds:
                self.backend_last[pid] = max(seconds, self.backend_last.get(pid, 0.0))

    def _poll(self) -> None:
        while not self.stopping.wait(self.POLL):
            self._read_backends()

    def stop(self) -> tuple[float, float]:
        """(server, database) CPU seconds since the meter started."""
        self.stopping.set()
        self.poller.join()
        self._read_backends()
        server = sum(process_cpu_seconds(pid) - start for pid, start in self.server_start.items())
        database = sum(
            last - self.backend_start.get(pid, 0.0) for pid, last in self.backend_last.items()
        )
        return server, database


def argon2_cpu_seconds(kdf: dict[str, int], runs: int) -> float:
    """CPU seconds of one receipt derivation at ``kdf``: the mean over ``runs``, in one thread."""
    salt = new_salt()
    argon2id("WARM-UPAA-AAAA-AAAA-AAAA", salt, **kdf)  # allocator, page faults
    started = time.process_time()
    for index in range(runs):
        argon2id(f"K7QF-2MXD-9TZA-VH4C-R{index % 10}{index // 10 % 10}", salt, **kdf)
    return (time.process_time() - started) / runs


# --- One run of the server ----------------------------------------------------------------


@dataclass
class IntakeRun:
    name: str
    outcome: http.Outcome
    derivations: int
    busy_share: float  # of the whole machine, neighbours included
    server_cpu: float  # seconds: gunicorn's master and workers
    database_cpu: float  # seconds: the PostgreSQL backends serving them
    client_cpu: float  # seconds: this process's client threads

    @property
    def stored(self) -> int:
        return len(self.outcome.latencies)

    @property
    def rate(self) -> float:
        return self.stored / self.outcome.wall if self.outcome.wall else 0.0

    @property
    def service_cpu(self) -> float:
        return self.server_cpu + self.database_cpu

    @property
    def cpu_per_submission(self) -> float:
        """Core seconds the service spent on one submission (the client's excluded)."""
        return self.service_cpu / self.stored if self.stored else float("inf")

    @property
    def derivations_per_submission(self) -> float:
        return self.derivations / self.stored if self.stored else 0.0


def clear_derivation_counts() -> None:
    for path in DERIVATIONS_DIR.glob("derivations-*.log"):
        path.unlink()


def derivations_between(start: float, end: float) -> int:
    count = 0
    for path in DERIVATIONS_DIR.glob("derivations-*.log"):
        for line in path.read_text(encoding="utf-8").split():
            if start <= float(line) <= end:
                count += 1
    return count


def serve_and_measure(
    name: str, env: dict[str, str], args: argparse.Namespace, *, count: int
) -> IntakeRun:
    """Start gunicorn with ``env``, warm it up, then send ``count`` submissions and measure."""
    clear_derivation_counts()
    server = http.start_gunicorn(env, config=GUNICORN_CONFIG)
    try:
        http.wait_until_healthy(server, int(env["GUNICORN_BIND"].rsplit(":", 1)[1]))
        port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
        # Every server thread opens its database connection and warms its caches first.
        warm = http.run_submissions(
            port,
            count=args.workers * args.threads * 2,
            concurrency=args.workers * args.threads,
            timeout=args.timeout,
            time_limit=args.time_limit,
        )
        if warm.errors:
            http.report(f"{name}, warm-up", warm, rate_name="submissions")
            raise SystemExit(f"{name}: the warm-up failed; see {http.GUNICORN_LOG}.")
        print(f"{name}: load average before the window {load_average()}", flush=True)
        meter = ServiceCpuMeter(server.pid, args.database)
        client_before = time.process_time()
        busy_before, total_before = machine_busy_ticks()
        window_start = time.monotonic()
        outcome = http.run_submissions(
            port,
            count=count,
            concurrency=args.concurrency,
            timeout=args.timeout,
            time_limit=args.time_limit,
        )
        window_end = time.monotonic()
        busy_after, total_after = machine_busy_ticks()
        client_cpu = time.process_time() - client_before
        server_cpu, database_cpu = meter.stop()
        http.report(f"{name}, {args.concurrency} client threads", outcome, rate_name="submissions")
        ticks = total_after - total_before
        return IntakeRun(
            name=name,
            outcome=outcome,
            derivations=derivations_between(window_start, window_end),
            busy_share=(busy_after - busy_before) / ticks if ticks else 0.0,
            server_cpu=server_cpu,
            database_cpu=database_cpu,
            client_cpu=client_cpu,
        )
    finally:
        http.stop_gunicorn(server)


# --- Figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    hashing: float  # core seconds of Argon2id a submission: d * c
    floor_rate: float  # cores / hashing
    floor_share: float  # hashing / the service's CPU a submission
    ratio: float

    @property
    def floor_met(self) -> bool:
        return self.floor_share >= FLOOR_SHARE

    @property
    def ratio_met(self) -> bool:
        return self.ratio <= MAX_OVERHEAD_RATIO


def judge(cores: int, argon2_cpu: float, full: IntakeRun, off: IntakeRun) -> Verdict:
    hashing = full.derivations_per_submission * argon2_cpu
    return Verdict(
        hashing=hashing,
        floor_rate=cores / hashing if hashing else 0.0,
        floor_share=hashing / full.cpu_per_submission,
        ratio=(full.cpu_per_submission - hashing) / off.cpu_per_submission,
    )


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _value in rows)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)


def verdict_words(met: bool) -> str:
    return "PASS" if met else "FAIL"


def run_words(run: IntakeRun, cores: int) -> str:
    ms = run.cpu_per_submission * 1000
    return (
        f"{cores / run.cpu_per_submission:.2f} submissions/s at full use of the cores "
        f"({ms:,.1f} ms of service CPU each, of which PostgreSQL "
        f"{run.database_cpu / run.stored * 1000:,.1f}); measured {run.rate:.2f}/s with the machine "
        f"{run.busy_share * 100:.0f}% busy, the service using "
        f"{run.service_cpu / (run.outcome.wall * cores) * 100:.0f}% of it, the client "
        f"{run.client_cpu / (run.outcome.wall * cores) * 100:.0f}%"
    )


def print_table(
    kdf: dict[str, Any], cores: int, argon2_cpu: float, full: IntakeRun, off: IntakeRun
) -> Verdict:
    verdict = judge(cores, argon2_cpu, full, off)
    full_ms = full.cpu_per_submission * 1000
    off_ms = off.cpu_per_submission * 1000
    print("\nIntake against the Argon2id floor and without cryptography")
    print(
        table(
            [
                ("machine", f"{cores} usable cores (nproc), {cpu_model()}"),
                ("python", sys.version.split()[0]),
                (
                    "Argon2id",
                    f"time_cost={kdf['time_cost']}, memory_cost={kdf['memory_cost']} KiB, "
                    f"parallelism={kdf['parallelism']}: {argon2_cpu * 1000:,.0f} ms of CPU each",
                ),
                (
                    "derivations a submission",
                    f"{full.derivations_per_submission:.2f} "
                    f"({full.derivations} for {full.stored} submissions; without cryptography "
                    f"{off.derivations_per_submission:.2f})",
                ),
                (
                    "floor",
                    f"{verdict.floor_rate:.2f} submissions/s "
                    f"({cores} cores / {verdict.hashing * 1000:,.0f} ms of hashing)",
                ),
                ("target (80% of floor)", f"{FLOOR_SHARE * verdict.floor_rate:.2f} submissions/s"),
                ("with cryptography", run_words(full, cores)),
                ("without cryptography", run_words(off, cores)),
                (
                    "share of the floor",
                    f"{verdict.hashing * 1000:,.0f} / {full_ms:,.1f} ms = "
                    f"{verdict.floor_share * 100:.0f}% "
                    f"({verdict_words(verdict.floor_met)}: at least {FLOOR_SHARE * 100:.0f}%)",
                ),
                (
                    "overhead, hashing excluded",
                    f"({full_ms:,.1f} - {verdict.hashing * 1000:,.0f}) / {off_ms:,.1f} ms = "
                    f"{verdict.ratio:.2f}x ({verdict_words(verdict.ratio_met)}: at most "
                    f"{MAX_OVERHEAD_RATIO}x)",
                ),
            ]
        )
    )
    return verdict


# --- The command --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake_floor",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=240, help="submissions with cryptography")
    parser.add_argument(
        "--requests-off", type=int, default=1500, help="submissions without cryptography"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads of each worker")
    parser.add_argument("--argon2-runs", type=int, default=10, help="derivations timed")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL database")
    parser.add_argument("--redis-db", type=int, default=DEFAULT_REDIS_DB, help="Redis database")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument(
        "--time-limit", type=float, default=300.0, help="seconds after which no request starts"
    )
    parser.add_argument("--recreate-database", action="store_true")
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        parser.error("--database must name a benchmark database (its name contains 'bench')")
    if min(args.requests, args.requests_off, args.concurrency, args.argon2_runs) < 1:
        parser.error("sizes must be positive")

    cores = usable_cores()
    print(f"Machine: {cores} usable cores, {cpu_model()}; load average {load_average()}")
    created = http.ensure_database(recreate=args.recreate_database, name=args.database)
    keys = http.database_keys(created=created, name=args.database)
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    port = http.free_port()
    full_env = http.server_environment(
        keys,
        port=port,
        workers=args.workers,
        threads=args.threads,
        database_url=f"{http.POSTGRES_SERVER}/{args.database}",
        redis_url=redis_url,
    )
    # All the traffic comes from one address: the ten-minute limit too would stop it after a few.
    full_env["UPSTANDER_SUBMISSIONS_PER_CLIENT_BURST"] = "10000000"
    configuration = http.prepare_database(full_env)
    kdf: dict[str, int] = configuration["kdf"]
    print(
        f"Database {args.database} ready (DEBUG={configuration['debug']}); Redis db {args.redis_db}"
    )

    argon2_cpu = argon2_cpu_seconds(kdf, args.argon2_runs)
    print(f"Argon2id: {argon2_cpu * 1000:,.0f} ms of CPU a derivation ({args.argon2_runs} runs)")

    http.flush_redis(redis_url)
    full = serve_and_measure("With cryptography", full_env, args, count=args.requests)
    off_env = {
        **full_env,
        "DJANGO_SETTINGS_MODULE": "bench.settings_crypto_off",
        "UPSTANDER_BENCH_CRYPTO_OFF": "1",
    }
    http.flush_redis(redis_url)
    off = serve_and_measure("Without cryptography", off_env, args, count=args.requests_off)

    verdict = print_table(kdf, cores, argon2_cpu, full, off)
    failed = full.outcome.errors or off.outcome.errors
    return 0 if verdict.floor_met and verdict.ratio_met and not failed else 1


if __name__ == "__main__":
    sys.exit(main())

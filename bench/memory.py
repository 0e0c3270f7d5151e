"""Peak memory of every management command and periodic task at scale (issue 15, item 3).

Fill a database first, e.g. ``python manage.py generate_stats_data --reports 1000000 --force``
(or pass ``--generate 1000000`` here, which runs it as the first measured command), then::

    python -m bench.memory --database-url postgres://postgres@127.0.0.1:5432/DB

Each command runs as ``manage.py`` in a process of its own, and each periodic task of
``CELERY_BEAT_SCHEDULE`` too (its function called in a fresh process, as a worker's child would
run it); the peak resident memory of each is the kernel's (``wait4``'s ``ru_maxrss``). Then a
real ``celery -A config worker`` (prefork, one child) is started on the Redis database given and
sent every periodic task in turn: its row shows the peak of the worker's largest process so far
(``VmHWM``), since a worker keeps what a task made it grow by. It prints command, seconds, peak
MB and PASS or FAIL against ``--limit-mb`` (300), and exits 1 if anything failed or went over.
``--skip NAME`` leaves a command or task out (``verify_audit_chain`` takes long at scale).

It runs with ``DEBUG=0``, as production does (with ``DEBUG=1`` Django keeps every query in
memory). The database, the Redis database and the keys come from the options or the environment:
``BENCH_DATABASE_URL``, ``BENCH_REDIS_URL`` (Redis db 3 by default, flushed: it holds only this
benchmark's Celery messages), ``UPSTANDER_KEKS`` and ``UPSTANDER_BLIND_INDEX_KEY``; without the
two keys, those kept next to the database in ``bench/out/<database>.keys.json`` (made there if
missing, as ``bench.submissions`` does). ``rotate_kek`` rotates to a second key kept in that file
(or ``BENCH_ROTATION_KEK``, ``VERSION:BASE64KEY``), so it has wraps to rewrap once; every other
command is given both keys.

Changes the database: releases statistics, writes audit checkpoints (to
``bench/out/<database>.checkpoints``), makes recovery keys for entities without one (printing
their private keys to /dev/null), moves server wraps to readers' keys, rotates the KEK.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import redis
from celery import Celery

from bench.submissions import BASE_DIR, OUT_DIR, VENV_BIN, server_environment

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/upstander_memory_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
LIMIT_MB = 300
ROTATION_VERSION = "benchrotated"
TIMEOUT = 3600.0
WORKER_START_TIMEOUT = 60.0
LOG = OUT_DIR / "memory.log"

# (label, manage.py arguments). What is left out, and why, is in SKIPPED.
COMMANDS: list[tuple[str, list[str]]] = [
    ("release_stats", ["release_stats"]),
    ("audit_checkpoint", ["audit_checkpoint"]),
    ("verify_audit_chain", ["verify_audit_chain"]),
    ("entity_recovery_key_create --all-missing", ["entity_recovery_key_create", "--all-missing"]),
    ("move_to_recipient_keys --allow-unenrolled", ["move_to_recipient_keys", "--allow-unenrolled"]),
    ("rotate_kek", ["rotate_kek"]),
]
SKIPPED = {
    "shred_report": "one report by reference, irreversible: its work does not grow with the data",
    "recover_access": (
        "a ceremony with a recovery key typed in, for one reader and one entity; it streams "
        "that entity's cases (issue 15)"
    ),
    "seed_demo": "fixed-size demonstration data, refused outside development",
    "generate_stats_data": "the data generator: measured with --generate N",
}
BEAT_TASKS = [
    "notifications.tasks.relay_outbox",
    "portal.tasks.purge_reporter_sessions",
    "portal.tasks.purge_spent_intake_forms",
    "accounts.tasks.purge_staff_sessions",
    "notifications.tasks.purge_sent_outbox",
    "stats.tasks.release_stats",
    "audit.tasks.audit_checkpoint",
    "portal.tasks.schedule_check_ins",
]
# Calls one periodic task's function in this process, as a worker's child runs it.
CALL_TASK = """
import importlib, sys
import django
django.setup()
module, _, name = sys.argv[1].rpartition(".")
print(getattr(importlib.import_module(module), name)())
"""
COUNT = "from reports.models import Report; print(Report.objects.count())"


@dataclass
class Row:
    label: str
    seconds: float
    peak_mb: float
    ok: bool
    note: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--limit-mb", type=float, default=LIMIT_MB)
    parser.add_argument(
        "--generate", type=int, metavar="REPORTS", help="first fill the database with this many"
    )
    parser.add_argument("--no-worker", action="store_true", help="skip the real Celery worker")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="NAME",
        help="a command or task (its last dotted name) not to run; may be repeated",
    )
    args = parser.parse_args()

    database = urlsplit(args.database_url).path.lstrip("/")
    keys = bench_keys(database)
    env = server_environment(keys, port=0, workers=1)
    env.update(
        {
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "UPSTANDER_KEKS": f"{keys['UPSTANDER_KEKS']},{keys['BENCH_ROTATION_KEK']}",
            "UPSTANDER_AUDIT_CHECKPOINT_FILE": str(OUT_DIR / f"{database}.checkpoints"),
        }
    )
    print(
        f"Peak memory of commands and periodic tasks: {database}, Redis {args.redis_url}, "
        f"DEBUG=0, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        flush=True,
    )
    _manage(env, "migrate", "--no-input", "-v", "0")
    rows: list[Row] = []
    if args.generate:
        generate = ["generate_stats_data", "--reports", str(args.generate), "--force"]
        rows.append(measure(f"generate_stats_data --reports {args.generate}", generate, env))
    print(f"Reports in the database: {count_reports(env)}", flush=True)
    rows.append(measure("(baseline: manage.py check)", ["check"], env))
    for label, arguments in COMMANDS:
        if arguments[0] in args.skip:
            continue
        command_env = env
        if arguments[0] == "rotate_kek":
            rotated = f"{keys['BENCH_ROTATION_KEK']},{keys['UPSTANDER_KEKS']}"
            command_env = {**env, "UPSTANDER_KEKS": rotated}
        rows.append(measure(label, arguments, command_env))
    for task in BEAT_TASKS:
        if task.rpartition(".")[2] in args.skip:
            continue
        call = ["-c", CALL_TASK, task]
        rows.append(measure(f"task {task}", call, env, manage_py=False))
    if not args.no_worker:
        rows += worker_rows(env, args.redis_url)
    print_table(rows, args.limit_mb, args.skip)
    sys.exit(0 if all(row.ok and row.peak_mb <= args.limit_mb for row in rows) else 1)


def bench_keys(database: str) -> dict[str, str]:
    """The database's keys: from the environment, else kept in bench/out/ (made if missing)."""
    path = OUT_DIR / f"{database}.keys.json"
    kept: dict[str, str] = {}
    if path.exists():
        kept = json.loads(path.read_text(encoding="utf-8"))
    keys = {
        name: os.environ.get(name) or kept.get(name) or ""
        for name in ("UPSTANDER_KEKS", "UPSTANDER_BLIND_INDEX_KEY", "BENCH_ROTATION_KEK")
    }
    keys["UPSTANDER_KEKS"] = keys["UPSTANDER_KEKS"] or f"bench1:{_random_key()}"
    keys["UPSTANDER_BLIND_INDEX_KEY"] = keys["UPSTANDER_BLIND_INDEX_KEY"] or _random_key()
    keys["BENCH_ROTATION_KEK"] = keys["BENCH_ROTATION_KEK"] or f"{ROTATION_VERSION}:{_random_key()}"
    if keys != kept:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(keys, handle, indent=2)
    return keys


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        print(done.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"manage.py {arguments[0]} failed with exit code {done.returncode}.")
    return done.stdout


def count_reports(env: dict[str, str]) -> int:
    printed = _manage(env, "shell", "-c", COUNT).strip().splitlines()
    return int(printed[-1])


def measure(
    label: str, arguments: list[str], env: dict[str, str], *, manage_py: bool = True
) -> Row:
    """Run one process to its end: its wall time, and the kernel's peak of its resident memory
    (with that of any child it waited for). Its standard error goes to bench/out/memory.log;
    its standard output nowhere (``entity_recovery_key_create`` prints private keys)."""
    command = [str(VENV_BIN / "python"), *(["manage.py"] if manage_py else []), *arguments]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with LOG.open("ab") as log:
        log.write(f"\n=== {label}\n".encode())
        log.flush()
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        # wait4, not Popen.wait: it hands back the usage of this child alone.
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
    code = process.returncode
    row = Row(
        label, seconds, usage.ru_maxrss / 1024, code == 0, "" if code == 0 else f"exit {code}"
    )
    print_row(row, LIMIT_MB)
    return row


# --- A real worker ----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _peak_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else 0.0


def worker_rows(env: dict[str, str], redis_url: str) -> list[Row]:
    """Start ``celery -A config worker`` (prefork, one child), send it each periodic task and
    wait for it to end; each row is the largest worker process's peak so far.

    The worker logs no task lines (they would time-stamp submissions), and no results are kept:
    a task has ended when the broker holds neither its message nor an unacknowledged delivery
    (``CELERY_TASK_ACKS_LATE``: the message is acknowledged once the task returns)."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    client.flushdb()
    broker = Celery("bench-memory", broker=redis_url)
    worker_log = OUT_DIR / "memory-worker.log"
    command = [
        *(str(VENV_BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO"),
        *("--concurrency", "1", "--pool", "prefork"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    rows = []
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_ready(worker_log, worker)
        rows.append(_worker_row("worker: idle, ready", 0.0, worker))
        print_row(rows[-1], LIMIT_MB)
        for task in BEAT_TASKS:
            started = time.perf_counter()
            broker.send_task(task)
            _wait_until_done(client, worker)
            rows.append(_worker_row(f"worker: {task}", time.perf_counter() - started, worker))
            print_row(rows[-1], LIMIT_MB)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        client.flushdb()
        client.close()
    return rows


def _worker_row(label: str, seconds: float, worker: subprocess.Popen[bytes]) -> Row:
    children = [_peak_mb(pid) for pid in _children(worker.pid)]
    peak = max([_peak_mb(worker.pid), *children])
    if worker.poll() is not None:
        return Row(label, seconds, peak, False, "the worker stopped")
    # The child runs the tasks: its own peak shows what they grew it by.
    return Row(label, seconds, peak, True, f"(its child: {max(children, default=0):.1f} MB)")


def _wait_until_ready(log: Path, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if " ready." in log.read_text(encoding="utf-8", errors="replace"):
            return
        if worker.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"The Celery worker did not start; see {log.relative_to(BASE_DIR)}.")


def _wait_until_done(client: redis.Redis, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + TIMEOUT
    idle = 0
    while time.monotonic() < deadline and worker.poll() is None:
        pending = client.llen("celery") + client.hlen("unacked")
        # Twice in a row: a message just taken from the queue is not yet among the unacked.
        idle = idle + 1 if pending == 0 else 0
        if idle == 2:
            return
        time.sleep(0.2)


# --- The table --------------------------------------------------------------------------------


def print_row(row: Row, limit_mb: float) -> None:
    verdict = "PASS" if row.ok and row.peak_mb <= limit_mb else "FAIL"
    print(
        f"  {row.label:<52} {row.seconds:>8.1f} s {row.peak_mb:>8.1f} MB  {verdict} {row.note}",
        flush=True,
    )


def print_table(rows: list[Row], limit_mb: float, skipped: list[str]) -> None:
    print(f"\n{'command or task':<54} {'seconds':>8} {'peak MB':>11}  (limit {limit_mb:.0f} MB)")
    for row in rows:
        print_row(row, limit_mb)
    print("Not run:")
    for name, reason in {**SKIPPED, **dict.fromkeys(skipped, "left out with --skip")}.items():
        print(f"  {name}: {reason}")


if __name__ == "__main__":
    main()

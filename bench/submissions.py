"""Benchmark of report intake through the full HTTP stack: gunicorn, Django, PostgreSQL, Redis.

Run with ``python -m bench.submissions [--requests N] [--concurrency C] [--workers W]``. It
measures submissions per second and the latency of ``POST /api/v1/reports`` as production
runs it (``DEBUG=0``, production Argon2id parameters), then, lighter, the latency of
``POST /api/v1/reporter/session`` with a valid receipt and with a wrong one (the two should
cost about the same: an unknown receipt pays the same Argon2id work).

It works on a server of its own:

- the PostgreSQL database ``upstander_bench_http`` on 127.0.0.1:5432, created if missing (or
  dropped and created again with ``--recreate-database``), migrated, with an entity ``UNW``;
- Redis database 12, flushed before the run (it holds only this benchmark's throttle counters
  and Celery messages; no worker runs, so notifications stay in the outbox);
- gunicorn on a free port of 127.0.0.1, started as a subprocess and terminated at the end, its
  log in ``bench/out/gunicorn.log``.

Secrets are random. ``SECRET_KEY`` is new on every run; the KEK and the blind-index key are
generated with the database and kept next to it in ``bench/out/`` (git-ignored, owner-only),
because the vault refuses a different key under a version that already wrapped stored data.
The reports it submits stay in the benchmark database: nothing else is dropped.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis

from bench.databases import ensure_postgres_database as _ensure
from reports.receipts import receipt_new  # pure Python: no Django set-up needed

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "bench" / "out"
VENV_BIN = BASE_DIR / ".venv" / "bin"
BENCH_DATABASE = "upstander_bench_http"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{POSTGRES_SERVER}/{BENCH_DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/12"
HOST = "127.0.0.1"
GUNICORN_LOG = OUT_DIR / "gunicorn.log"
HEALTH_TIMEOUT = 30.0
NARRATIVE_CHARS = 2048
WRONG_RECEIPTS = 5  # the throttle allows 5 failures per 15 minutes per client address
SHOWN_ERRORS = 3
# Inherited from the caller's environment; everything else the server sees is set here, so
# that no stray variable (a KDF cost, a proxy setting, another database) skews the figures.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


# --- Environment, database and server -----------------------------------------------------


def random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def ensure_database(*, recreate: bool, name: str = BENCH_DATABASE) -> bool:
    """Create the benchmark database if missing (or anew); True when it was created."""
    return _ensure(f"{POSTGRES_SERVER}/postgres", name, recreate=recreate)


def database_keys(*, created: bool, name: str = BENCH_DATABASE) -> dict[str, str]:
    """The KEK and blind-index key of the benchmark database: new with it, then kept."""
    keys_file = OUT_DIR / f"{name}.keys.json"
    if not created and keys_file.exists():
        kept: dict[str, str] = json.loads(keys_file.read_text(encoding="utf-8"))
        return kept
    if not created:
        raise SystemExit(
            f"{name} exists but its keys ({keys_file.relative_to(BASE_DIR)}) are "
            "gone, so its stored data keys cannot be opened. Run again with --recreate-database."
        )
    keys = {
        "UPSTANDER_KEKS": f"bench1:{random_key()}",
        "UPSTANDER_BLIND_INDEX_KEY": random_key(),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(keys, handle, indent=2)
    return keys


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_environment(
    keys: dict[str, str],
    *,
    port: int,
    workers: int,
    threads: int = 1,
    database_url: str = DATABASE_URL,
    redis_url: str = REDIS_URL,
) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "UPSTANDER_KEKS": keys["UPSTANDER_KEKS"],
            "UPSTANDER_BLIND_INDEX_KEY": keys["UPSTANDER_BLIND_INDEX_KEY"],
            "ALLOWED_HOSTS": HOST,
            "EMAIL_HOST": HOST,
            "UPSTANDER_BASE_URL": "https://upstander.invalid",
            "SECURE_SSL_REDIRECT": "0",
            "GUNICORN_BIND": f"{HOST}:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            # All the traffic comes from one address: the daily per-client limit of reports
            # (core.throttling) would stop it after a few.
            "UPSTANDER_SUBMISSIONS_PER_CLIENT_PER_DAY": "10000000",
        }
    )
    return env


def manage(env: dict[str, str], *arguments: str) -> str:
    """Run ``manage.py`` with the server's environment; its stdout, or exit naming the failure."""
    command = [str(VENV_BIN / "python"), "manage.py", *arguments]
    done = subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"manage.py {arguments[0]} failed with exit code {done.returncode}.")
    return done.stdout


# Runs in the server's configuration: the entity the traffic reports to, and the Argon2id
# parameters that configuration puts in effect.
SET_UP_ENTITY = """
import json
from django.conf import settings
from accounts.models import Entity
Entity.objects.update_or_create(
    code="UNW", defaults={"name": "United Nations Women (benchmark)", "accepts_reports": True}
)
print(json.dumps({"kdf": settings.UPSTANDER_RECEIPT_KDF, "debug": settings.DEBUG}))
"""


def prepare_database(env: dict[str, str]) -> dict[str, Any]:
    manage(env, "migrate", "--no-input", "-v", "0")
    lines = manage(env, "shell", "-c", SET_UP_ENTITY).strip().splitlines()
    configuration: dict[str, Any] = json.loads(lines[-1])
    return configuration


def flush_redis(url: str = REDIS_URL) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def log_tail(lines: int = 30, log: Path = GUNICORN_LOG) -> str:
    if not log.exists():
        return ""
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def start_gunicorn(
    env: dict[str, str], *, config: str = "config/gunicorn.py", log_path: Path = GUNICORN_LOG
) -> subprocess.Popen[bytes]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    command = [str(VENV_BIN / "gunicorn"), "config.wsgi", "-c", config]
    with log_path.open("wb") as log:
        # A session of its own, so that its workers can be ended with it if it hangs.
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_healthy(
    server: subprocess.Popen[bytes], port: int, log: Path = GUNICORN_LOG
) -> dict[str, Any]:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"gunicorn exited with code {server.returncode} before answering /healthz:\n"
                f"{log_tail(log=log)}"
            )
        try:
            status, body = request(port, "GET", "/healthz", None, timeout=2.0)
        except OSError as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if status == 200:
                health: dict[str, Any] = json.loads(body)
                return health
            last = f"{status} {body[:200]!r}"
        time.sleep(0.2)
    raise SystemExit(
        f"GET /healthz did not answer 200 within {HEALTH_TIMEOUT:.0f} s (last: {last}).\n"
        f"{log_tail(log=log)}"
    )


def stop_gunicorn(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # graceful: the master stops its workers
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # its own session (start_new_session)
        server.wait(timeout=10)


# --- Traffic ------------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, payload: dict[str, Any] | None, *, timeout: float
) -> tuple[int, bytes]:
    """One request on a fresh connection (gunicorn's sync workers do not keep connections)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


SENTENCES = (
    "It started at the quarterly planning retreat, when my team lead sat next to me at dinner "
    "and kept putting his hand on my knee even after I moved my chair away.",
    "In the weeks that followed he sent messages late at night on the office chat asking what I "
    "was wearing and whether I was alone.",
    "I told him clearly, in writing, that the messages were unwelcome and that I wanted our "
    "contact to be about work only.",
    "After that my name was left off the mission roster I had been preparing for months, and he "
    "told a colleague I was not a team player.",
    "During a video call with the country office he made a joke about my body that several "
    "people heard; two of them wrote to me afterwards to ask if I was all right.",
    "A colleague from procurement saw him block the door of the small meeting room and say that "
    "a contract extension depended on how friendly I was.",
    "I have kept screenshots of the messages and a note of the dates, and I wrote down what was "
    "said on the day it happened.",
    "I am worried that reporting this will affect my contract renewal, which is due in the "
    "spring, and I do not want him to know who reported it yet.",
    "What I would like most is for it to stop and for someone to make sure I can keep working "
    "on the programme without being alone with him.",
    "I have not spoken to a counsellor yet, but I would like to know what support is available "
    "to staff on temporary appointments.",
)

# The three routes the traffic mixes: route, channel, consents.
ROUTES: tuple[tuple[str, str | None, dict[str, bool]], ...] = (
    ("informal", "ombudsperson", {"case_review": True, "ombudsperson_referral": True}),
    ("formal", None, {"case_review": True, "formal_investigation": True, "statistics": True}),
    ("record_only", None, {"statistics": True}),
)
CATEGORIES = ("verbal", "non_verbal", "physical", "quid_pro_quo", "technology_facilitated")
LOCATIONS = ("headquarters", "field", "remote_or_online", "offsite_event")


def narrative(rng: random.Random) -> str:
    parts: list[str] = []
    while sum(len(part) + 1 for part in parts) < NARRATIVE_CHARS:
        parts.append(rng.choice(SENTENCES))
    return " ".join(parts)[:NARRATIVE_CHARS].rsplit(" ", 1)[0] + "."


def submission(index: int, rng: random.Random) -> dict[str, Any]:
    route, channel, consents = ROUTES[index % len(ROUTES)]
    today = datetime.now(UTC).date()
    confidential = index % 2 == 0
    body: dict[str, Any] = {
        "entity": "UNW",
        "category": rng.choice(CATEGORIES),
        "route": route,
        "narrative": narrative(rng),
        "incident_date": (today - timedelta(days=rng.randint(1, 400))).isoformat(),
        "location_type": rng.choice(LOCATIONS),
        "reporter_role": "witness" if index % 5 == 4 else "affected_person",
        "identity_disclosure": "confidential" if confidential else "anonymous",
        "alleged_perpetrator": {
            "name": "A. Example",
            "role": "Team lead",
            "relationship": "supervisor",
        },
        "consents": dict(consents),
    }
    if channel:
        body["informal_channel"] = channel
    if confidential:
        body["identity"] = {"name": f"Reporter {index}", "email": f"reporter{index}@example.org"}
    return body


def answer_field(body: bytes, name: str) -> Any:
    """A field of a JSON object answer, or ``None`` if the answer is not one."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed.get(name) if isinstance(parsed, dict) else None


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    wall: float = 0.0
    sent: int = 0


def run_submissions(
    port: int, *, count: int, concurrency: int, timeout: float, time_limit: float
) -> Outcome:
    """``count`` submissions from ``concurrency`` threads; no new request after ``time_limit``."""
    outcome = Outcome()
    lock = threading.Lock()
    next_index = iter(range(count))
    deadline = time.monotonic() + time_limit
    bodies = [submission(index, random.Random(index)) for index in range(count)]

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(next_index, None)
                if index is None:
                    return
                outcome.sent += 1
            started = time.perf_counter()
            try:
                status, body = request(
                    port, "POST", "/api/v1/reports", bodies[index], timeout=timeout
                )
            except OSError as error:
                with lock:
                    outcome.errors.append(f"#{index}: {type(error).__name__}: {error}")
                continue
            elapsed = time.perf_counter() - started
            receipt = answer_field(body, "receipt") if status == 201 else None
            with lock:
                if receipt:
                    outcome.latencies.append(elapsed)
                    outcome.receipts.append(receipt)
                else:
                    outcome.errors.append(
                        f"#{index}: {status} {body[:600].decode(errors='replace')}"
                    )

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.wall = time.perf_counter() - started
    return outcome


def run_sessions(port: int, receipts: list[str], *, expect: int, timeout: float) -> Outcome:
    """One sign-in per receipt, one after another, each expected to answer ``expect``."""
    outcome = Outcome()
    started = time.perf_counter()
    for receipt in receipts:
        outcome.sent += 1
        began = time.perf_counter()
        try:
            status, body = request(
                port, "POST", "/api/v1/reporter/session", {"receipt": receipt}, timeout=timeout
            )
        except OSError as error:
            outcome.errors.append(f"{type(error).__name__}: {error}")
            continue
        elapsed = time.perf_counter() - began
        field_expected = "token" if expect == 200 else "error"
        if status == expect and answer_field(body, field_expected):
            outcome.latencies.append(elapsed)
        else:
            outcome.errors.append(f"{status} {body[:600].decode(errors='replace')}")
    outcome.wall = time.perf_counter() - started
    return outcome


def unknown_receipt() -> str:
    return receipt_new()


# --- Figures ------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def report(title: str, outcome: Outcome, *, rate_name: str) -> None:
    ok = len(outcome.latencies)
    print(f"{title}:")
    print(
        f"  requests {outcome.sent}, errors {len(outcome.errors)}, wall {outcome.wall:.2f} s, "
        f"{ok / outcome.wall if outcome.wall else 0:.2f} {rate_name}/s"
    )
    if ok:
        ms = [value * 1000 for value in outcome.latencies]
        print(
            f"  latency ms: mean {sum(ms) / ok:,.0f}, p50 {percentile(ms, 50):,.0f}, "
            f"p95 {percentile(ms, 95):,.0f}, p99 {percentile(ms, 99):,.0f}, "
            f"min {min(ms):,.0f}, max {max(ms):,.0f}"
        )
    for error in outcome.errors[:SHOWN_ERRORS]:
        print(f"  error: {error}")
    if len(outcome.errors) > SHOWN_ERRORS:
        print(f"  ... and {len(outcome.errors) - SHOWN_ERRORS} more errors")


def mean_ms(outcome: Outcome) -> float:
    return sum(outcome.latencies) * 1000 / len(outcome.latencies) if outcome.latencies else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.submissions", description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="submissions to send")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (1 thread each)")
    parser.add_argument("--sessions", type=int, default=20, help="sign-ins with a valid receipt")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument(
        "--time-limit", type=float, default=600.0, help="seconds after which no request starts"
    )
    parser.add_argument(
        "--recreate-database",
        action="store_true",
        help=f"drop and recreate {BENCH_DATABASE} first (after an edited migration)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 64:
        parser.error("--requests must be 1..100000 and --concurrency 1..64")
    if not 1 <= args.workers <= 32 or not 1 <= args.sessions <= 1000:
        parser.error("--workers must be 1..32 and --sessions 1..1000")
    if args.timeout <= 0 or args.time_limit <= 0:
        parser.error("--timeout and --time-limit must be positive")

    created = ensure_database(recreate=args.recreate_database)
    if created:
        print(f"Created PostgreSQL database {BENCH_DATABASE}.")
    keys = database_keys(created=created)
    port = free_port()
    env = server_environment(keys, port=port, workers=args.workers)
    started = time.perf_counter()
    configuration = prepare_database(env)
    print(
        f"Migrated {BENCH_DATABASE} and set up entity UNW ({time.perf_counter() - started:.1f} s)."
    )
    flush_redis()

    server = start_gunicorn(env)
    try:
        health = wait_until_healthy(server, port)
        kdf = configuration["kdf"]
        print(
            f"Upstander HTTP benchmark: gunicorn {args.workers} workers x 1 thread on "
            f"{HOST}:{port}, DEBUG={configuration['debug']}, PostgreSQL {BENCH_DATABASE}, "
            f"Redis db 12, {os.cpu_count()} CPUs (Python {sys.version.split()[0]})"
        )
        print(f"/healthz: {health}")
        print(
            f"Argon2id receipt KDF in effect: time_cost={kdf['time_cost']}, "
            f"memory_cost={kdf['memory_cost']} KiB, parallelism={kdf['parallelism']}"
        )

        warm = run_submissions(
            port,
            count=args.workers,
            concurrency=args.workers,
            timeout=args.timeout,
            time_limit=args.time_limit,
        )
        print(f"Warm-up: {len(warm.latencies)}/{warm.sent} submissions (not counted).")
        if warm.errors:
            report("Warm-up", warm, rate_name="submissions")

        bench = run_submissions(
            port,
            count=args.requests,
            concurrency=args.concurrency,
            timeout=args.timeout,
            time_limit=args.time_limit,
        )
        report(
            f"POST /api/v1/reports, ~{NARRATIVE_CHARS // 1024} KB narratives, routes "
            f"informal+ombudsperson / formal (both with case_review) / record_only, "
            f"{args.concurrency} client threads",
            bench,
            rate_name="submissions",
        )
        if bench.sent < args.requests:
            print(f"  time limit of {args.time_limit:.0f} s reached after {bench.sent} requests")

        receipts = (bench.receipts + warm.receipts)[: args.sessions]
        if not receipts:
            print("No receipt to sign in with: no submission succeeded.")
            return 1
        flush_redis()  # no failure counted yet for this address before the wrong receipts
        valid = run_sessions(port, receipts, expect=200, timeout=args.timeout)
        report(
            "POST /api/v1/reporter/session, valid receipt, sequential", valid, rate_name="sign-ins"
        )
        wrong_receipts = [unknown_receipt() for _ in range(WRONG_RECEIPTS)]
        wrong = run_sessions(port, wrong_receipts, expect=401, timeout=args.timeout)
        report(
            "POST /api/v1/reporter/session, wrong (unknown, well-formed) receipt -> 401, sequential",
            wrong,
            rate_name="attempts",
        )
        if valid.latencies and wrong.latencies:
            difference = mean_ms(wrong) - mean_ms(valid)
            print(
                f"Equal-time check: wrong receipt mean {mean_ms(wrong):,.0f} ms vs valid "
                f"{mean_ms(valid):,.0f} ms ({difference:+,.0f} ms, "
                f"{difference / mean_ms(valid) * 100:+.1f}%)"
            )
        return 1 if bench.errors or valid.errors or wrong.errors else 0
    finally:
        stop_gunicorn(server)
        print(f"gunicorn stopped (exit code {server.returncode}); log: {GUNICORN_LOG}")


if __name__ == "__main__":
    sys.exit(main())

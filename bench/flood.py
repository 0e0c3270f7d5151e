"""A bounded flood of anonymous submissions while a focal point works (issue 15, item 4).

Run with ``python -m bench.flood [--rate 50] [--seconds 60] [--flood-addresses 4]``. It starts
gunicorn as ``bench.submissions`` does (its functions, production Argon2id parameters,
``DEBUG=0``), but on a server of its own: the PostgreSQL database ``upstander_flood_bench``
(created anew at each run, with a focal point of UN Women holding her reading key and
``--cases`` reports shared with her) and Redis database 9 (flushed first).

For ``--seconds`` it then runs, side by side:

- the flood: ``--rate`` anonymous submissions a second, each the reporter's whole journey
  through the API (``POST /api/v1/reports``, a sign-in with its receipt, a photo attached),
  from ``--flood-addresses`` loopback addresses (127.0.1.x: Linux answers every 127.x.y.z, and
  the server counts a client by its peer address, no proxy being trusted here), sent by at
  most ``--flood-threads`` connections at once (the load is bounded on this side too);
- legitimate reporters: one journey every ``--legit-interval`` seconds, each from an address
  of its own (127.0.2.x), every step of which must succeed;
- the focal point, signed in through the API (token) and the staff pages (session), both with
  her reading key: the case list and a case, through the API and as pages, one after another;
- a sampler of every gunicorn worker's resident memory (``/proc/<pid>/status``: VmRSS sampled,
  VmHWM, the kernel's peak, at the end).

It prints the flood's answers by status, the focal point's p50/p95 per page, the legitimate
journeys that succeeded, each worker's peak memory and the machine, and exits 1 when a bound is
broken: a focal point page's p95 at ``--p95-bound-ms`` or more, a worker above
``--rss-bound-mb``, a legitimate journey or a focal point request that failed, or a 5xx other
than the 503 of a busy Argon2id slot.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import queue
import random
import re
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from PIL import Image

from bench import submissions as server
from bench.submissions import HOST, OUT_DIR, percentile, submission

FLOOD_DATABASE = "upstander_flood_bench"
FLOOD_REDIS_URL = "redis://127.0.0.1:6379/9"
FLOOD_LOG = OUT_DIR / "flood-gunicorn.log"
FOCAL_POINT = "flood_focal_point"
WARM_UP_ROUNDS = 3
SAMPLE_SECONDS = 0.25
SHOWN_ERRORS = 5


# --- HTTP from a chosen source address ----------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    cookies: dict[str, str]
    seconds: float


def send(
    port: int,
    method: str,
    path: str,
    *,
    source: str = HOST,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
) -> Answer:
    """One request on a fresh connection whose source address is ``source``."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        content = response.read()
        cookies = {}
        for line in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            cookies[name.strip()] = rest.partition(";")[0]
        return Answer(response.status, content, cookies, time.perf_counter() - started)
    finally:
        conn.close()


def json_body(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return json.dumps(payload).encode(), {
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


def multipart_file(name: str, data: bytes, content_type: str) -> tuple[bytes, dict[str, str]]:
    boundary = f"flood{random.getrandbits(64):016x}"  # nosec B311  # a multipart boundary, no secret
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def photo(seed: int) -> bytes:
    """A small JPEG photo (noise, so that it does not compress to nothing): about 125 KB."""
    rng = random.Random(seed)  # nosec B311  # test pixels, no secret
    image = Image.frombytes("RGB", (160, 120), bytes(rng.getrandbits(8) for _ in range(57600)))
    out = io.BytesIO()
    image.resize((640, 480)).save(out, format="JPEG", quality=85)
    return out.getvalue()


def totp(secret_base32: str, *, step_offset: int = 0) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), as the staff's authenticator app computes it."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    counter = int(time.time()) // 30 + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


# --- A reporter's journey -----------------------------------------------------------------


@dataclass
class Tally:
    """Answers by step and status, and what went wrong, shared by threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)
    journeys: int = 0
    complete: int = 0
    errors: list[str] = field(default_factory=list)
    late: int = 0

    def count(self, step: str, status: int | str) -> None:
        with self.lock:
            self.statuses[f"{step} {status}"] += 1

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def journey(port: int, index: int, *, source: str, timeout: float, tally: Tally) -> bool:
    """Submit, sign in with the receipt, attach a photo; True when every step succeeded."""
    with tally.lock:
        tally.journeys += 1
    done: list[str] = []

    def step(name: str, path: str, expected: int, sent: tuple[bytes, dict[str, str]]) -> Any:
        answer = send(
            port, "POST", path, source=source, body=sent[0], headers=sent[1], timeout=timeout
        )
        tally.count(name, answer.status)
        done.append(f"{name} {answer.status}")
        return json.loads(answer.body) if answer.status == expected else None

    try:
        filed = step(
            "report",
            "/api/v1/reports",
            201,
            json_body(submission(index, random.Random(index))),  # nosec B311
        )
        if filed is None:
            return False
        session = step(
            "session", "/api/v1/reporter/session", 200, json_body({"receipt": filed["receipt"]})
        )
        if session is None:
            return False
        body, headers = multipart_file("photo.jpg", photo(index), "image/jpeg")
        headers["Authorization"] = f"Bearer {session['token']}"
        if step("attachment", "/api/v1/reporter/attachments", 201, (body, headers)) is None:
            return False
    except (OSError, ValueError, KeyError) as error:
        tally.count("error", type(error).__name__)
        tally.error(f"#{index} after {done}: {type(error).__name__}: {error}")
        return False
    with tally.lock:
        tally.complete += 1
    return True


def flood(
    port: int,
    *,
    rate: float,
    seconds: float,
    addresses: list[str],
    threads: int,
    timeout: float,
) -> tuple[Tally, float]:
    """``rate`` journeys a second for ``seconds``, open loop: each starts at its time, or as
    soon as one of ``threads`` connections is free (then counted late)."""
    tally = Tally()
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()

    def worker() -> None:
        while (job := due.get()) is not None:
            index, scheduled = job
            if time.monotonic() - scheduled > 1.0:
                with tally.lock:
                    tally.late += 1
            journey(
                port, index, source=addresses[index % len(addresses)], timeout=timeout, tally=tally
            )

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    started = time.monotonic()
    total = int(rate * seconds)
    for index in range(total):
        scheduled = started + index / rate
        time.sleep(max(0.0, scheduled - time.monotonic()))
        due.put((1_000_000 + index, scheduled))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join()
    return tally, time.monotonic() - started


def legitimate(
    port: int, *, interval: float, stop: threading.Event, timeout: float, tally: Tally
) -> None:
    """One journey every ``interval`` seconds, each from an address no one else uses."""
    index = 0
    while not stop.is_set():
        index += 1
        source = f"127.0.2.{index % 250 + 1}" if index <= 250 else f"127.0.3.{index % 250 + 1}"
        began = time.monotonic()
        if not journey(port, 2_000_000 + index, source=source, timeout=timeout, tally=tally):
            tally.error(f"legitimate journey {index} failed")
        stop.wait(max(0.0, interval - (time.monotonic() - began)))


# --- The focal point ----------------------------------------------------------------------


@dataclass
class FocalPoint:
    port: int
    timeout: float
    token: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    cases: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def sign_in(self, password: str, totp_secret: str) -> None:
        """A bearer token for the API, then a session for the pages (the next TOTP code: a
        code is accepted once, and the device allows one step of drift)."""
        body, headers = json_body(
            {"username": FOCAL_POINT, "password": password, "otp": totp(totp_secret)}
        )
        answer = send(
            self.port,
            "POST",
            "/api/v1/auth/token",
            body=body,
            headers=headers,
            timeout=self.timeout,
        )
        if answer.status != 200:
            raise SystemExit(f"Focal point API sign-in: {answer.status} {answer.body[:300]!r}")
        self.token = json.loads(answer.body)["token"]

        form = send(self.port, "GET", "/staff/login/", timeout=self.timeout)
        self.cookies.update(form.cookies)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if form.status != 200 or found is None:
            raise SystemExit(f"Staff sign-in form: {form.status}")
        fields = {
            "csrfmiddlewaretoken": found.group(1).decode(),
            "username": FOCAL_POINT,
            "password": password,
            "otp": totp(totp_secret, step_offset=1),
        }
        encoded = urlencode(fields).encode()
        answer = send(
            self.port,
            "POST",
            "/staff/login/",
            body=encoded,
            headers={"Content-Type": "application/x-www-form-urlencoded", **self._cookie_header()},
            timeout=self.timeout,
        )
        self.cookies.update(answer.cookies)
        if answer.status != 302:
            raise SystemExit(f"Staff sign-in: {answer.status} {answer.body[:300]!r}")

    def pick_cases(self, count: int) -> None:
        answer = self._api("/api/v1/cases")
        self.cases = [case["id"] for case in json.loads(answer.body)][:count]
        if not self.cases:
            raise SystemExit("The focal point sees no case.")

    def _api(self, path: str) -> Answer:
        return send(
            self.port,
            "GET",
            path,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            timeout=self.timeout,
        )

    def _page(self, path: str) -> Answer:
        return send(self.port, "GET", path, headers=self._cookie_header(), timeout=self.timeout)

    def round(self, index: int, *, record: bool) -> None:
        case = self.cases[index % len(self.cases)]
        pages: list[tuple[str, Callable[[], Answer]]] = [
            ("API case list", lambda: self._api("/api/v1/cases")),
            ("API case", lambda: self._api(f"/api/v1/cases/{case}")),
            ("staff case list page", lambda: self._page("/staff/")),
            ("staff case page", lambda: self._page(f"/staff/cases/{case}/")),
        ]
        for label, answer in pages:
            try:
                got = answer()
            except OSError as error:
                self.errors.append(f"{label}: {type(error).__name__}: {error}")
                continue
            if got.status != 200:
                self.errors.append(f"{label}: {got.status}")
            elif record:
                self.latencies.setdefault(label, []).append(got.seconds)

    def work(self, stop: threading.Event, pause: float) -> None:
        index = 0
        while not stop.is_set():
            self.round(index, record=True)
            index += 1
            stop.wait(pause)


# --- Workers' memory ----------------------------------------------------------------------


def _status_kib(pid: int, field_name: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    found = re.search(rf"^{field_name}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else None


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def workers_cpu_seconds(master: int) -> float:
    """CPU time the workers used so far, with their finished children (the file cleaners)."""
    total = 0
    for pid in worker_pids(master):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        except OSError:
            continue
        # Fields after the command name in parentheses: utime, stime, cutime, cstime are 14-17.
        fields = stat.rpartition(")")[2].split()
        total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class MemorySampler:
    master: int
    peaks_kib: dict[int, int] = field(default_factory=dict)

    def sample(self) -> None:
        for pid in worker_pids(self.master):
            rss = _status_kib(pid, "VmRSS")
            if rss is not None:
                self.peaks_kib[pid] = max(rss, self.peaks_kib.get(pid, 0))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.sample()
            stop.wait(SAMPLE_SECONDS)

    def high_water_kib(self) -> dict[int, int]:
        """The kernel's own peak of each living worker (VmHWM), at least the sampled peak."""
        peaks = dict(self.peaks_kib)
        for pid in worker_pids(self.master):
            hwm = _status_kib(pid, "VmHWM")
            if hwm is not None:
                peaks[pid] = max(hwm, peaks.get(pid, 0))
        return peaks


# --- The run ------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").splitlines():
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


# Runs in the server's configuration (production Argon2id): UN Women's recovery key, a focal
# point with her reading key, and a few shared reports, each wrapped to her key as intake does.
SET_UP_FOCAL_POINT = """
import json, secrets, sys
from accounts.models import Entity, Role
from accounts.services import entity_recovery_key_issue, staff_user_provision
from portal.services import ReportSubmission, report_submit
entity = Entity.objects.get(code="UNW")
entity_recovery_key_issue(entity=entity)
password = secrets.token_urlsafe(18)
_user, totp_secret = staff_user_provision(
    username=sys.argv[1], role=Role.FOCAL_POINT, entity=entity, password=password
)
for number in range(int(sys.argv[2])):
    report_submit(submission=ReportSubmission(
        entity=entity, category="verbal", route="informal", informal_channel="ombudsperson",
        narrative=f"Benchmark report {number}: comments about my appearance in meetings.",
        reporter_role="affected_person", identity_disclosure="anonymous",
        consents={"case_review": True, "ombudsperson_referral": True},
    ))
print(json.dumps({"password": password, "totp_secret": totp_secret}))
"""


def set_up_focal_point(env: dict[str, str], cases: int) -> dict[str, str]:
    """The focal point's credentials, once she and her cases exist."""
    script = SET_UP_FOCAL_POINT.replace("sys.argv[1]", repr(FOCAL_POINT)).replace(
        "sys.argv[2]", repr(str(cases))
    )
    lines = server.manage(env, "shell", "-c", script).strip().splitlines()
    credentials: dict[str, str] = json.loads(lines[-1])
    return credentials


def flood_figures(
    args: argparse.Namespace, tally: Tally, seconds: float, legit: Tally
) -> list[str]:
    """Print the flood's and the legitimate reporters' answers; the bounds broken."""
    broken: list[str] = []
    print(
        f"Flood: {tally.journeys} journeys in {seconds:.1f} s "
        f"({tally.journeys / seconds:.1f}/s, asked {args.rate:g}/s) from "
        f"{args.flood_addresses} addresses, {tally.complete} went through; "
        f"{tally.late} started over 1 s late (all {args.flood_threads} connections busy)"
    )
    for step_status, count in sorted(tally.statuses.items()):
        print(f"  {step_status}: {count}")
    # Refusals (4xx, and 503 for a busy Argon2id slot) are the defence; anything else is not.
    unexpected = {
        key: count
        for key, count in tally.statuses.items()
        if key.startswith("error") or (key.endswith(("500", "502", "504")))
    }
    if unexpected:
        broken.append(f"flood answers other than refusals: {unexpected}")
        for text in tally.errors[:SHOWN_ERRORS]:
            print(f"  error: {text}")
    print(
        f"Legitimate reporters (one every {args.legit_interval:g} s, each its own address): "
        f"{legit.complete}/{legit.journeys} journeys went through"
    )
    for step_status, count in sorted(legit.statuses.items()):
        print(f"  {step_status}: {count}")
    if legit.complete != legit.journeys or legit.journeys == 0:
        broken.append(f"legitimate journeys failed: {legit.journeys - legit.complete}")
        for text in legit.errors[:SHOWN_ERRORS]:
            print(f"  error: {text}")
    return broken


def focal_figures(args: argparse.Namespace, focal: FocalPoint) -> list[str]:
    """Print the focal point's latencies per page; the bounds broken."""
    broken: list[str] = []
    print(
        f"Focal point ({len(focal.cases)} cases opened in turn), "
        f"bound p95 < {args.p95_bound_ms:g} ms:"
    )
    for label, seconds in focal.latencies.items():
        ms = [value * 1000 for value in seconds]
        p95 = percentile(ms, 95)
        print(
            f"  {label}: {len(ms)} requests, p50 {percentile(ms, 50):.0f} ms, "
            f"p95 {p95:.0f} ms, max {max(ms):.0f} ms"
        )
        if p95 >= args.p95_bound_ms:
            broken.append(f"{label} p95 {p95:.0f} ms")
    if focal.errors:
        broken.append(f"focal point requests failed: {len(focal.errors)}")
        for text in focal.errors[:SHOWN_ERRORS]:
            print(f"  error: {text}")
    return broken


def memory_figures(args: argparse.Namespace, memory: dict[int, int]) -> list[str]:
    """Print each worker's peak resident memory; the bounds broken."""
    print(f"Workers' peak resident memory (bound {args.rss_bound_mb:g} MB):")
    broken = []
    for pid, kib in sorted(memory.items()):
        print(f"  worker {pid}: {kib / 1024:.0f} MB")
        if kib / 1024 > args.rss_bound_mb:
            broken.append(f"worker {pid} peaked at {kib / 1024:.0f} MB")
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    parser.add_argument("--rate", type=float, default=50.0, help="flood journeys a second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the flood")
    parser.add_argument("--flood-addresses", type=int, default=4, help="flood source addresses")
    parser.add_argument("--flood-threads", type=int, default=32, help="flood connections at once")
    parser.add_argument("--legit-interval", type=float, default=2.0, help="seconds between")
    parser.add_argument("--focal-pause", type=float, default=0.1, help="seconds between rounds")
    parser.add_argument("--cases", type=int, default=10, help="the focal point's own cases")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--kdf-concurrency", type=int, default=1, help="Argon2id slots/worker")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--p95-bound-ms", type=float, default=300.0)
    parser.add_argument("--rss-bound-mb", type=float, default=300.0)
    args = parser.parse_args(argv)
    if not 0 < args.rate <= 500 or not 0 < args.seconds <= 600:
        parser.error("--rate must be in (0, 500] and --seconds in (0, 600]")
    if not 1 <= args.flood_addresses <= 250 or not 1 <= args.flood_threads <= 128:
        parser.error("--flood-addresses must be 1..250 and --flood-threads 1..128")

    server.ensure_database(recreate=True, name=FLOOD_DATABASE)
    keys = server.database_keys(created=True, name=FLOOD_DATABASE)
    port = server.free_port()
    env = server.server_environment(
        keys,
        port=port,
        workers=args.workers,
        database_url=f"{server.POSTGRES_SERVER}/{FLOOD_DATABASE}",
        redis_url=FLOOD_REDIS_URL,
    )
    env["GUNICORN_THREADS"] = str(args.threads)
    env["UPSTANDER_KDF_CONCURRENCY"] = str(args.kdf_concurrency)
    started = time.perf_counter()
    configuration = server.prepare_database(env)
    credentials = set_up_focal_point(env, args.cases)
    server.manage(env, "collectstatic", "--no-input", "-v", "0")
    print(
        f"Created and migrated {FLOOD_DATABASE}, a focal point and {args.cases} cases "
        f"({time.perf_counter() - started:.0f} s)."
    )
    server.flush_redis(FLOOD_REDIS_URL)

    gunicorn = server.start_gunicorn(env, log_path=FLOOD_LOG)
    try:
        server.wait_until_healthy(gunicorn, port, FLOOD_LOG)
        kdf = configuration["kdf"]
        print(
            f"Machine: {machine()}. gunicorn {args.workers} workers x {args.threads} threads, "
            f"DEBUG={configuration['debug']}, Argon2id t={kdf['time_cost']} "
            f"m={kdf['memory_cost']} KiB p={kdf['parallelism']}, "
            f"{args.kdf_concurrency} derivation(s) at once per worker"
        )
        print(f"Load average (1, 5, 15 min) before the flood: {os.getloadavg()}")
        focal = FocalPoint(port, args.timeout)
        focal.sign_in(credentials["password"], credentials["totp_secret"])
        focal.pick_cases(10)
        for index in range(WARM_UP_ROUNDS):
            focal.round(index, record=False)
        if focal.errors:
            raise SystemExit(f"Focal point warm-up failed: {focal.errors[:3]}")

        stop = threading.Event()
        sampler = MemorySampler(gunicorn.pid)
        legit = Tally()
        helpers = [
            threading.Thread(target=sampler.run, args=(stop,), daemon=True),
            threading.Thread(target=focal.work, args=(stop, args.focal_pause), daemon=True),
            threading.Thread(
                target=legitimate,
                args=(port,),
                kwargs={
                    "interval": args.legit_interval,
                    "stop": stop,
                    "timeout": args.timeout,
                    "tally": legit,
                },
                daemon=True,
            ),
        ]
        for helper in helpers:
            helper.start()
        addresses = [f"127.0.1.{n + 1}" for n in range(args.flood_addresses)]
        cpu_before = workers_cpu_seconds(gunicorn.pid)
        tally, flood_seconds = flood(
            port,
            rate=args.rate,
            seconds=args.seconds,
            addresses=addresses,
            threads=args.flood_threads,
            timeout=args.timeout,
        )
        stop.set()
        for helper in helpers:
            helper.join(timeout=args.timeout + 5)
        memory = sampler.high_water_kib()
        cpu = workers_cpu_seconds(gunicorn.pid) - cpu_before
        broken = [
            *flood_figures(args, tally, flood_seconds, legit),
            *focal_figures(args, focal),
            *memory_figures(args, memory),
        ]
        print(
            f"gunicorn workers used {cpu:.1f} CPU-seconds in {flood_seconds:.1f} s "
            f"({cpu / flood_seconds / (os.cpu_count() or 1) * 100:.0f}% of the machine); "
            f"load average (1, 5, 15 min) at the end: {os.getloadavg()}"
        )
    finally:
        server.stop_gunicorn(gunicorn)
        print(f"gunicorn stopped (exit code {gunicorn.returncode}); log: {FLOOD_LOG}")
    if broken:
        print("BOUNDS BROKEN: " + "; ".join(broken))
        return 1
    print("Every bound held.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

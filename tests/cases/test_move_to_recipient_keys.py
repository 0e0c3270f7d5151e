"""Issue 14, item 7: a database written by the code before reading keys is moved to them.

``tests/fixtures/legacy_before_issue_14.sql`` was written by commit 992e76a (the script that
made it is beside it) with the fixed keys below. Each test restores it into a throwaway
database and runs the real commands on it in subprocesses, as an operator would:
``migrate``, the staff signing in once, ``entity_recovery_key_create``, then
``move_to_recipient_keys``. What the database then holds is read back by small scripts run the
same way, with the same keys.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parents[2]
DUMP = BASE_DIR / "tests" / "fixtures" / "legacy_before_issue_14.sql"

# The keys the legacy database was written with: test keys, committed on purpose (the dump
# holds nothing real). Without the same KEK the server's wraps would not open at all.
LEGACY_KEYS = {
    "UPSTANDER_KEKS": "legacy-test-1:KBk3JNf0PhwkJq1r2nwMfO31G3cYTEhomKPqUb3oV34=",
    "UPSTANDER_BLIND_INDEX_KEY": "9TugTRCOAVm0I8G+vu4sJz5OP3XWibCuofOZT5BsRd8=",
    "SECRET_KEY": "gO3sDTbT7AErR6q_WKIg3CmxTvk_aFvPE7dTu2BOhdM-MsAvHG4SEnixR2ub_w-t",
}
PASSWORD = "correct horse battery staple"
FOCAL_POINTS = ("fp_unw_1", "fp_unw_2", "fp_oios")


# --- Throwaway databases ------------------------------------------------------------------


def _server() -> dict[str, Any]:
    database = settings.DATABASES["default"]
    return {
        "host": str(database.get("HOST") or "127.0.0.1"),
        "port": int(database.get("PORT") or 5432),
        "user": str(database.get("USER") or "postgres"),
        "password": str(database.get("PASSWORD") or ""),
    }


def _admin(statement: sql.Composed) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **_server()) as connection:
        connection.execute(statement)


def _url(name: str) -> str:
    server = _server()
    secret = f":{server['password']}" if server["password"] else ""
    return f"postgres://{server['user']}{secret}@{server['host']}:{server['port']}/{name}"


def _drop(name: str) -> None:
    _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _psql() -> str:
    found = shutil.which("psql")
    if found is None:
        pytest.fail("psql is not installed: the test restores a real dump")
    return found


@pytest.fixture(scope="module")
def migrated_legacy_template() -> Iterator[str]:
    """The legacy dump restored and migrated by today's code, once per module: each test copies
    it (``CREATE DATABASE ... TEMPLATE``) rather than restoring it again."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the move is tested on PostgreSQL, as it runs in production")
    name = f"{settings.DATABASES['default']['NAME']}_legacy_{uuid.uuid4().hex[:8]}"
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        server = _server()
        subprocess.run(
            [
                *(_psql(), "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, "-f", str(DUMP)),
                *("-h", server["host"], "-p", str(server["port"]), "-U", server["user"], name),
            ],
            env={**os.environ, "PGPASSWORD": server["password"]},
            check=True,
            capture_output=True,
            timeout=120,
        )
        _manage(_url(name), "migrate", "--no-input", "-v", "0").check()
        yield name
    finally:
        _drop(name)


@pytest.fixture
def legacy_database(migrated_legacy_template: str) -> Iterator[str]:
    """A fresh copy of the migrated legacy database; its URL."""
    name = f"{migrated_legacy_template}_{uuid.uuid4().hex[:6]}"
    _admin(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(migrated_legacy_template)
        )
    )
    try:
        yield _url(name)
    finally:
        _drop(name)


# --- Running today's code on it -----------------------------------------------------------


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> Run:
        assert self.returncode == 0, self.stderr or self.stdout
        return self


def _manage(database_url: str, *arguments: str) -> Run:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        # No development keys file: every key is the legacy database's.
        "UPSTANDER_DEV_SECRETS_FILE": os.devnull,
        # Cheap Argon2id for the staff's reading keys, as the test settings use.
        "UPSTANDER_READING_KEY_KDF_TIME_COST": "1",
        "UPSTANDER_READING_KEY_KDF_MEMORY_KIB": "1024",
        "UPSTANDER_READING_KEY_KDF_PARALLELISM": "1",
        **LEGACY_KEYS,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def _python(database_url: str, code: str) -> Any:
    """Run ``code`` in ``manage.py shell`` on the database; it prints one JSON line last."""
    run = _manage(database_url, "shell", "-c", code).check()
    return json.loads(run.stdout.strip().splitlines()[-1])


SIGN_IN = f"""
from accounts.models import User
from accounts.services import staff_reading_key_unlock
for username in {FOCAL_POINTS!r}:
    staff_reading_key_unlock(User.objects.get(username=username), {PASSWORD!r})
print("[]")
"""

# What the database holds about each report, by the canary its narrative carries: its wraps,
# whom the rules say may read it, what each focal point's own key opens, and whether the
# server's keys alone open anything.
STATE = f"""
import json, re
from accounts.models import User
from audit.models import AuditEntry
from cases.models import Case, InternalNote
from cases.readers import readers_of
from reports.models import AttachmentContent, Message, Report
from vault import envelope, readers
from vault.models import KeyWrap, RecipientKey

def canary(text):
    return re.search(r"CANARY-LEGACY-[A-Z0-9]+", text or "").group(0)

unlocked = {{}}
for user in User.objects.filter(username__in={FOCAL_POINTS!r}):
    key = RecipientKey.objects.filter(user=user).first()
    if key is not None:
        unlocked[user.username] = readers.staff_key_unlock(key, {PASSWORD!r})

reports = {{}}
for report in Report.objects.select_related("data_key").order_by("pk"):
    data_key = report.data_key
    case = Case.objects.filter(report=report).first()
    wraps = list(KeyWrap.objects.filter(data_key=data_key).select_related(
        "recipient", "recipient__user", "recipient__entity"))
    opened = {{}}
    for username, key in unlocked.items():
        try:
            material = envelope.open_as_recipient(data_key, key)
        except (envelope.NotARecipientError, envelope.DataKeySealedError):
            continue
        texts = [envelope.open_text(report, "narrative", material)]
        texts += [envelope.open_text(m, "body", material) for m in Message.objects.filter(report=report)]
        if case is not None:
            texts += [envelope.open_text(n, "body", material) for n in InternalNote.objects.filter(case=case)]
        texts += [envelope.open_bytes(c, "data", material).decode()
                  for c in AttachmentContent.objects.filter(attachment__report=report)]
        opened[username] = sorted(canary(text) for text in texts)
    try:
        envelope.open_with_organisation_key(data_key)
        server_opens = True
    except envelope.DataKeySealedError:
        server_opens = False
    expected = set()
    if case is not None:
        expected = {{"user:" + user.username for user in readers_of(case)}}
        expected |= {{"entity:" + key.entity.code for key in RecipientKey.objects.filter(
            entity_id__in={{case.entity_id, case.handling_entity_id}} - {{None}}).select_related("entity")}}
    reports[report.reference] = {{
        "has_case": case is not None,
        "kinds": sorted(wrap.kind for wrap in wraps),
        "wrap_ids": sorted(str(wrap.pk) for wrap in wraps),
        "recipients": sorted(
            "user:" + wrap.recipient.user.username if wrap.recipient.user_id
            else "entity:" + wrap.recipient.entity.code
            for wrap in wraps if wrap.kind == "recipient"),
        "expected": sorted(expected),
        "opened": opened,
        "server_opens": server_opens,
    }}
moves = [entry.detail for entry in AuditEntry.objects.filter(
    stream="system", action="keys.moved_to_recipients").order_by("position")]
print(json.dumps({{
    "reports": reports,
    "organisation_wraps": KeyWrap.objects.filter(kind="organisation").count(),
    "moves": moves,
}}))
"""


# Each shared report's canary by its reference, read through the server's wrap before anything
# is moved: afterwards a report whose readers have no key yet opens for nobody in the tests.
CANARIES = """
import json, re
from reports.models import Report
from vault import envelope
names = {}
for report in Report.objects.select_related("data_key"):
    try:
        key = envelope.open_with_organisation_key(report.data_key)
    except envelope.DataKeySealedError:
        names[report.reference] = "sealed"
        continue
    text = envelope.open_text(report, "narrative", key)
    names[report.reference] = re.search(r"CANARY-LEGACY-[A-Z0-9]+", text).group(0)
print(json.dumps(names))
"""


@pytest.fixture(scope="module")
def canaries(migrated_legacy_template: str) -> dict[str, str]:
    names: dict[str, str] = _python(_url(migrated_legacy_template), CANARIES)
    return names


def _state(database_url: str, canaries: dict[str, str]) -> dict[str, Any]:
    """What the database holds, each report named by its canary (``sealed``: the sealed one)."""
    state: dict[str, Any] = _python(database_url, STATE)
    state["reports"] = {canaries[ref]: report for ref, report in state["reports"].items()}
    return state


def _prepared(database_url: str) -> None:
    """The upgrade's steps before the move: the staff sign in once, the entities get their
    recovery keys."""
    _python(database_url, SIGN_IN)
    _manage(database_url, "entity_recovery_key_create", "--all-missing").check()


def _moved(run: Run) -> int:
    assert run.returncode == 0, run.stderr
    return int(run.stdout.split("Reports moved: ")[1].split(".")[0])


# --- The tests ----------------------------------------------------------------------------


def test_the_legacy_database_still_has_its_reports_under_the_server_key(
    legacy_database: str, canaries: dict[str, str]
) -> None:
    """The starting point the other tests rest on: migrated, nothing moved yet."""
    state = _state(legacy_database, canaries)

    assert state["organisation_wraps"] == 3
    shared = [r for r in state["reports"].values() if r["has_case"]]
    assert len(shared) == 3
    assert all(r["server_opens"] for r in shared)


def test_the_move_gives_each_shared_report_to_its_readers_and_the_recovery_keys_only(
    legacy_database: str, canaries: dict[str, str]
) -> None:
    _prepared(legacy_database)
    before = _state(legacy_database, canaries)

    run = _manage(legacy_database, "move_to_recipient_keys", "--batch-size", "2")

    assert _moved(run) == 3
    assert "Wraps made: " in run.stdout
    after = _state(legacy_database, canaries)
    assert after["organisation_wraps"] == 0
    reports = after["reports"]
    assert set(reports) == {"CANARY-LEGACY-1", "CANARY-LEGACY-2", "CANARY-LEGACY-3", "sealed"}
    for name in ("CANARY-LEGACY-1", "CANARY-LEGACY-2", "CANARY-LEGACY-3"):
        report = reports[name]
        assert report["recipients"] == report["expected"], name
        assert report["kinds"].count("receipt") == 1
        assert not report["server_opens"], name
    # The UNW reports go to UNW's focal points and recovery key; the one about a director is
    # handled by OIOS, so its focal point and both entities' recovery keys hold it.
    assert reports["CANARY-LEGACY-1"]["expected"] == [
        "entity:UNW",
        "user:fp_unw_1",
        "user:fp_unw_2",
    ]
    assert reports["CANARY-LEGACY-3"]["expected"] == ["entity:OIOS", "entity:UNW", "user:fp_oios"]
    # A focal point's own key opens everything of the report: narrative, message, note, file.
    assert reports["CANARY-LEGACY-1"]["opened"]["fp_unw_2"] == [
        "CANARY-LEGACY-1",
        "CANARY-LEGACY-FILE",
        "CANARY-LEGACY-MESSAGE",
        "CANARY-LEGACY-NOTE",
    ]
    assert set(reports["CANARY-LEGACY-3"]["opened"]) == {"fp_oios"}
    # The sealed report is untouched: the very same single receipt wrap.
    assert not reports["sealed"]["has_case"]
    assert reports["sealed"]["kinds"] == ["receipt"]
    assert reports["sealed"]["wrap_ids"] == before["reports"]["sealed"]["wrap_ids"]
    assert reports["sealed"]["opened"] == {}
    assert after["moves"] == [
        {"reports_moved": 3, "wraps_made": 9, "sealed_without_case": 0, "left": 0}
    ]
    # The audit chain, with the entries the move wrote, still verifies.
    _manage(legacy_database, "verify_audit_chain").check()


def test_running_the_move_again_moves_nothing(
    legacy_database: str, canaries: dict[str, str]
) -> None:
    _prepared(legacy_database)
    assert _moved(_manage(legacy_database, "move_to_recipient_keys")) == 3
    first = _state(legacy_database, canaries)

    assert _moved(_manage(legacy_database, "move_to_recipient_keys")) == 0

    again = _state(legacy_database, canaries)
    assert again["reports"] == first["reports"]
    # Only the run that moved something is in the trail.
    assert len(again["moves"]) == 1


def test_an_interrupted_move_resumes_where_it_stopped(
    legacy_database: str, canaries: dict[str, str]
) -> None:
    _prepared(legacy_database)

    stopped = _manage(
        legacy_database, "move_to_recipient_keys", "--batch-size", "1", "--limit", "1"
    )

    assert _moved(stopped) == 1
    assert _state(legacy_database, canaries)["organisation_wraps"] == 2
    assert _moved(_manage(legacy_database, "move_to_recipient_keys", "--batch-size", "1")) == 2
    state = _state(legacy_database, canaries)
    assert state["organisation_wraps"] == 0
    for report in state["reports"].values():
        if report["has_case"]:
            assert report["recipients"] == report["expected"]
    assert [move["reports_moved"] for move in state["moves"]] == [1, 2]


def test_the_move_refuses_an_entity_without_a_recovery_key_and_changes_nothing(
    legacy_database: str, canaries: dict[str, str]
) -> None:
    _python(legacy_database, SIGN_IN)
    _manage(legacy_database, "entity_recovery_key_create", "--entity", "UNW").check()
    before = _state(legacy_database, canaries)

    run = _manage(legacy_database, "move_to_recipient_keys", "--allow-unenrolled")

    assert run.returncode != 0
    assert "OIOS" in run.stderr
    assert "entity_recovery_key_create" in run.stderr
    assert _state(legacy_database, canaries) == before


def test_the_move_refuses_while_readers_have_no_reading_key_unless_allowed(
    legacy_database: str, canaries: dict[str, str]
) -> None:
    # Only fp_unw_1 has signed in since the upgrade.
    _python(
        legacy_database,
        "from accounts.models import User\n"
        "from accounts.services import staff_reading_key_unlock\n"
        f"staff_reading_key_unlock(User.objects.get(username='fp_unw_1'), {PASSWORD!r})\n"
        "print('[]')",
    )
    _manage(legacy_database, "entity_recovery_key_create", "--all-missing").check()
    before = _state(legacy_database, canaries)

    refused = _manage(legacy_database, "move_to_recipient_keys")

    assert refused.returncode != 0
    assert "fp_unw_2: 2 report(s)" in refused.stderr
    assert "fp_oios: 1 report(s)" in refused.stderr
    assert "fp_unw_1" not in refused.stderr
    assert _state(legacy_database, canaries) == before

    assert _moved(_manage(legacy_database, "move_to_recipient_keys", "--allow-unenrolled")) == 3
    state = _state(legacy_database, canaries)
    assert state["organisation_wraps"] == 0
    # fp_unw_2 gets the key from fp_unw_1 at sign-in; the report about a director has no
    # reader with a key yet: its recovery keys hold it until fp_oios is enrolled and passed it.
    assert state["reports"]["CANARY-LEGACY-1"]["recipients"] == ["entity:UNW", "user:fp_unw_1"]
    assert state["reports"]["CANARY-LEGACY-3"]["recipients"] == ["entity:OIOS", "entity:UNW"]


def test_the_recovery_key_command_prints_the_key_once_and_refuses_a_second(
    legacy_database: str,
) -> None:
    first = _manage(legacy_database, "entity_recovery_key_create", "--entity", "UNW", "--shares")

    assert first.returncode == 0, first.stderr
    assert "Share 1" in first.stdout
    assert "Share 2" in first.stdout
    assert "shown once" in first.stdout
    again = _manage(legacy_database, "entity_recovery_key_create", "--entity", "UNW")
    assert again.returncode != 0
    assert "already has a recovery key" in again.stderr
    rest = _manage(legacy_database, "entity_recovery_key_create", "--all-missing")
    assert "OIOS" in rest.stdout
    assert "UNW" not in rest.stdout
    created = _python(
        legacy_database,
        "import json\nfrom audit.models import AuditEntry\n"
        "print(json.dumps([e.detail['entity'] for e in AuditEntry.objects.filter("
        "stream='system', action='entity.recovery_key_created').order_by('position')]))",
    )
    assert created == ["UNW", "OIOS"]

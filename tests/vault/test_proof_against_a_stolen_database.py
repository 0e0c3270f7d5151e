"""The proof of issue 14 (acceptance item 8): a full copy of the database, restored elsewhere,
with every server secret beside it (the settings, every key of ``UPSTANDER_KEKS``, the blind
index key, ``SECRET_KEY``, and every subkey derived from them under any purpose the code uses),
opens no narrative, identity, message, note, referral note, override justification or file of
any report, sealed or shared. A staff member's live session (the browser's cookie, the API
client's bearer token) opens exactly what the visibility rules let that member read.

The state is built the way people build it: reporters through the portal's API, staff signing
in with password and TOTP on the web (session and cookie) and through the API (bearer tokens),
so that the database holds sealed session keys, token rows, reader wraps and recovery keys.

The attack (``_attack``) is one routine, run twice: with the server's secrets only, it must open
nothing; given one browser's cookie as well, it must reach that member's reports, so the routine
really is able to open what a right key opens, and a nothing-opens result is not an accident.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from psycopg import sql
from rest_framework.test import APIClient

from accounts.models import Entity, Role, User
from accounts.reading_session import COOKIE
from cases.models import Case
from cases.readers import readers_of
from demo.directory import demo_directory_create
from portal.resealing import encrypted_columns, models_with_encrypted_columns
from reports.models import Report
from tests.helpers.reporter import consent_change, sign_in
from tests.helpers.reporter import submit as submit_report_api
from tests.helpers.staff import api_for, signed_in
from vault import crypto, envelope
from vault.keyring import decode_blind_index_key, parse_keyring
from vault.readers import entity_recovery_key_create

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    *("accounts", "audit", "cases", "core", "feedback", "notifications"),
    *("portal", "referrals", "reports", "stats", "vault"),
)

# Plain ASCII, so that HTML escaping cannot hide one in a page.
CANARIES = {
    "full narrative": "CANARYNARRATIVEFULLq7Lw",
    "second narrative": "CANARYNARRATIVESECONDk2Pz",
    "sealed narrative": "CANARYNARRATIVESEALEDx9Qa",
    "withdrawn narrative": "CANARYNARRATIVEWITHDRAWNm4Jd",
    "elsewhere narrative": "CANARYNARRATIVEELSEWHEREr8Hs",
    "identity name": "CANARYIDENTITYNAMEt3Vb",
    "identity email": "canary-identity-55@example.org",
    "reporter message": "CANARYREPORTERMESSAGEy6Nc",
    "staff message": "CANARYSTAFFMESSAGEu1Ge",
    "internal note": "CANARYINTERNALNOTEw5Kf",
    "attachment filename": "CANARYFILENAMEp0Xr.txt",
    "attachment content": "CANARYFILECONTENTz2Mt",
    "referral note": "CANARYREFERRALNOTEh8Ds",
    "override justification": "CANARYOVERRIDEJUSTIFICATIONb4Wy: the risk to others goes on.",
}
NARRATIVES = {name: text for name, text in CANARIES.items() if name.endswith("narrative")}


# --- The world: reports, cases and staff signed in -----------------------------------------


@dataclass
class World:
    cases: dict[str, Case]  # by the canary name of their narrative
    receipts: list[str]
    browsers: dict[str, Client]  # by username: signed in on the web
    apis: dict[str, APIClient]  # by username: holding a bearer token
    users: dict[str, User]


def _sequence(value: Any) -> str:
    return f"What happened: {value}, in the corridor after the meeting."


def _submit(entity: str, narrative: str, **overrides: Any) -> tuple[Report, str]:
    body = submit_report_api(entity=entity, narrative=_sequence(narrative), **overrides)
    index = envelope.blind_index("receipt", body["receipt"])
    return Report.objects.get(receipt_index=index), body["receipt"]


@pytest.fixture
def world(make_staff: Callable[..., User], entity: Entity, other_entity: Entity) -> World:
    # Staff first, so that each report's key is wrapped to its readers as it is filed.
    users = {
        "fp_a": make_staff(Role.FOCAL_POINT, username="fp_a"),
        "fp_b": make_staff(Role.FOCAL_POINT, username="fp_b"),
        "ombuds": make_staff(Role.OMBUDSPERSON, username="ombuds"),
        "inv": make_staff(Role.INVESTIGATOR, username="inv"),
        "leader": make_staff(Role.LEADERSHIP, username="leader"),
        "sysadmin": make_staff(Role.ADMIN, username="sysadmin", entity_obj=None),
        "fp_else": make_staff(Role.FOCAL_POINT, username="fp_else", entity_obj=other_entity),
        "fp_else_web": make_staff(
            Role.FOCAL_POINT, username="fp_else_web", entity_obj=other_entity
        ),
    }
    demo_directory_create(entities=[entity])
    # Each entity's recovery key: its public half is stored, its private half printed once.
    for each in (entity, other_entity):
        entity_recovery_key_create(entity_id=each.pk)
    # Both ways in: a browser session (sealed key in the session, secret in the cookie), and
    # bearer tokens (sealed key in the token row, the token itself the secret).
    browsers = {name: signed_in(users[name]) for name in ("fp_a", "ombuds", "leader", "sysadmin")}
    browsers["fp_else_web"] = signed_in(users["fp_else_web"])
    apis = {name: api_for(users[name]) for name in ("fp_b", "inv", "fp_else")}

    receipts: list[str] = []
    reports: dict[str, Report] = {}

    # 1. Shared with case review, with everything a report can carry.
    full, receipt = _submit(
        "UNW",
        CANARIES["full narrative"],
        identity_disclosure="confidential",
        identity={"name": CANARIES["identity name"], "email": CANARIES["identity email"]},
        consents={
            "case_review": True,
            "ombudsperson_referral": True,
            "support_referral": True,
            "identity_disclosure": True,
        },
    )
    reports["full narrative"], receipts = full, [*receipts, receipt]
    reporter = sign_in(receipt)
    sent = reporter.post(
        "/api/v1/reporter/messages", {"body": CANARIES["reporter message"]}, format="json"
    )
    assert sent.status_code == 201, sent.content
    upload = SimpleUploadedFile(
        CANARIES["attachment filename"],
        f"Notes: {CANARIES['attachment content']}\n".encode(),
        content_type="text/plain",
    )
    attached = reporter.post("/api/v1/reporter/attachments", {"file": upload}, format="multipart")
    assert attached.status_code == 201, attached.content
    full_case = Case.objects.get(report=full)
    staff = apis["fp_b"]
    for path, body in (
        ("messages", {"body": CANARIES["staff message"]}),
        ("notes", {"body": CANARIES["internal note"]}),
        ("referrals", {"service": "medical", "note": CANARIES["referral note"]}),
    ):
        made = staff.post(f"/api/v1/cases/{full_case.id}/{path}", body, format="json")
        assert made.status_code == 201, (path, made.content)
    for step in ("acknowledge", "begin_assessment"):
        moved = staff.post(f"/api/v1/cases/{full_case.id}/transitions/{step}", {}, format="json")
        assert moved.status_code == 200, (step, moved.content)
    # No consent to a formal process: going ahead needs an override, and its justification.
    requested = staff.post(
        f"/api/v1/cases/{full_case.id}/overrides",
        {
            "transition": "escalate_to_formal",
            "justification": CANARIES["override justification"],
            "ground": "risk_to_others",
        },
        format="json",
    )
    assert requested.status_code == 202, requested.content

    # 2. Shared with case review only.
    second, receipt = _submit("UNW", CANARIES["second narrative"])
    reports["second narrative"], receipts = second, [*receipts, receipt]

    # 3. Sealed from the start: kept on record, shared with nobody.
    sealed, receipt = _submit(
        "UNW",
        CANARIES["sealed narrative"],
        route="record_only",
        informal_channel=None,
        consents={},
    )
    reports["sealed narrative"], receipts = sealed, [*receipts, receipt]

    # 4. Shared, read by staff, then case review withdrawn: sealed again under a new key.
    withdrawn, receipt = _submit("UNW", CANARIES["withdrawn narrative"])
    reports["withdrawn narrative"], receipts = withdrawn, [*receipts, receipt]
    read = staff.get(f"/api/v1/cases/{Case.objects.get(report=withdrawn).id}")
    assert CANARIES["withdrawn narrative"] in read.json()["narrative"]
    consent_change(sign_in(receipt), "case_review", granted=False)

    # 5. Shared with another entity's focal points.
    elsewhere, receipt = _submit("UNDP", CANARIES["elsewhere narrative"])
    reports["elsewhere narrative"], receipts = elsewhere, [*receipts, receipt]

    cases = {
        name: Case.objects.select_related("report").get(report=report)
        for name, report in reports.items()
        if Case.objects.filter(report=report).exists()
    }
    return World(cases=cases, receipts=receipts, browsers=browsers, apis=apis, users=users)


# --- A copy of the database, as a thief has it ------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: the proof needs a real dump and restore")
    return found


def _connection_arguments() -> list[str]:
    database = settings.DATABASES["default"]
    return [
        "-h",
        str(database.get("HOST") or "127.0.0.1"),
        "-p",
        str(database.get("PORT") or 5432),
        "-U",
        str(database.get("USER") or "postgres"),
    ]


def _conninfo(name: str) -> str:
    database = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        host=str(database.get("HOST") or "127.0.0.1"),
        port=str(database.get("PORT") or 5432),
        user=str(database.get("USER") or "postgres"),
        password=str(database.get("PASSWORD") or ""),
        dbname=name,
    )


@pytest.fixture
def stolen(world: World, tmp_path: Path) -> Iterator[tuple[bytes, str]]:
    """``pg_dump`` of the whole test database, restored into a throwaway database; yields the
    dump's bytes and the restored database's conninfo. Dropped afterwards."""
    dump_file = tmp_path / "stolen.sql"
    subprocess.run(  # nosec B603  # fixed arguments, no shell
        [
            _tool("pg_dump"),
            "--no-owner",
            "--no-privileges",
            *_connection_arguments(),
            "-f",
            str(dump_file),
            str(settings.DATABASES["default"]["NAME"]),
        ],
        check=True,
        timeout=300,
        env={**os.environ, "PGPASSWORD": str(settings.DATABASES["default"].get("PASSWORD") or "")},
    )
    name = f"{settings.DATABASES['default']['NAME']}_stolen"[:63]
    identifier = sql.Identifier(name)
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        subprocess.run(  # nosec B603
            [
                _tool("psql"),
                *_connection_arguments(),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                name,
                "-f",
                str(dump_file),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield dump_file.read_bytes(), _conninfo(name)
    finally:
        with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))


# --- The attacker ---------------------------------------------------------------------------


def _purposes() -> set[str]:
    """Every purpose string the code derives a subkey under, read from the source as an
    attacker reads it: ``derive_subkey``, the audit keys, the blind indexes and the tickets."""
    purposes: set[str] = set()
    patterns = {
        r"derive_subkey\([^,()]+(?:\([^()]*\))?,\s*f?\"([^\"]+)\"": "{}",
        r"_audit_key\(\"([^\"]+)\"\)": "{}",
        r"blind_index\(\s*\"([^\"]+)\"": "blind-index:{}",
    }
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            for pattern, form in patterns.items():
                for found in re.findall(pattern, text):
                    purposes.add(form.format(found))
    # A purpose with a variable part (the tickets'), under every value the code gives it.
    purposes = {purpose for purpose in purposes if "{" not in purpose}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for found in re.findall(r"_PURPOSE\s*=\s*\"([^\"]+)\"", path.read_text()):
                purposes.update({f"ticket-id:{found}", f"ticket-key:{found}"})
    return purposes


def _variants(text: str) -> set[bytes]:
    """A secret as text, and what it decodes to if it is base64 or hex."""
    found = {text.encode()}
    for decode in (base64.b64decode, base64.urlsafe_b64decode, bytes.fromhex):
        try:
            padded = text + "=" * (-len(text) % 4) if decode is not bytes.fromhex else text
            found.add(decode(padded))
        except (binascii.Error, ValueError):
            pass
    return {value for value in found if value}


def server_secrets() -> set[bytes]:
    """Every secret the server holds in its settings."""
    found: set[bytes] = set()
    for kek in parse_keyring(settings.UPSTANDER_KEKS).keys:
        found.add(kek.secret)
    found.add(decode_blind_index_key(settings.UPSTANDER_BLIND_INDEX_KEY))
    found |= _variants(settings.SECRET_KEY)
    for fallback in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        found |= _variants(fallback)
    return found


@dataclass
class Loot:
    """What the attack opened: data keys, private keys and the plaintexts they led to."""

    # Not in the repr: a failing assertion must not print key material or report content.
    data_keys: dict[uuid.UUID, bytes] = field(default_factory=dict, repr=False)
    private_keys: dict[uuid.UUID, bytes] = field(default_factory=dict, repr=False)
    plaintexts: list[bytes] = field(default_factory=list, repr=False)
    organisation_wraps: int = 0
    tried: int = 0


def _rows(conn: Any, query: str) -> list[tuple[Any, ...]]:
    return list(conn.execute(query).fetchall())


def _keys32(candidates: Iterable[bytes]) -> list[bytes]:
    """The candidates, and every subkey of each under every purpose, cut to AES/X25519 size."""
    purposes = _purposes()
    keys: set[bytes] = set()
    for secret in candidates:
        keys.add(secret)
        keys.update(crypto.derive_subkey(secret, purpose) for purpose in purposes)
    return sorted(key for key in keys if len(key) == crypto.X25519_KEY_BYTES)


def _opens(key: bytes, blob: bytes, aad: bytes) -> bytes | None:
    try:
        return crypto.decrypt(key, blob, aad)
    except (crypto.DecryptionError, ValueError):  # ValueError: not a key of AES's sizes
        return None


def _opens_as_recipient(private: bytes, blob: bytes, aad: bytes) -> bytes | None:
    try:
        return crypto.open_with_private_key(private, blob, aad)
    except (crypto.DecryptionError, ValueError):
        return None


def _session_values(conn: Any) -> tuple[set[bytes], list[bytes]]:
    """What the session table gives away, decoded with ``SECRET_KEY``: every value as a
    candidate secret, and the sealed reading keys."""
    candidates: set[bytes] = set()
    sealed: list[bytes] = []
    for session_key, session_data in _rows(
        conn, "SELECT session_key, session_data FROM django_session"
    ):
        candidates |= _variants(session_key)
        decoded = SessionStore().decode(session_data)
        assert decoded, "the attacker has SECRET_KEY: every session decodes"
        for name, value in decoded.items():
            candidates |= _variants(name)
            if isinstance(value, str):
                candidates |= _variants(value)
            if name == "reading_key_sealed":
                sealed.append(base64.b64decode(value))
    return candidates, sealed


Conn = psycopg.Connection[Any]


def _try(loot: Loot, keys: Iterable[bytes], blob: bytes, aad: bytes) -> bytes | None:
    """``blob`` opened by any of ``keys``, as an AES key or as an X25519 private key."""
    for key in keys:
        loot.tried += 1
        opened = _opens(key, blob, aad) or _opens_as_recipient(key, blob, aad)
        if opened is not None:
            return opened
    return None


def _open_sealed_reading_keys(
    conn: Conn, loot: Loot, secrets: Iterable[bytes], session_sealed: list[bytes]
) -> None:
    """The private keys sealed for a session (``django_session``) or a token (the token rows),
    under each candidate as the session's secret (through its subkey) or as the key itself."""
    users = [row[0] for row in _rows(conn, "SELECT id FROM accounts_user")]
    tokens = _rows(conn, "SELECT user_id, reading_key_sealed FROM accounts_stafftoken")
    sealed = [(blob, f"staff-session:{user}") for blob in session_sealed for user in users]
    sealed += [(bytes(blob), f"staff-token:{user}") for user, blob in tokens if blob]
    candidates = list(secrets)
    candidates += [crypto.derive_subkey(s, "staff-session-reading-key") for s in candidates]
    for blob, binding in sealed:
        aad = crypto.associated_data("vault_recipientkey", "session", binding)
        opened = _try(loot, candidates, blob, aad)
        if opened:
            loot.private_keys[uuid.UUID(bytes=opened[:16])] = opened[16:]


def _open_private_key_wraps(conn: Conn, loot: Loot, keys: list[bytes]) -> None:
    """Each staff member's private key, under their password's key or their recovery key."""
    for key_id, under_password, under_recovery in _rows(
        conn,
        "SELECT id, private_key_under_password, private_key_under_recovery FROM vault_recipientkey",
    ):
        for purpose, blob in (("password", under_password), ("recovery", under_recovery)):
            aad = crypto.associated_data("vault_recipientkey", purpose, key_id)
            opened = _try(loot, keys, bytes(blob), aad) if blob else None
            if opened:
                loot.private_keys[key_id] = opened


def _open_key_wraps(conn: Conn, loot: Loot, keys: list[bytes]) -> None:
    """Every wrap of every data key (receipt, recipient, organisation), under every candidate
    and every private key opened so far."""
    candidates = keys + list(loot.private_keys.values())
    for data_key_id, kind, recipient_id, kek_version, wrapped in _rows(
        conn, "SELECT data_key_id, kind, recipient_id, kek_version, wrapped_key FROM vault_keywrap"
    ):
        label = {"recipient": str(recipient_id), "organisation": kek_version}.get(kind, "")
        aad = crypto.associated_data("vault_keywrap", f"{kind}:{label}", data_key_id)
        loot.organisation_wraps += kind == "organisation"
        opened = _try(loot, candidates, bytes(wrapped), aad)
        if opened:
            loot.data_keys[data_key_id] = opened


def _open_reporter_sessions(conn: Conn, loot: Loot, keys: list[bytes]) -> None:
    """A signed-in reporter's session: the data key and the receipt's key under its token."""
    for report_id, wrapped_data, wrapped_receipt in _rows(
        conn, "SELECT report_id, wrapped_data_key, wrapped_receipt_key FROM reports_reportersession"
    ):
        for column, blob in (
            ("wrapped_data_key", wrapped_data),
            ("wrapped_receipt_key", wrapped_receipt),
        ):
            aad = crypto.associated_data("reports_reportersession", column, report_id)
            opened = _try(loot, keys, bytes(blob), aad)
            if opened:
                loot.data_keys[uuid.uuid4()] = opened


def _open_encrypted_columns(conn: Conn, loot: Loot, keys: list[bytes]) -> None:
    """Every encrypted column of every model, under every data key found and every candidate."""
    candidates = list(loot.data_keys.values()) + keys
    for model in sorted(models_with_encrypted_columns(), key=lambda m: m._meta.db_table):
        table, pk = model._meta.db_table, model._meta.pk
        assert pk is not None
        columns = [str(model._meta.get_field(name).column) for name in encrypted_columns(model)]  # type: ignore[union-attr]
        query = sql.SQL("SELECT {}, {} FROM {}").format(
            sql.Identifier(str(pk.column)),
            sql.SQL(", ").join([sql.Identifier(column) for column in columns]),
            sql.Identifier(table),
        )
        for row_id, *values in conn.execute(query).fetchall():
            for column, value in zip(columns, values, strict=True):
                aad = crypto.associated_data(table, column, row_id)
                for key in candidates if value is not None else []:
                    loot.tried += 1
                    opened = _opens(key, bytes(value), aad)
                    if opened is not None:
                        loot.plaintexts.append(opened)


def _attack(conninfo: str, extra_secrets: Iterable[bytes] = ()) -> Loot:
    """Everything a thief with the restored copy, every server secret and ``extra_secrets``
    tries, in the order the keys chain: sealed session keys and private key wraps give private
    keys; those and the candidates open key wraps; the data keys open the encrypted columns."""
    loot = Loot()
    with psycopg.connect(conninfo) as conn:
        session_candidates, session_sealed = _session_values(conn)
        token_candidates: set[bytes] = set()
        for (token_index,) in _rows(conn, "SELECT token_index FROM accounts_stafftoken"):
            token_candidates |= _variants(token_index)
        secrets = server_secrets() | session_candidates | token_candidates | set(extra_secrets)
        keys = _keys32(secrets)
        _open_sealed_reading_keys(conn, loot, sorted(secrets | set(keys)), session_sealed)
        _open_private_key_wraps(conn, loot, keys)
        _open_key_wraps(conn, loot, keys)
        _open_reporter_sessions(conn, loot, keys)
        _open_encrypted_columns(conn, loot, keys)
    return loot


def _canaries_in(plaintexts: Iterable[bytes]) -> set[str]:
    text = b"\n".join(plaintexts)
    return {
        name
        for name, canary in CANARIES.items()
        if canary.encode() in text or canary.split(":")[0].encode() in text
    }


# --- The proof ----------------------------------------------------------------------------------


def _reads(user: User, case: Case) -> bool:
    """What the rules give ``user`` (``readers_of``), of a report its reporter has not sealed:
    a sealed report's key is wrapped to nobody, whoever the rules would let read it."""
    fresh = Case.objects.select_related("report__data_key").get(pk=case.pk)
    return not envelope.is_sealed(fresh.report.data_key) and user in readers_of(fresh)


def test_a_stolen_database_with_every_server_secret_opens_no_report(
    world: World, stolen: tuple[bytes, str]
) -> None:
    dump, conninfo = stolen
    assert b"COPY public.reports_report " in dump  # the dump really holds the data
    assert b"COPY public.vault_keywrap " in dump
    leaked = [name for name, canary in CANARIES.items() if canary.split(":")[0].encode() in dump]
    leaked += [
        f"receipt {i}" for i, receipt in enumerate(world.receipts) if receipt.encode() in dump
    ]
    assert leaked == []

    # The copy holds what a thief would go for: reader wraps, sealed session and token keys.
    with psycopg.connect(conninfo) as conn:
        counts = {
            what: conn.execute(query).fetchone()[0]  # type: ignore[index]
            for what, query in {
                "recipient wraps": "SELECT count(*) FROM vault_keywrap WHERE kind = 'recipient'",
                "staff keys": "SELECT count(*) FROM vault_recipientkey WHERE kind = 'staff'",
                "recovery wraps": "SELECT count(*) FROM vault_keywrap w JOIN vault_recipientkey k "
                "ON k.id = w.recipient_id WHERE k.kind = 'entity_recovery'",
                "token keys": "SELECT count(*) FROM accounts_stafftoken "
                "WHERE length(reading_key_sealed) > 0",
                "sessions": "SELECT count(*) FROM django_session",
                "override": "SELECT count(*) FROM cases_override",
                "referral": "SELECT count(*) FROM referrals_referral",
                "attachment": "SELECT count(*) FROM reports_attachmentcontent",
            }.items()
        }
    assert all(counts.values()), counts

    # The attacker's candidates cover the purposes the keys of this scheme are derived under.
    assert {"staff-session-reading-key", "staff-recovery-key", "reporter-session-key"} <= (
        _purposes()
    )
    loot = _attack(conninfo)

    assert loot.organisation_wraps == 0
    assert sorted(loot.private_keys) == []  # the ids of the private keys opened, if any
    assert sorted(loot.data_keys) == []
    assert len(loot.plaintexts) == 0, _canaries_in(loot.plaintexts)
    assert loot.tried > 10_000  # the attack really ran through the candidates


def test_one_browsers_cookie_added_to_the_stolen_database_opens_what_that_member_reads(
    world: World, stolen: tuple[bytes, str]
) -> None:
    """The same attack, given a signed-in focal point's cookie too (the half of the session key
    that only the browser holds): it reaches that member's reports and no one else's. So the
    attack is able to open what a right key opens; without the cookie it opened nothing."""
    _dump, conninfo = stolen
    cookie = world.browsers["fp_a"].cookies[COOKIE].value
    loot = _attack(conninfo, extra_secrets=_variants(cookie))

    fp_a = world.users["fp_a"]
    readable = {name for name, case in world.cases.items() if _reads(fp_a, case)}
    assert readable  # the focal point reads something
    assert loot.private_keys  # the cookie opened their sealed key
    found = _canaries_in(loot.plaintexts)
    assert readable <= found
    assert "sealed narrative" not in found
    assert "withdrawn narrative" not in found
    assert "elsewhere narrative" not in found


def test_a_live_session_reads_exactly_the_cases_the_rules_give_its_member(world: World) -> None:
    cases = world.cases
    seen: dict[str, set[str]] = {}
    for username, browser in world.browsers.items():
        seen[username] = set()
        for name, case in cases.items():
            page = browser.get(f"/staff/cases/{case.id}/")
            if NARRATIVES[name].encode() in page.content:
                seen[username].add(name)
    for username, api in world.apis.items():
        seen[username] = set()
        for name, case in cases.items():
            response = api.get(f"/api/v1/cases/{case.id}")
            if response.status_code == 200 and NARRATIVES[name] in (
                response.json().get("narrative") or ""
            ):
                seen[username].add(name)

    expected = {
        username: {name for name, case in cases.items() if _reads(world.users[username], case)}
        for username in seen
    }
    assert seen == expected
    # What the rules give, spelled out: leadership and the administrator read no report; the
    # withdrawn report reaches nobody; the other entity's only its own.
    assert seen["leader"] == set()
    assert seen["sysadmin"] == set()
    assert "full narrative" in seen["fp_a"]
    assert seen["fp_else"] == {"elsewhere narrative"}
    assert all("withdrawn narrative" not in names for names in seen.values())
    assert all("sealed narrative" not in names for names in seen.values())

    # The full report's every part, through a live token.
    full = world.apis["fp_b"].get(f"/api/v1/cases/{cases['full narrative'].id}").json()
    text = repr(full)
    for name in ("identity name", "reporter message", "staff message", "internal note"):
        assert CANARIES[name] in text, name
    assert CANARIES["attachment filename"] in text

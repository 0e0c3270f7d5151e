"""What a report row holds (``reports.models``): no field that could date a submission or
identify a device, no global sequence, categorical columns plain for statistics, and every
sensitive text encrypted at rest, checked on a real ``pg_dump`` of the committed database."""

from __future__ import annotations

import glob
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.utils import timezone

from accounts.models import Entity
from reports.models import Report
from tests.helpers.reporter import (
    sign_in,
    submit,
)

# --- Encryption at rest, checked on a real pg_dump of the committed database ------------------

CANARIES = {
    "narrative": "CANARY-NARRATIVE-qv8ZtL3w",
    "identity name": "CANARY-REPORTERNAME-Hx42",
    "identity email": "canary-email-77@example.org",
    "perpetrator name": "CANARY-PERPETRATOR-Mk9d",
    "message body": "CANARY-MESSAGE-BODY-Rr5e",
    "attachment filename": "CANARY-FILENAME-Jp0s.txt",
    "attachment content": "CANARY-FILE-CONTENT-Wb6y",
}


def _pg_dump() -> str:
    found = shutil.which("pg_dump") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)), None
    )
    if found is None:
        pytest.fail("pg_dump is not installed: the at-rest check needs a real dump")
    return found


def dump_database() -> bytes:
    database = settings.DATABASES["default"]
    result = subprocess.run(
        [
            _pg_dump(),
            "--data-only",
            "--no-owner",
            "-h",
            str(database.get("HOST") or "127.0.0.1"),
            "-p",
            str(database.get("PORT") or 5432),
            "-U",
            str(database.get("USER") or "postgres"),
            str(database["NAME"]),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout


@pytest.fixture
def committed_report() -> tuple[Report, str]:
    """A report with every kind of sensitive content, committed to the database."""
    Entity.objects.create(code="UNW", name="UN Women")
    body = submit(
        category="verbal",
        route="informal",
        informal_channel="ombudsperson",
        location_type="field",
        reporter_role="witness",
        narrative=f"What happened: {CANARIES['narrative']} in the corridor.",
        identity_disclosure="confidential",
        identity={"name": CANARIES["identity name"], "email": CANARIES["identity email"]},
        alleged_perpetrator={"name": CANARIES["perpetrator name"], "role": "Director"},
        consents={"case_review": True, "ombudsperson_referral": True},
    )
    reporter = sign_in(body["receipt"])
    message = reporter.post(
        "/api/v1/reporter/messages", {"body": CANARIES["message body"]}, format="json"
    )
    assert message.status_code == 201, message.content
    upload = SimpleUploadedFile(
        CANARIES["attachment filename"],
        f"Notes: {CANARIES['attachment content']}\n".encode(),
        content_type="text/plain",
    )
    attached = reporter.post("/api/v1/reporter/attachments", {"file": upload}, format="multipart")
    assert attached.status_code == 201, attached.content
    # The reporter reads it all back: the canaries really are stored.
    view = reporter.get("/api/v1/reporter/report").json()
    assert CANARIES["narrative"] in view["narrative"]
    assert view["identity"]["name"] == CANARIES["identity name"]
    assert view["alleged_perpetrator"]["name"] == CANARIES["perpetrator name"]
    assert view["messages"][0]["body"] == CANARIES["message body"]
    assert view["attachments"][0]["filename"] == CANARIES["attachment filename"]
    return Report.objects.get(), body["receipt"]


@pytest.mark.django_db(transaction=True)
def test_no_sensitive_text_appears_in_a_dump_of_the_whole_database(
    committed_report: tuple[Report, str],
) -> None:
    _report, receipt = committed_report
    dump = dump_database()

    assert b"COPY public.reports_report" in dump  # the dump really holds the data
    assert committed_report[0].reference.encode() in dump
    leaked = {
        what: canary
        for what, canary in {**CANARIES, "receipt": receipt}.items()
        if canary.encode() in dump
        or canary.encode().hex().encode() in dump  # as bytea (hex) in a binary column
        or canary.lower().encode() in dump.lower()
    }
    assert leaked == {}


def stored_columns(report: Report, *columns: str) -> tuple[Any, ...]:
    """The report row's columns as PostgreSQL holds them, read around the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM reports_report WHERE id = %s",  # noqa: S608
            [report.id],
        )
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.django_db(transaction=True)
def test_categorical_columns_stay_plain_for_statistics(
    committed_report: tuple[Report, str],
) -> None:
    report, _receipt = committed_report
    entity_id, category, route, location_type, reporter_role, submitted_on = stored_columns(
        report, "entity_id", "category", "route", "location_type", "reporter_role", "submitted_on"
    )
    assert entity_id == Entity.objects.get(code="UNW").id
    assert (category, route, location_type, reporter_role) == (
        "verbal",
        "informal",
        "field",
        "witness",
    )
    assert isinstance(submitted_on, date)
    assert submitted_on == timezone.now().date()


@pytest.mark.django_db(transaction=True)
def test_encrypted_columns_hold_only_ciphertext_blobs(
    committed_report: tuple[Report, str],
) -> None:
    report, _receipt = committed_report
    row = stored_columns(report, "narrative", "identity", "alleged_perpetrator")
    for value in row:
        blob = bytes(value)
        # Format byte, 12-byte nonce, ciphertext and a 16-byte tag.
        assert blob[:1] == b"\x01"
        assert len(blob) > 1 + 12 + 16
    assert CANARIES["narrative"].encode() not in bytes(row[0])


# --- Nothing that could date a submission or identify a device --------------------------------


FORBIDDEN_NAME_PARTS = {
    "ip",
    "addr",
    "address",
    "remote",
    "host",
    "agent",
    "ua",
    "useragent",
    "browser",
    "device",
    "time",
    "timestamp",
    "datetime",
    "at",
    "created",
    "modified",
    "updated",
}


def test_report_has_no_field_that_could_hold_an_ip_user_agent_or_precise_time() -> None:
    suspicious = [
        field.name
        for field in Report._meta.concrete_fields
        if set(field.name.lower().split("_")) & FORBIDDEN_NAME_PARTS
        or isinstance(field, models.DateTimeField | models.TimeField | models.GenericIPAddressField)
    ]
    assert suspicious == []
    submitted_on = Report._meta.get_field("submitted_on")
    assert type(submitted_on) is models.DateField


@pytest.mark.django_db
def test_report_table_has_no_timestamp_or_address_column() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'reports_report'"
        )
        columns = dict(cursor.fetchall())
    assert columns["submitted_on"] == "date"
    assert [
        name
        for name, data_type in columns.items()
        if data_type.startswith(("timestamp", "time ", "inet", "cidr"))
    ] == []


@pytest.mark.parametrize(
    "model_label",
    [
        "reports.Consent",
        "reports.TimelineEntry",
        "audit.AuditEntry",
        "reports.Report",
        "reports.Message",
        "vault.DataKey",
        "vault.KeyWrap",
        "cases.Case",
        "notifications.OutboxMessage",
    ],
)
def test_rows_written_at_submission_carry_no_global_sequence(model_label: str) -> None:
    """Regression (privacy review, fixed in b781d81): a global sequence would place a
    midnight-stamped submission row between rows with exact times and so date it (found by the
    HTTP benchmark's schema review; the outbox joined the list in 080b1fb)."""
    model = apps.get_model(model_label)
    assert isinstance(model._meta.pk, models.UUIDField), model_label


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_no_table_written_at_submission_numbers_its_rows() -> None:
    """Regression (issue 8 review): the audit stream head kept a sequential id, created at each
    submission, so ordering by it revealed the order of reports within a day. Every table that
    a submission writes to is found by counting, not listed by hand."""
    counted = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    # The first submission also records the key version's fingerprint, once for all reports;
    # the second shows what every submission writes.
    submit()
    before = {model: model._default_manager.count() for model in counted}

    submit()

    written = [model for model in counted if model._default_manager.count() > before[model]]
    assert {model._meta.label for model in written} >= {"reports.Report", "audit.AuditStreamHead"}
    numbered = [
        model._meta.label
        for model in written
        if isinstance(model._meta.pk, (models.AutoField, models.BigAutoField))
    ]
    assert numbered == []

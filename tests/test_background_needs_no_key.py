"""Background work never needs content (issue 14, acceptance item 6): every Celery task of the
project, the outbox's emails, the statistics releases and the audit checkpoints and their
verification run with no private reading key in reach, and never try to open a report.

A worker holds the server's secrets and nothing else: no staff member is signed in there, so no
reading key is unlocked. The tasks run as the worker runs them (``Task.apply``, in order, on a
database holding shared reports, cases, alerts waiting in the outbox, a closed quarter to
release, a case closed months ago, an expired reporter session), and must succeed; spies on the
functions that open a report's key or any ciphertext must record no call.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Entity, Role, User
from cases.models import Case
from config.celery import app as celery_app
from notifications.models import OutboxMessage
from reports.models import ReporterSession
from stats.models import Release
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of, sign_in
from tests.helpers.retaliation import closed_months_ago
from tests.helpers.stats import file_report
from vault import crypto, envelope, readers

ROOT = Path(__file__).resolve().parents[1]
NARRATIVE = "CANARYBACKGROUNDNARRATIVEv3Hq: he followed me to the car park."
MESSAGE = "CANARYBACKGROUNDMESSAGEj8Tn"


def _our_apps() -> list[str]:
    """The project's own apps: those whose code lives in this repository."""
    return sorted(
        config.name
        for config in django_apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT)
    )


def _project_tasks() -> dict[str, Any]:
    """Every Celery task the project registers (the worker's autodiscovery, made eager)."""
    for name in _our_apps():
        if (ROOT / name / "tasks.py").exists():
            importlib.import_module(f"{name}.tasks")
    ours = tuple(f"{name}." for name in _our_apps())
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(ours)}


@pytest.fixture
def busy_database(
    make_staff: Callable[..., User],
    entity: Entity,
    other_entity: Entity,
    open_case: Callable[..., Case],
    case_in_state: Callable[..., Case],
) -> dict[str, Any]:
    """What a worker finds on a working day, made through the real services."""
    staff = [
        make_staff(Role.FOCAL_POINT, username="fp_a"),
        make_staff(Role.FOCAL_POINT, username="fp_b"),
        make_staff(Role.OMBUDSPERSON, username="ombuds"),
        make_staff(Role.FOCAL_POINT, username="fp_else", entity_obj=other_entity),
    ]
    # Staff with addresses, so that the alerts of new cases become emails.
    for member in staff:
        User.objects.filter(pk=member.pk).update(email=f"{member.username}@example.org")
    shared = [
        open_case(narrative=NARRATIVE, consents=WORKFLOW_CONSENTS),
        open_case(narrative=NARRATIVE),
        open_case(narrative=NARRATIVE, entity_obj=other_entity),
    ]
    reporter = sign_in(receipt_of(shared[0]))
    sent = reporter.post("/api/v1/reporter/messages", {"body": MESSAGE}, format="json")
    assert sent.status_code == 201, sent.content
    closed = closed_months_ago(
        case_in_state("closed", consents=WORKFLOW_CONSENTS, narrative=NARRATIVE),
        3,
        days=1,
    )
    # A closed quarter to release, with reports that consent to statistics.
    for i in range(12):
        file_report(entity if i % 2 else other_entity, quarter="2026Q2", route="informal")
    # Time passes: the reporter's session reaches its idle limit, and the new cases' alerts,
    # held back a random while so that their sending does not date a report, come due.
    past = timezone.now() - timedelta(seconds=1)
    ReporterSession.objects.update(expires_at=past)
    OutboxMessage.objects.update(deliver_after=past)
    return {"shared": shared, "closed": closed, "staff": staff}


@pytest.fixture
def key_openings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every call that would open a report: its data key through a reader's wrap, a
    receipt or a reporter session, a reading key, or any ciphertext at all."""
    calls: list[str] = []

    def spy(owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def recording(*args: Any, **kwargs: Any) -> Any:
            calls.append(f"{owner.__name__}.{name}")
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, recording)

    spy(envelope, "open_as_recipient")
    spy(envelope, "open_with_organisation_key")
    spy(envelope, "receipt_open")
    spy(envelope, "session_unwrap")
    spy(envelope, "open_bytes")
    spy(readers, "staff_key_unlock")
    spy(readers, "unlock_open")
    spy(crypto, "open_with_private_key")
    spy(crypto, "decrypt")
    return calls


@pytest.mark.django_db(transaction=True)
def test_every_task_email_release_and_audit_check_runs_without_a_reading_key(
    busy_database: dict[str, Any], key_openings: list[str], tmp_path: Path, settings: Any
) -> None:
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.log")
    mail.outbox.clear()
    pending = OutboxMessage.objects.filter(sent_on__isnull=True).count()
    assert pending > 0  # the new cases' alerts wait in the outbox

    tasks = _project_tasks()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(tasks)
    results = {name: tasks[name].apply(throw=True).result for name in sorted(tasks)}

    assert results["notifications.tasks.relay_outbox"] == pending
    assert len(mail.outbox) >= 1
    assert "2026Q2" in results["stats.tasks.release_stats"]
    assert Release.objects.filter(quarter="2026Q2").exists()
    assert results["audit.tasks.audit_checkpoint"] >= 1
    assert results["portal.tasks.schedule_check_ins"] == 2  # the 1- and 3-month check-ins
    assert results["portal.tasks.purge_reporter_sessions"] >= 1
    assert results["portal.tasks.purge_spent_intake_forms"] == 0

    # The same work by hand, as an operator runs it.
    call_command("release_stats", stdout=StringIO())
    call_command("audit_checkpoint", stdout=StringIO())
    verified = StringIO()
    call_command("verify_audit_chain", stdout=verified, stderr=StringIO())
    assert "Audit chain intact" in verified.getvalue()

    assert key_openings == []
    # Nothing of a report reached an email.
    for email in mail.outbox:
        text = f"{email.subject}\n{email.body}\n{getattr(email, 'alternatives', [])!r}"
        assert NARRATIVE.split(":")[0] not in text
        assert MESSAGE not in text


def test_the_spy_sees_a_staff_read_so_its_silence_means_something(
    open_case: Callable[..., Case], focal_point: User, key_openings: list[str]
) -> None:
    """The guard of the test above, checked: a staff member's read goes through the functions
    spied on, so a task that read content would be recorded."""
    from cases.services.reading import case_read  # noqa: PLC0415  # after the spies

    case = open_case(narrative=NARRATIVE)
    read = case_read(case=Case.objects.select_related("report").get(pk=case.pk), actor=focal_point)

    assert NARRATIVE in read["narrative"]
    assert "vault.envelope.open_as_recipient" in key_openings


# --- Statically: no task imports the modules that read reports ---------------------------------

READING_MODULES = {"cases.readers", "reports.reading", "vault.readers"}


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, ``from a import b`` counted as both ``a`` and ``a.b``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_tasks_module_imports_what_reads_a_report() -> None:
    modules = sorted(ROOT.glob("*/tasks.py"))
    assert {path.parent.name for path in modules} >= {"audit", "notifications", "portal", "stats"}
    offending = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & READING_MODULES) for path in modules
    }
    assert {path: found for path, found in offending.items() if found} == {}

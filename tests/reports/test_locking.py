"""Every writer on a report takes its row first (``reports.locking``), so ordinary concurrency on
one case gives no deadlock and no 500 (issue 10).

These run on real PostgreSQL with real connections, one per thread, as gunicorn's workers do.
Whether PostgreSQL detected a deadlock is read from its own statistics for the test database.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Case, InternalNote
from demo.directory import demo_directory_create
from portal.services import reporter_session_start
from reports.models import Consent, Message
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of, sign_in

ROUNDS = 30
# What the contract lets these requests answer (``/work/shared/api-contract.md``): done, signed
# out, or refused with a reason (a consent missing, a conflict). Never a 5xx.
DOCUMENTED = {200, 201, 204, 401, 409}


def deadlocks_detected() -> int:
    """Deadlocks PostgreSQL has detected in the test database so far (its own count)."""
    with connection.cursor() as cursor:
        # Statistics are read from a snapshot per transaction: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def at_once(requests: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Send the requests together, one thread and one database connection each; returns each
    answer, or the exception a request raised."""
    start = threading.Barrier(len(requests))
    answers: dict[str, Any] = {}

    def send(name: str, request: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            answers[name] = request()
        except Exception as error:  # recorded, then asserted on: a thread cannot fail the test
            answers[name] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=item) for item in requests.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def statuses(answers: dict[str, Any]) -> dict[str, int | str]:
    return {
        name: answer.status_code if hasattr(answer, "status_code") else repr(answer)
        for name, answer in answers.items()
    }


def sent(method: Callable[..., Any], path: str, body: dict[str, Any]) -> Callable[[], Any]:
    """A JSON request to send later (``at_once``): ``sent(client.post, path, body)``."""
    return partial(method, path, body, format="json")


def rounds_answered(
    requests_of_round: Callable[[int], dict[str, Callable[[], Any]]],
) -> Counter[int | str]:
    """Send each round's requests at once, ``ROUNDS`` times; asserts every answer is one the
    contract documents (never a 5xx) and returns how often each status came."""
    seen: Counter[int | str] = Counter()
    for round_number in range(ROUNDS):
        codes = statuses(at_once(requests_of_round(round_number)))
        assert set(codes.values()) <= DOCUMENTED, (round_number, codes)
        seen.update(codes.values())
    return seen


@pytest.mark.django_db(transaction=True)
def test_consents_reporter_and_staff_messages_and_notes_at_once_never_deadlock_issue_10(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given a case the reporter is signed in to (twice: the portal and a second tab), and its
    # focal point
    case = open_case(consents=WORKFLOW_CONSENTS)
    consents_tab, messages_tab = sign_in(receipt_of(case)), sign_in(receipt_of(case))
    staff: APIClient = staff_api(focal_point)
    before = deadlocks_detected()

    # When, round after round, the reporter changes a consent and writes, while the focal point
    # writes to them and adds a note, all at the same moment
    def mix(round_number: int) -> dict[str, Callable[[], Any]]:
        return {
            "consent": sent(
                consents_tab.post,
                "/api/v1/reporter/consents",
                {"action": "mediation", "granted": round_number % 2 == 0},
            ),
            "reporter_message": sent(
                messages_tab.post, "/api/v1/reporter/messages", {"body": "Are you there?"}
            ),
            "staff_message": sent(
                staff.post, f"/api/v1/cases/{case.id}/messages", {"body": "Yes, I read it."}
            ),
            "note": sent(staff.post, f"/api/v1/cases/{case.id}/notes", {"body": "Called back."}),
        }

    # Then every request is answered as the contract documents, none with a 5xx...
    seen = rounds_answered(mix)
    # ...all of them were done (nothing refused: they only queued behind each other)...
    assert seen == Counter({201: 4 * ROUNDS}), seen
    assert Consent.objects.filter(report_id=case.report_id, source="portal").count() == ROUNDS
    assert Message.objects.filter(report_id=case.report_id).count() == 2 * ROUNDS
    assert InternalNote.objects.filter(case=case).count() == ROUNDS
    # ...and PostgreSQL detected no deadlock
    assert deadlocks_detected() == before


@pytest.mark.django_db(transaction=True)
def test_withdrawing_case_review_while_staff_write_and_read_gives_no_500_issue_10(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given a case whose reporter, round after round, withdraws and grants again case review
    # (sealing and unsealing the report, the heaviest consent) while staff write, note and read
    case = open_case(consents=WORKFLOW_CONSENTS)
    reporter = sign_in(receipt_of(case))
    staff: APIClient = staff_api(focal_point)
    before = deadlocks_detected()

    def mix(round_number: int) -> dict[str, Callable[[], Any]]:
        return {
            "consent": sent(
                reporter.post,
                "/api/v1/reporter/consents",
                {"action": "case_review", "granted": round_number % 2 == 1},
            ),
            "staff_message": sent(
                staff.post, f"/api/v1/cases/{case.id}/messages", {"body": "Still here."}
            ),
            "note": sent(staff.post, f"/api/v1/cases/{case.id}/notes", {"body": "Waiting."}),
            "read": partial(staff.get, f"/api/v1/cases/{case.id}"),
        }

    # Then each is done or refused as documented (a sealed report: 409 consent_required)
    seen = rounds_answered(mix)
    assert seen[201] >= ROUNDS  # every consent at least
    assert deadlocks_detected() == before
    # The last round granted case review again: the case reads as the reporter left it.
    assert Case.objects.get(pk=case.pk).report.current_consents()["case_review"] is True


@pytest.mark.django_db(transaction=True)
def test_a_consent_sent_while_the_reporter_signs_out_is_done_or_401_never_500_issue_10(
    open_case: Any,
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    before = deadlocks_detected()
    seen: Counter[int | str] = Counter()

    for round_number in range(ROUNDS):
        # Given a fresh sign-in, when a consent and the sign-out of the same session race
        token, _session = reporter_session_start(receipt=receipt_of(case))
        reporter, leaving = APIClient(), APIClient()
        for client in (reporter, leaving):
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        answers = at_once(
            {
                "consent": sent(
                    reporter.post,
                    "/api/v1/reporter/consents",
                    {"action": "mediation", "granted": round_number % 2 == 0},
                ),
                "sign_out": partial(leaving.delete, "/api/v1/reporter/session"),
            }
        )
        codes = statuses(answers)
        # Then the consent is recorded or answered "signed out"; the sign-out always works
        assert codes["consent"] in {201, 401}, (round_number, codes)
        assert codes["sign_out"] == 204, (round_number, codes)
        if codes["consent"] == 401:
            assert answers["consent"].json()["error"] == "not_authenticated"
        seen.update(codes.values())
        # And the session is gone either way
        assert reporter.get("/api/v1/reporter/report").status_code == 401

    assert deadlocks_detected() == before


@dataclass
class Workplace:
    case: Any
    reporter: APIClient
    staff: APIClient
    staff_name: str
    colleague: APIClient
    colleague_name: str
    override_id: str


@pytest.fixture
def workplace(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any, entity: Any
) -> Workplace:
    """A case in assessment whose reporter (signed in) has not consented to mediation, with a
    pending override past that missing consent, a directory to refer to, its focal point and a
    colleague of the same entity (both signed in)."""
    demo_directory_create(entities=[entity])
    case = case_in_state(
        "assessment",
        channel="mediation",
        consents={**WORKFLOW_CONSENTS, "contact_alleged_perpetrator": True},
    )
    staff: APIClient = staff_api(focal_point)
    pending = staff.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "start_informal", "justification": "The reporter asked us by phone."},
        format="json",
    )
    assert pending.status_code == 202, pending.content
    return Workplace(
        case=case,
        reporter=sign_in(receipt_of(case)),
        staff=staff,
        staff_name=focal_point.username,
        colleague=staff_api(second_focal_point),
        colleague_name=second_focal_point.username,
        override_id=pending.json()["id"],
    )


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_writer_on_one_case_at_once_never_deadlocks_issue_10(
    workplace: Workplace,
) -> None:
    # Given a case, its reporter, its focal point and a colleague, all signed in
    case, reporter = workplace.case, workplace.reporter
    staff, colleague = workplace.staff, workplace.colleague
    before = deadlocks_detected()

    # When, round after round, the reporter changes route and a consent while the staff move
    # the case, label it, refer it, share it, export its audit trail and read it
    def mix(round_number: int) -> dict[str, Callable[[], Any]]:
        return {
            "route": sent(
                reporter.post,
                "/api/v1/reporter/route",
                {"route": "informal", "informal_channel": "ombudsperson"}
                if round_number % 2
                else {"route": "formal"},
            ),
            "consent": sent(
                reporter.post,
                "/api/v1/reporter/consents",
                {"action": "statistics", "granted": round_number % 2 == 0},
            ),
            "transition": sent(
                staff.post,
                f"/api/v1/cases/{case.id}/transitions/"
                + ("resume" if round_number % 2 else "put_on_hold"),
                {},
            ),
            "labels": sent(
                staff.put, f"/api/v1/cases/{case.id}/labels", {"labels": [f"round {round_number}"]}
            ),
            "referral": sent(
                colleague.post, f"/api/v1/cases/{case.id}/referrals", {"service": "medical"}
            ),
            "share": sent(
                staff.post,
                f"/api/v1/cases/{case.id}/assignment",
                {"username": workplace.colleague_name, "mode": "share"},
            ),
            "audit": partial(staff.get, f"/api/v1/cases/{case.id}/audit"),
            "read": partial(colleague.get, f"/api/v1/cases/{case.id}"),
        }

    # Then every answer is one the contract documents, none a 5xx (a step no longer possible
    # from the state another request left is a 409), and PostgreSQL detected no deadlock
    seen = rounds_answered(mix)
    assert seen[200] + seen[201] >= 6 * ROUNDS, seen
    assert deadlocks_detected() == before
    # And the trail those writers appended to is whole
    assert staff.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is True


# --- The first row each writer locks or writes is its report's ---------------------------------

# A statement that locks or writes rows; the first one inside a writer's transaction must be
# ``reports.locking.report_lock``.
_LOCKS_OR_WRITES = re.compile(r"^(INSERT|UPDATE|DELETE)\b|\bFOR (NO KEY )?UPDATE\b|\bFOR SHARE\b")


def first_lock_inside_the_transaction(queries: list[dict[str, str]]) -> str:
    """The first statement that locks or writes rows once the request's first transaction (a
    savepoint inside the test's) has begun: what a reporter session's sliding expiry writes
    before it, in autocommit, is not part of any writer's transaction."""
    started = next(i for i, query in enumerate(queries) if query["sql"].startswith("SAVEPOINT"))
    return next(
        query["sql"] for query in queries[started:] if _LOCKS_OR_WRITES.search(query["sql"])
    )


WRITERS: dict[str, Callable[[Any], Any]] = {
    "reporter consent": lambda w: w.reporter.post(
        "/api/v1/reporter/consents", {"action": "mediation", "granted": True}, format="json"
    ),
    "reporter message": lambda w: w.reporter.post(
        "/api/v1/reporter/messages", {"body": "Hello"}, format="json"
    ),
    "route change": lambda w: w.reporter.post(
        "/api/v1/reporter/route", {"route": "formal"}, format="json"
    ),
    "transition": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/transitions/put_on_hold", {}, format="json"
    ),
    "staff message": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/messages", {"body": "Hello"}, format="json"
    ),
    "note": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/notes", {"body": "Hello"}, format="json"
    ),
    "labels": lambda w: w.staff.put(
        f"/api/v1/cases/{w.case.id}/labels", {"labels": ["urgent"]}, format="json"
    ),
    "referral": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/referrals", {"service": "medical"}, format="json"
    ),
    "share": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/assignment",
        {"username": w.colleague_name, "mode": "share"},
        format="json",
    ),
    "assign": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/assignment",
        {"username": w.colleague_name, "mode": "assign"},
        format="json",
    ),
    "override request": lambda w: w.staff.post(
        f"/api/v1/cases/{w.case.id}/overrides",
        {"transition": "start_informal", "justification": "The reporter asked us by phone."},
        format="json",
    ),
    "override approval": lambda w: w.colleague.post(
        f"/api/v1/overrides/{w.override_id}/approve", {}, format="json"
    ),
    "decrypted read": lambda w: w.staff.get(f"/api/v1/cases/{w.case.id}"),
    "audit export": lambda w: w.staff.get(f"/api/v1/cases/{w.case.id}/audit"),
    "hand-over": lambda w: w.staff.post(
        "/api/v1/staff/handover",
        {"departing": w.staff_name, "successor": w.colleague_name},
        format="json",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_each_writer_locks_the_report_before_any_other_row_issue_10(
    writer: str, workplace: Workplace
) -> None:
    # When the writer runs
    with CaptureQueriesContext(connection) as queries:
        answer = WRITERS[writer](workplace)

    # Then it succeeded, and the first row it locked or wrote was its report's, locked
    assert answer.status_code in {200, 201, 202}, answer.content
    first = first_lock_inside_the_transaction(queries.captured_queries)
    assert first.startswith('SELECT "reports_report"."id"'), first
    assert first.endswith('FOR UPDATE OF "reports_report"'), first

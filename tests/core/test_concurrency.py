"""A transaction PostgreSQL rolled back for losing a race is answered 409 ``conflict`` with the
contract's body on the API and a page that says to try again, never a 500 (issue 10).

The errors used are real: a deadlock provoked on PostgreSQL between two connections.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connections, transaction
from rest_framework.test import APIClient

from core.concurrency import lost_race
from portal import services
from reports.models import Consent
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of, sign_in


def provoke_deadlock() -> DatabaseError:
    """Two transactions each take one advisory lock and then want the other's: PostgreSQL
    undoes one of them. Returns the error the loser's Django connection raised."""
    both_hold_one = threading.Barrier(2)
    errors: list[DatabaseError] = []

    def take(first: int, second: int) -> None:
        try:
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [first])
                both_hold_one.wait(timeout=10)
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [second])
        except DatabaseError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=pair) for pair in ((1010, 2020), (2020, 1010))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.fixture
def deadlock(transactional_db: Any) -> DatabaseError:
    return provoke_deadlock()


def test_a_deadlock_reported_by_postgresql_is_a_lost_race(deadlock: DatabaseError) -> None:
    assert lost_race(deadlock)


@pytest.mark.django_db
def test_other_database_errors_are_not_lost_races() -> None:
    assert not lost_race(IntegrityError("duplicate key"))
    assert not lost_race(ValueError("not a database error"))


def test_a_lost_race_on_the_api_is_a_409_conflict_and_writes_nothing_issue_10(
    deadlock: DatabaseError, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a reporter whose consent loses a race in the database
    case = open_case(consents=WORKFLOW_CONSENTS)
    reporter: APIClient = sign_in(receipt_of(case))
    before = Consent.objects.count()

    def lose(**kwargs: Any) -> Any:
        raise deadlock

    monkeypatch.setattr(services, "consent_record", lose)

    # When it is sent, then the contract's conflict answers it, and nothing was written
    answer = reporter.post(
        "/api/v1/reporter/consents", {"action": "mediation", "granted": True}, format="json"
    )
    assert answer.status_code == 409
    assert answer.json() == {
        "error": "conflict",
        "detail": "This changed while you were working on it; nothing was written.",
    }
    assert Consent.objects.count() == before


def test_a_lost_race_on_a_page_says_to_try_again_with_a_409_issue_10(
    deadlock: DatabaseError, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    browser = APIClient()
    token, _session = services.reporter_session_start(receipt=receipt_of(case))
    browser.cookies["upstander_reporter"] = token

    def lose(**kwargs: Any) -> Any:
        raise deadlock

    monkeypatch.setattr(services, "consent_record", lose)

    page = browser.post("/my-report/consent", {"action": "mediation", "granted": "yes"})
    assert page.status_code == 409
    text = page.content.decode()
    assert "This changed while you were working on it; nothing was written." in text
    assert "Please try again" in text

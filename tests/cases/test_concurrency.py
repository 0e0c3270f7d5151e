"""Two simultaneous transitions on PostgreSQL: one succeeds, the other is a 409 conflict and
writes nothing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections

from audit.models import AuditEntry
from cases.models import Case
from cases.services import transitions as transition_services

ALL = {"case_review": True}


@pytest.mark.django_db(transaction=True)
def test_simultaneous_transitions_give_one_success_and_one_conflict(
    open_case: Any,
    focal_point: Any,
    second_focal_point: Any,
    staff_api: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = open_case(consents=ALL)
    first, second = staff_api(focal_point), staff_api(second_focal_point)
    first_saved = threading.Event()
    second_started = threading.Event()
    real_audit_record = transition_services.audit_record

    def audit_after_pause(**kwargs: Any) -> Any:
        # The first request has saved the new state but not committed: hold it there until the
        # second request is blocked on the same row.
        if threading.current_thread().name == "first" and not first_saved.is_set():
            first_saved.set()
            second_started.wait(timeout=10)
            time.sleep(1.0)
        return real_audit_record(**kwargs)

    monkeypatch.setattr(transition_services, "audit_record", audit_after_pause)
    results: dict[str, Any] = {}

    def run(name: str, client: Any, transition: str) -> None:
        try:
            if name == "second":
                first_saved.wait(timeout=10)
                second_started.set()
            results[name] = client.post(
                f"/api/v1/cases/{case.id}/transitions/{transition}", {}, format="json"
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, name="first", args=("first", first, "acknowledge")),
        threading.Thread(target=run, name="second", args=("second", second, "put_on_hold")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results["first"].status_code == 200, results["first"].content
    assert results["second"].status_code == 409, results["second"].content
    assert results["second"].json()["error"] == "conflict"
    # Nothing half-written: the state is the winner's and only the winner's transition is audited.
    assert Case.objects.get(pk=case.pk).state == "acknowledged"
    transitions = AuditEntry.objects.filter(stream=str(case.report_id), action="case.transition")
    assert [entry.detail["transition"] for entry in transitions] == ["acknowledge"]

"""The queue's migrations (issue 15) run forward over a database that already holds cases and
messages, as every deployment before issue 15 does: their copies are made and the table is then
altered and indexed in the same migration, which PostgreSQL refuses while the copies' deferred
constraint checks are still pending."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from cases.models import Case
from cases.services.correspondence import staff_message_send
from reports.models import Message

BEFORE = [("cases", "0009_reading_keys")]


@pytest.mark.django_db(transaction=True)
def test_the_queue_migrations_run_forward_over_cases_already_there(
    open_case: Callable[..., Case], walk_case: Callable[..., Case], focal_point: User
) -> None:
    cases = [walk_case(open_case(), "acknowledged") for _ in range(3)]
    staff_message_send(case=cases[0], actor=focal_point, body="When did it begin?")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    copied = {case.pk: case for case in Case.objects.select_related("report")}
    assert {pk: case.submitted_on for pk, case in copied.items()} == {
        case.pk: case.report.submitted_on for case in cases
    }
    assert copied[cases[0].pk].last_message_from == Message.Sender.STAFF
    assert copied[cases[1].pk].last_message_from == ""

"""Issue 11: the migration that numbers each report's messages and keeps only the day of what
the reporter did before this change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reports.models import Consent, Message, TimelineEntry

BEFORE = [("reports", "0004_session_receipt_key")]
AFTER = [("reports", "0005_message_position_day_precision")]


@pytest.mark.django_db(transaction=True)
def test_existing_reporter_times_are_cut_to_the_day_and_messages_keep_their_order(
    open_case: Any,
) -> None:
    case = open_case()
    report = case.report
    morning = datetime(2026, 11, 20, 9, 41, 7, tzinfo=UTC)
    noon = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)
    evening = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for sender, at in (("reporter", evening), ("staff", noon), ("reporter", morning)):
                cursor.execute(
                    "INSERT INTO reports_message (id, report_id, sender, body, sent_at) "
                    "VALUES (gen_random_uuid(), %s, %s, NULL, %s)",
                    [report.pk, sender, at],
                )
            cursor.execute(
                "UPDATE reports_consent SET recorded_at = %s, source = 'portal' WHERE report_id = %s",
                [noon, report.pk],
            )
            cursor.execute(
                "UPDATE reports_timelineentry SET at = %s WHERE report_id = %s",
                [evening, report.pk],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    midnight = datetime(2026, 11, 20, tzinfo=UTC)
    messages = list(Message.objects.filter(report=report).order_by("position"))
    assert [(m.sender, m.position) for m in messages] == [
        ("reporter", 1),
        ("staff", 2),
        ("reporter", 3),
    ]
    assert [m.sent_at for m in messages] == [midnight, noon, midnight]
    assert set(Consent.objects.filter(report=report).values_list("recorded_at", flat=True)) == {
        midnight
    }
    assert set(TimelineEntry.objects.filter(report=report).values_list("at", flat=True)) == {
        midnight
    }

"""The one lock order every write on a report follows: the report's row first (issue 10).

A write on a report touches several rows: its consents, timeline, messages, its case, its data
key and the head of its audit stream. PostgreSQL checks foreign keys at commit (Django makes
them ``DEFERRABLE INITIALLY DEFERRED``), so a writer that inserts a message while holding the
audit head takes a share lock on the report only at commit, while a consent holding the report
waits for that head: a deadlock, answered with a 500. When every writer takes the report's row
first, two writes on the same report queue one behind the other instead, and nothing they touch
afterwards can be held by the other.

Call ``report_lock`` at the start of the writer's transaction, before anything is read that the
write depends on (consents, the data key's wrappings) and before any other row is locked or
written. Decrypted reads by staff are writes too (their audit entry), and follow the same rule.
"""

from __future__ import annotations

import uuid

from reports.models import Report


def report_lock(report_id: uuid.UUID) -> Report:
    """Lock the report's row until the transaction ends; returns the report as it now stands.

    The report is read again under the lock, with its data key: whatever the writer holds was
    read before another write committed (a consent withdrawn, the report sealed), and the write
    must see what that one left. Outside a transaction Django refuses it (the lock would be
    released at once).
    """
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("entity").get(pk=report_id)
    )
    # The data key is read only now, once the lock is held, and not joined into the locking
    # query: re-sealing replaces the report's key and deletes the old one, and a query that waited
    # for the lock re-checks its join against the key row of its own snapshot, which no longer
    # matches, so the report would not be found at all.
    report.data_key  # noqa: B018
    return report

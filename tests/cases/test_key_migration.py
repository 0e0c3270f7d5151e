"""The move off the server's key, one report at a time (``cases.services.key_migration``);
the whole run on a database written by the previous code is ``test_move_to_recipient_keys``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cases.models import Case
from cases.services.key_migration import MoveWouldLockOutError, organisation_wrap_move
from reports.models import Report
from tests.helpers.reporter import receipt_of
from vault import envelope
from vault.models import KeyWrap


def _legacy_wrap(report: Report) -> None:
    """What the code before issue 14 left on a shared report: the server's wrap."""
    key = envelope.open_with_receipt(report.data_key, receipt_of(report))
    envelope.organisation_wrap_add(data_key=report.data_key, key_material=key)


def _kinds(report: Report) -> list[str]:
    return sorted(KeyWrap.objects.filter(data_key=report.data_key).values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_report_that_would_have_no_key_holder_keeps_the_server_wrap(
    open_case: Callable[..., Case],
) -> None:
    # No staff member and no recovery key: after the move nobody could ever read it.
    case = open_case()
    _legacy_wrap(case.report)

    with pytest.raises(MoveWouldLockOutError):
        organisation_wrap_move(case.report.data_key_id)

    assert _kinds(case.report) == ["organisation", "receipt"]


@pytest.mark.django_db
def test_a_shared_report_without_a_case_is_left_sealed_to_its_receipt(
    submit_report: Callable[..., Report],
) -> None:
    report = submit_report(route="record_only", consents={})
    _legacy_wrap(report)

    outcome = organisation_wrap_move(report.data_key_id)

    assert outcome == ("sealed", 0)
    assert _kinds(report) == ["receipt"]
    assert envelope.open_with_receipt(report.data_key, receipt_of(report))

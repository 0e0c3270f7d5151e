"""Staff read every audit action in words (issue 11, item 3)."""

from __future__ import annotations

import pytest

from audit.models import AuditAction
from audit.vocabulary import AUDIT_ACTION_LABELS, audit_action_label


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_has_words_for_staff_issue_11(action: AuditAction) -> None:
    assert action in AUDIT_ACTION_LABELS
    assert audit_action_label(action) != action.value

"""The case model (``cases.models``): its state changes only through a transition."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_the_state_field_cannot_be_assigned(open_case: Any) -> None:
    case = open_case()
    with pytest.raises(AttributeError):
        case.state = "closed"

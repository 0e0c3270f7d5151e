"""The pass-on at sign-in (``cases.readers.reading_keys_pass_on``) costs a member who holds no
report key nothing per colleague: most sign-ins have nothing to pass on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Entity, Role, User
from cases.readers import reading_keys_pass_on

pytestmark = pytest.mark.django_db


def test_a_member_holding_no_key_passes_nothing_on_in_one_query(
    make_staff: Callable[..., User], django_assert_max_num_queries: Any
) -> None:
    for i in range(10):
        make_staff(Role.FOCAL_POINT, username=f"colleague_{i}")
    newcomer = make_staff(Role.FOCAL_POINT, username="newcomer")  # its key is unlocked

    with django_assert_max_num_queries(1):
        assert reading_keys_pass_on(newcomer) == 0


def test_a_holder_asks_only_about_colleagues_who_could_see_what_they_hold(
    make_staff: Callable[..., User],
    focal_point: User,
    other_entity: Entity,
    open_case: Callable[..., Any],
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    open_case()  # focal_point holds its key; nobody else in the entity waits for it
    with django_assert_num_queries(6) as few:
        assert reading_keys_pass_on(focal_point) == 0
    # Ten focal points of another entity do not make the holder's sign-in ask more
    for i in range(10):
        make_staff(Role.FOCAL_POINT, username=f"elsewhere_{i}", entity_obj=other_entity)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert reading_keys_pass_on(focal_point) == 0

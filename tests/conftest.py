"""Fixtures shared by the whole suite: entities, staff users with each role, a clean cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # The cache is real Redis (a database of its own for tests); rate-limit counters must not
    # leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def entity(db: Any) -> Any:
    from accounts.models import Entity

    return Entity.objects.create(code="UNW", name="UN Women")


@pytest.fixture
def other_entity(db: Any) -> Any:
    from accounts.models import Entity

    return Entity.objects.create(code="UNDP", name="United Nations Development Programme")


@pytest.fixture
def make_staff(db: Any, entity: Any) -> Any:
    from accounts.models import Role
    from accounts.services import staff_user_provision

    def make(
        role: str = Role.FOCAL_POINT,
        *,
        username: str | None = None,
        entity_obj: Any = entity,
        password: str = "correct horse battery staple",
    ) -> Any:
        name = username or f"{role}_{entity_obj.code if entity_obj else 'all'}"
        user, totp_secret = staff_user_provision(
            username=name,
            role=role,
            entity=None if role == Role.ADMIN and entity_obj is None else entity_obj,
            password=password,
        )
        user.totp_secret = totp_secret  # type: ignore[attr-defined]
        return user

    return make

"""Issue 14, item 2: the reading key a sign-in unlocked is gone when the sign-in ends or expires:
logging out deletes the session that held it sealed; the beat's purge deletes expired API tokens
and page sessions with the sealed keys they held."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import StaffToken
from accounts.reading_session import COOKIE
from accounts.tasks import purge_staff_sessions
from tests.helpers.staff import api_for, signed_in

pytestmark = pytest.mark.django_db


def test_expired_tokens_and_sessions_go_with_the_keys_they_sealed(
    focal_point: Any, second_focal_point: Any
) -> None:
    api_for(focal_point)
    browser = signed_in(second_focal_point)
    assert browser.cookies[COOKIE].value
    token = StaffToken.objects.get(user=focal_point)
    assert bytes(token.reading_key_sealed)
    assert Session.objects.count() == 1
    kept = StaffToken.objects.create(
        token_index="f" * 64,
        user=second_focal_point,
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
        reading_key_sealed=b"still signed in",
    )

    StaffToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    purged = purge_staff_sessions()

    assert purged == 1
    assert list(StaffToken.objects.all()) == [kept]
    assert not Session.objects.exists()


def test_signing_out_deletes_the_session_and_the_cookie(focal_point: Any) -> None:
    browser = signed_in(focal_point)
    assert Session.objects.filter(session_data__isnull=False).count() == 1

    browser.post("/staff/logout/")

    assert not Session.objects.exists()
    assert browser.cookies[COOKIE].value == ""

"""``manage.py seed_demo``: demo entities and one working staff login per role."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django import Settings

from accounts.models import Entity, Role, User
from core.quarters import current_quarter
from demo import statistics
from demo.management.commands import seed_demo
from stats.models import TransparencyApproval
from stats.selectors import published_table, released_quarters

pytestmark = pytest.mark.django_db

FIELDS = {"username", "password", "role", "entity", "totp_secret"}


def seed(*args: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    users: list[dict[str, Any]] = json.loads(out.getvalue())["users"]
    return users


def current_code(device: TOTPDevice, base32_secret: str) -> str:
    """What an authenticator app given ``base32_secret`` shows now."""
    code = totp(
        base64.b32decode(base32_secret), step=device.step, t0=device.t0, digits=device.digits
    )
    return f"{code:0{device.digits}d}"


@pytest.fixture
def debug_on(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DEBUG = True
    # The accounts are what these tests look at; the demo reports are tested on their own below
    # (filing and releasing them takes a while).
    monkeypatch.setattr(seed_demo, "demo_statistics_create", lambda leadership: False)


def test_it_leaves_released_quarters_and_an_approved_year_to_look_at(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = True
    monkeypatch.setattr(statistics, "REPORTS_PER_QUARTER", {"UNW": 8, "UNDP": 5, "OCHA": 2})
    seed()

    quarters = released_quarters()
    assert len(quarters) == statistics.QUARTERS_BACK
    assert quarters[-1] < current_quarter()
    year = int(quarters[0][:4])
    assert TransparencyApproval.objects.filter(year=year).exists()
    assert published_table("reports", [], quarters).total == 15 * statistics.QUARTERS_BACK
    assert Entity.objects.get(code="UNW").publishes_transparency_report
    # Run again: the reports are there already, nothing is filed twice.
    seed()
    assert published_table("reports", [], quarters).total == 15 * statistics.QUARTERS_BACK


def test_it_prints_one_user_per_role_as_json(debug_on: None) -> None:
    users = seed()

    assert sorted(user["role"] for user in users) == sorted(Role.values)
    assert all(set(user) == FIELDS for user in users)
    for user in users:
        stored = User.objects.get(username=user["username"])
        assert stored.role == user["role"]
        assert (stored.entity.code if stored.entity else None) == user["entity"]
        assert stored.is_active


def test_every_role_except_admin_belongs_to_an_entity(debug_on: None) -> None:
    users = {user["role"]: user for user in seed()}

    for role in (Role.FOCAL_POINT, Role.OMBUDSPERSON, Role.INVESTIGATOR, Role.LEADERSHIP):
        assert users[role]["entity"], role
        assert Entity.objects.filter(code=users[role]["entity"]).exists()


def test_the_printed_passwords_log_in(debug_on: None) -> None:
    for user in seed():
        authenticated = authenticate(username=user["username"], password=user["password"])
        assert authenticated is not None, user["username"]
        assert authenticated.get_username() == user["username"]


def test_the_printed_totp_secrets_produce_accepted_codes(debug_on: None) -> None:
    for user in seed():
        device = TOTPDevice.objects.get(user__username=user["username"])
        assert device.confirmed
        assert base64.b32decode(user["totp_secret"]) == device.bin_key
        assert device.verify_token(current_code(device, user["totp_secret"])), user["username"]


def test_passwords_are_stored_hashed(debug_on: None) -> None:
    for user in seed():
        stored = User.objects.get(username=user["username"])
        assert user["password"] not in stored.password


def test_running_it_again_resets_the_credentials_without_duplicates(debug_on: None) -> None:
    first = {user["username"]: user for user in seed()}
    second = seed()

    assert User.objects.count() == len(Role.values)
    assert Entity.objects.filter(code="UNW").count() == 1
    for user in second:
        assert user["password"] != first[user["username"]]["password"]
        assert authenticate(username=user["username"], password=user["password"]) is not None
        assert TOTPDevice.objects.filter(user__username=user["username"]).count() == 1


def test_it_refuses_to_run_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not User.objects.exists()
    assert not Entity.objects.exists()


def test_force_runs_it_with_debug_off(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DEBUG = False
    monkeypatch.setattr(seed_demo, "demo_statistics_create", lambda leadership: False)

    users = seed("--force")

    assert sorted(user["role"] for user in users) == sorted(Role.values)
    assert all(authenticate(username=user["username"], password=user["password"]) for user in users)

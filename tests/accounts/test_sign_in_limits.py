"""Staff sign-in is limited per address and per account (issue 10, item 5): many addresses
cannot share out the guessing of one password, and the account's limit, four times the
address's, is not one that a person mistyping from their desk can reach."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from core.throttling import MAX_ACCOUNT_FAILURES, MAX_FAILURES
from tests.helpers.staff import PASSWORD, current_otp

pytestmark = pytest.mark.django_db


def _api_sign_in(address: str, username: str, password: str, otp: str = "000000") -> Any:
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "otp": otp},
        format="json",
    )


def _page_sign_in(address: str, username: str, password: str, otp: str = "000000") -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/staff/login/", {"username": username, "password": password, "otp": otp}
    )


SignIn = Callable[..., Any]
DOORS = pytest.mark.parametrize("sign_in", [_api_sign_in, _page_sign_in], ids=["api", "page"])


def _guess_from_many_addresses(sign_in: SignIn, username: str, failures: int) -> None:
    """``failures`` wrong passwords for ``username``, each address staying under its limit."""
    for n in range(failures):
        address = f"198.51.100.{n // (MAX_FAILURES - 1) + 1}"
        assert sign_in(address, username, "wrong password").status_code == 401


@DOORS
def test_failures_from_many_addresses_lock_that_accounts_sign_in_for_the_window(
    sign_in: SignIn, focal_point: User
) -> None:
    # Given the account's limit used up from addresses none of which reached its own limit
    _guess_from_many_addresses(sign_in, focal_point.username, MAX_ACCOUNT_FAILURES)

    # When the holder signs in with the right password and code from an untouched address
    refused = sign_in("203.0.113.9", focal_point.username, PASSWORD, current_otp(focal_point))

    # Then the account's sign-in waits for the window, whoever asks
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 15 * 60


@DOORS
def test_the_account_limit_is_per_account_and_spares_the_address_budget(
    sign_in: SignIn, make_staff: Callable[..., User]
) -> None:
    targeted = make_staff(username="fp_targeted")
    colleague = make_staff(username="fp_colleague")
    _guess_from_many_addresses(sign_in, targeted.username, MAX_ACCOUNT_FAILURES)
    # Refusals for the locked account from one address do not use that address's budget ...
    for _ in range(MAX_FAILURES + 2):
        assert sign_in("203.0.113.9", targeted.username, PASSWORD).status_code == 429

    # ... so a colleague at that address, and the same office, signs in as usual.
    signed_in = sign_in("203.0.113.9", colleague.username, PASSWORD, current_otp(colleague))
    assert signed_in.status_code in {200, 302}


@DOORS
def test_the_account_limit_ignores_case_and_surrounding_spaces_in_the_username(
    sign_in: SignIn, focal_point: User
) -> None:
    spellings = [focal_point.username.upper(), f" {focal_point.username} ", focal_point.username]
    for n in range(MAX_ACCOUNT_FAILURES):
        address = f"198.51.100.{n // (MAX_FAILURES - 1) + 1}"
        sign_in(address, spellings[n % len(spellings)], "wrong password")

    refused = sign_in("203.0.113.9", focal_point.username, PASSWORD, current_otp(focal_point))
    assert refused.status_code == 429


def test_one_person_mistyping_meets_the_address_limit_long_before_the_account_limit(
    focal_point: User,
) -> None:
    for _ in range(MAX_FAILURES):
        assert _api_sign_in("203.0.113.9", focal_point.username, "typo").status_code == 401
    assert _api_sign_in("203.0.113.9", focal_point.username, PASSWORD).status_code == 429

    # From the next desk the account still opens: its own limit is far from reached.
    signed_in = _api_sign_in(
        "203.0.113.10", focal_point.username, PASSWORD, current_otp(focal_point)
    )
    assert signed_in.status_code == 200
    assert MAX_ACCOUNT_FAILURES >= 4 * MAX_FAILURES


def test_an_unknown_username_is_limited_like_a_real_one() -> None:
    # The same answers for an account that does not exist: the lock reveals no account.
    _guess_from_many_addresses(_api_sign_in, "nobody_here", MAX_ACCOUNT_FAILURES)
    assert _api_sign_in("203.0.113.9", "nobody_here", PASSWORD).status_code == 429
